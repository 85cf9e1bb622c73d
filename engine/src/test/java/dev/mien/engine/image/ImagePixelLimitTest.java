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
}
