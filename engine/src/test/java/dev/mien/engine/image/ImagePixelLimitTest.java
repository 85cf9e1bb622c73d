package dev.mien.engine.image;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** The pixel limit is checked from the header, and raising it lets the same image through. */
class ImagePixelLimitTest {
    @TempDir Path dir;

    @Test
    void imagesBeyondTheLimitAreRefusedAndTheLimitCanBeRaised() throws IOException {
        Path png = dir.resolve("face.png");
        ImageIO.write(new BufferedImage(12, 10, BufferedImage.TYPE_3BYTE_BGR), "png", png.toFile());
        System.setProperty("mien.limits.maxImagePixels", "100");
        try {
            IOException e = assertThrows(IOException.class, () -> ImageLoader.readRgb(png));
            assertEquals(png + ": image of 12x10 pixels exceeds 100 pixels (limit mien.limits.maxImagePixels; raise it with -Dmien.limits.maxImagePixels=N)",
                    e.getMessage());
            System.setProperty("mien.limits.maxImagePixels", "120");
            assertEquals(12, ImageLoader.readRgb(png).width());
        } finally {
            System.clearProperty("mien.limits.maxImagePixels");
        }
    }

    /**
     * A BMP whose info-header size is mangled (56 instead of 40, as a fuzzer did) makes the JDK's
     * reader fail inside (a negative array size): the message says the image is corrupt, in
     * words, without the decoder's exception class.
     */
    @Test
    void aDecoderFailingInsideIsACorruptImageInWords() throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(128, 150, BufferedImage.TYPE_3BYTE_BGR), "bmp", out);
        byte[] b = out.toByteArray();
        assertEquals(40, b[14], "a BITMAPINFOHEADER");
        b[14] = 56;
        Path bmp = java.nio.file.Files.write(dir.resolve("mangled.bmp"), b);
        IOException e = assertThrows(IOException.class, () -> ImageLoader.readRgb(bmp));
        assertEquals(bmp + ": corrupt or truncated image (its decoder stopped on invalid data)", e.getMessage());
        assertNotNull(e.getCause(), "the decoder's own failure is kept for --verbose");
    }

    /** A BMP header (BITMAPINFOHEADER) declaring {@code w} x {@code h} around {@code inner}, stored with {@code compression} (4: JPEG, 5: PNG). */
    static byte[] bmpWrapping(int w, int h, int compression, byte[] inner) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(54 + inner.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 'B').put((byte) 'M').putInt(54 + inner.length).putInt(0).putInt(54);
        b.putInt(40).putInt(w).putInt(h).putShort((short) 1).putShort((short) 0).putInt(compression).putInt(inner.length)
                .putInt(2835).putInt(2835).putInt(0).putInt(0);
        return b.put(inner).array();
    }

    /**
     * A BMP that wraps a JPEG or PNG states 10 x 10 pixels while the JDK decodes the wrapped
     * image at its own size (an image fuzzer's 343-byte file took 5 GB): refused before decoding.
     * So is TIFF, which the JDK reads but Mien does not offer.
     */
    @Test
    void wrappedImagesAndOtherFormatsAreRefusedUndecoded() throws IOException {
        for (String inner : new String[]{"jpeg", "png"}) {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            ImageIO.write(new BufferedImage(640, 480, BufferedImage.TYPE_3BYTE_BGR), inner, out);
            int compression = inner.equals("jpeg") ? 4 : 5;
            Path bmp = java.nio.file.Files.write(dir.resolve("wrapped-" + inner + ".bmp"), bmpWrapping(10, 10, compression, out.toByteArray()));
            IOException e = assertThrows(IOException.class, () -> ImageLoader.readRgb(bmp));
            assertEquals(bmp + ": a BMP that wraps a " + inner.toUpperCase(java.util.Locale.ROOT) + " (compression " + compression
                    + "), whose real size its header does not state; not decoded", e.getMessage());
        }
        Path tiff = dir.resolve("face.tiff");
        assertTrue(ImageIO.write(new BufferedImage(12, 10, BufferedImage.TYPE_3BYTE_BGR), "tiff", tiff.toFile()), "the JDK writes TIFF");
        IOException t = assertThrows(IOException.class, () -> ImageLoader.readRgb(tiff));
        assertTrue(t.getMessage().endsWith("image; Mien decodes PNG, JPEG, BMP and GIF"), t.getMessage());
        Path plain = dir.resolve("plain.bmp");
        ImageIO.write(new BufferedImage(12, 10, BufferedImage.TYPE_3BYTE_BGR), "bmp", plain.toFile());
        assertEquals(12, ImageLoader.readRgb(plain).width(), "an ordinary BMP still reads");
    }

    /** The core both the CLI and the server decode through sorts every failure into a kind, before decoding where it can. */
    @Test
    void theSharedDecoderSortsEveryFailureIntoAKind() throws IOException, ImageRefusal {
        java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(12, 10, BufferedImage.TYPE_3BYTE_BGR), "png", png);
        byte[] good = png.toByteArray();
        assertEquals(12, decode(good, 120).getWidth());
        assertKind(ImageRefusal.Kind.NOT_AN_IMAGE, "plain text, not an image".getBytes(), 1000);
        ImageRefusal big = assertKind(ImageRefusal.Kind.TOO_MANY_PIXELS, good, 119);
        assertEquals(12, big.width());
        assertEquals(10, big.height());
        ImageRefusal cut = assertKind(ImageRefusal.Kind.UNREADABLE, java.util.Arrays.copyOf(good, good.length / 2), 1000);
        assertNotNull(cut.detail(), "a read error keeps its reason");
        java.io.ByteArrayOutputStream bmp = new java.io.ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(128, 150, BufferedImage.TYPE_3BYTE_BGR), "bmp", bmp);
        byte[] mangled = bmp.toByteArray();
        mangled[14] = 56;   // the info-header size, as in aDecoderFailingInsideIsACorruptImageInWords
        assertNotNull(assertKind(ImageRefusal.Kind.CORRUPT, mangled, 1_000_000).getCause(), "the decoder's failure is the cause");
        java.io.ByteArrayOutputStream jpeg = new java.io.ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(640, 480, BufferedImage.TYPE_3BYTE_BGR), "jpeg", jpeg);
        ImageRefusal wrapped = assertKind(ImageRefusal.Kind.REFUSED, bmpWrapping(10, 10, 4, jpeg.toByteArray()), 1000);
        assertTrue(wrapped.detail().startsWith("a BMP that wraps a JPEG"), wrapped.detail());
    }

    private static BufferedImage decode(byte[] bytes, long maxPixels) throws IOException, ImageRefusal {
        try (javax.imageio.stream.ImageInputStream in = ImageIO.createImageInputStream(new java.io.ByteArrayInputStream(bytes))) {
            return ImageLoader.decode(in, maxPixels);
        }
    }

    private static ImageRefusal assertKind(ImageRefusal.Kind kind, byte[] bytes, long maxPixels) {
        ImageRefusal e = assertThrows(ImageRefusal.class, () -> decode(bytes, maxPixels));
        assertEquals(kind, e.kind(), String.valueOf(e.getMessage()));
        return e;
    }
}
