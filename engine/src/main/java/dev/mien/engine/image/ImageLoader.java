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
        BufferedImage img;
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) throw new IOException(file + ": not an image Mien can decode (PNG, JPEG, BMP, GIF)");
            ImageReader r = readers.next();
            try {
                String no = refusal(r, in);
                if (no != null) throw new IOException(file + ": " + no);
                r.setInput(in, true, true);
                long w = r.getWidth(0), h = r.getHeight(0), max = ReadLimits.current().maxImagePixels();
                if (w <= 0 || h <= 0) throw new IOException(file + ": image header declares " + w + "x" + h + " pixels");
                if (w * h > max)
                    throw new IOException(file + ": image of " + w + "x" + h + " pixels exceeds " + max + " pixels ("
                            + ReadLimits.howToRaise("maxImagePixels") + ")");
                img = r.read(0);
            } finally {
                r.dispose();
            }
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().startsWith(file.toString())) throw e;
            if (e.getCause() instanceof RuntimeException) throw corrupt(file, e);
            throw new IOException(file + ": cannot decode image (" + Printable.reason(e, 160) + ")", e);
        } catch (RuntimeException e) {
            throw corrupt(file, e);
        } catch (OutOfMemoryError e) {
            throw new IOException(file + ": image needs more memory than this JVM has", e);
        }
        if (img == null) throw new IOException(file + ": cannot decode image");
        return toRgb(img);
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

    /**
     * A decoder that failed inside (an index past its buffers, a negative size, a division by
     * zero: the JDK's readers on corrupt data) says nothing a user can act on: the message says
     * what it means, the cause keeps the detail for {@code --verbose}.
     */
    private static IOException corrupt(Path file, Exception e) {
        return new IOException(file + ": corrupt or truncated image (its decoder stopped on invalid data)", e);
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
