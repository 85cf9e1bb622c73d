package dev.mien.engine.image;

import dev.mien.engine.io.Printable;
import dev.mien.engine.io.ReadLimits;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import java.util.Set;

/**
 * Decodes PNG, JPEG, BMP and GIF files like PIL's {@code Image.open(p).convert('RGB')}: gray
 * replicated to three channels, palettes expanded, alpha dropped without compositing. Gray
 * samples are taken as stored (Java's gray colour space would otherwise re-gamma them).
 *
 * <p>The image's size is read from its header and checked against
 * {@link ReadLimits#maxImagePixels} before anything is decoded: a small file can declare a
 * huge canvas (a decompression bomb).
 */
public final class ImageLoader {
    private ImageLoader() {}

    public static RgbImage readRgb(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new IOException(file + ": no such file");
        if (Files.size(file) == 0) throw new IOException(file + ": empty file, not an image");
        long max = ReadLimits.current().maxImagePixels();
        BufferedImage img;
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            img = decode(in, max);
        } catch (ImageRefusal e) {
            throw new IOException(file + ": " + switch (e.kind()) {
                case NOT_AN_IMAGE -> "not an image Mien can decode (PNG, JPEG, BMP, GIF)";
                case REFUSED -> e.detail();
                case BAD_SIZE -> "image header declares " + e.width() + "x" + e.height() + " pixels";
                case TOO_MANY_PIXELS -> "image of " + e.width() + "x" + e.height() + " pixels exceeds " + max + " pixels ("
                        + ReadLimits.howToRaise("maxImagePixels") + ")";
                case CORRUPT -> "corrupt or truncated image (its decoder stopped on invalid data)";
                case UNREADABLE -> e.detail() == null ? "cannot decode image" : "cannot decode image (" + e.detail() + ")";
                case OUT_OF_MEMORY -> "image needs more memory than this JVM has";
            }, e.getCause());
        } catch (IOException e) {   // opening or closing the file
            throw new IOException(file + ": cannot decode image (" + Printable.reason(e, 160) + ")", e);
        }
        return toRgb(img);
    }

    /**
     * Decodes the one image in {@code in}, the steps the CLI and the server share: the reader
     * the content asks for, {@link #refusal}, the size from the header checked against
     * {@code maxPixels} before any pixel is decoded, and every way a JDK decoder can fail sorted
     * into an {@link ImageRefusal} that each caller words for its own users.
     */
    public static BufferedImage decode(ImageInputStream in, long maxPixels) throws ImageRefusal {
        try {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) throw new ImageRefusal(ImageRefusal.Kind.NOT_AN_IMAGE, null, 0, 0, null);
            ImageReader r = readers.next();
            try {
                String no = refusal(r, in);
                if (no != null) throw new ImageRefusal(ImageRefusal.Kind.REFUSED, no, 0, 0, null);
                r.setInput(in, true, true);
                long w = r.getWidth(0), h = r.getHeight(0);
                if (w <= 0 || h <= 0) throw new ImageRefusal(ImageRefusal.Kind.BAD_SIZE, null, w, h, null);
                if (w * h > maxPixels) throw new ImageRefusal(ImageRefusal.Kind.TOO_MANY_PIXELS, null, w, h, null);
                BufferedImage img = r.read(0);
                if (img == null) throw new ImageRefusal(ImageRefusal.Kind.UNREADABLE, null, w, h, null);
                return img;
            } finally {
                r.dispose();
            }
        } catch (IOException e) {
            // An IIOException wrapping a RuntimeException is the decoder failing inside, as below.
            if (e.getCause() instanceof RuntimeException) throw new ImageRefusal(ImageRefusal.Kind.CORRUPT, null, 0, 0, e);
            throw new ImageRefusal(ImageRefusal.Kind.UNREADABLE, Printable.reason(e, 160), 0, 0, e);
        } catch (RuntimeException e) {
            throw new ImageRefusal(ImageRefusal.Kind.CORRUPT, null, 0, 0, e);
        } catch (OutOfMemoryError e) {
            throw new ImageRefusal(ImageRefusal.Kind.OUT_OF_MEMORY, null, 0, 0, e);
        }
    }

    /** The formats Mien decodes (ImageIO's format names); the JDK's others (TIFF) are refused, not advertised and not fuzzed. */
    static final Set<String> FORMATS = Set.of("png", "jpeg", "bmp", "gif");

    /**
     * Why the image {@code r} found in {@code in} must not be decoded, or null; reads nothing
     * ({@code in} is reset). A format outside {@link #FORMATS}, or a BMP that wraps a JPEG or
     * PNG (compression 4 or 5): the JDK decodes the wrapped image at its own size, which the BMP
     * header does not state, so a 343-byte file declaring 10 x 10 pixels took 5 GB (found by a
     * fuzzer). The pixel limit is checked from the header, so such a header must be the truth.
     */
    public static String refusal(ImageReader r, ImageInputStream in) throws IOException {
        String format = r.getFormatName().toLowerCase(Locale.ROOT);
        if (!FORMATS.contains(format)) return "a " + Printable.clip(format) + " image; Mien decodes PNG, JPEG, BMP and GIF";
        if (!format.equals("bmp")) return null;
        byte[] head = new byte[34];
        in.mark();
        int n;
        try {
            n = in.read(head);
        } finally {
            in.reset();
        }
        if (n < head.length) return null;   // too short for a compression field: the reader refuses it
        ByteBuffer b = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN);
        int headerSize = b.getInt(14), compression = b.getInt(30);
        if (headerSize >= 40 && (compression == 4 || compression == 5))
            return "a BMP that wraps a " + (compression == 4 ? "JPEG" : "PNG") + " (compression " + compression
                    + "), whose real size its header does not state; not decoded";
        return null;
    }

    /** PIL convert('RGB') semantics for the common BufferedImage types. */
    public static RgbImage toRgb(BufferedImage img) {
        int w = img.getWidth(), h = img.getHeight();
        if (3L * w * h > Integer.MAX_VALUE - 16) throw new IllegalArgumentException("image of " + w + "x" + h + " pixels is too large");
        byte[] out = new byte[3 * w * h];
        Raster r = img.getRaster();
        int bands = r.getNumBands();
        boolean indexed = img.getColorModel() instanceof java.awt.image.IndexColorModel;
        if (!indexed && (bands == 1 || bands == 2)) {
            // Gray (with or without alpha): replicate the stored sample, scaled to 8 bits.
            int bits = img.getColorModel().getComponentSize(0);
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                r.getSamples(0, y, w, 1, 0, row);
                for (int x = 0; x < w; x++) {
                    int v = bits == 16 ? row[x] >> 8 : bits < 8 ? row[x] * 255 / ((1 << bits) - 1) : row[x];
                    int o = 3 * (y * w + x);
                    out[o] = out[o + 1] = out[o + 2] = (byte) v;
                }
            }
        } else if (!indexed && bands >= 3 && img.getColorModel().getComponentSize(0) == 8
                && img.getColorModel().getColorSpace().isCS_sRGB()) {
            int[] px = new int[w * bands];
            for (int y = 0; y < h; y++) {
                r.getPixels(0, y, w, 1, px);
                for (int x = 0; x < w; x++) {
                    int o = 3 * (y * w + x), i = x * bands;
                    out[o] = (byte) px[i];
                    out[o + 1] = (byte) px[i + 1];
                    out[o + 2] = (byte) px[i + 2];
                }
            }
        } else {
            // Palettes and anything else: Java's own sRGB conversion, alpha ignored.
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) {
                    int argb = img.getRGB(x, y), o = 3 * (y * w + x);
                    out[o] = (byte) (argb >> 16);
                    out[o + 1] = (byte) (argb >> 8);
                    out[o + 2] = (byte) argb;
                }
        }
        return new RgbImage(w, h, out);
    }
}
