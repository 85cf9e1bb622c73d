package dev.mien.engine.image;

import dev.mien.engine.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** Loader and resizers on images generated here (no fixtures needed). */
class ImageTest {
    @TempDir Path dir;

    static RgbImage random(int w, int h, long seed) {
        byte[] b = new byte[3 * w * h];
        new Random(seed).nextBytes(b);
        return new RgbImage(w, h, b);
    }

    @Test
    void loaderKeepsGrayAndRgbSamplesAndDropsAlpha() throws IOException {
        BufferedImage gray = new BufferedImage(5, 4, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 4; y++) for (int x = 0; x < 5; x++) gray.getRaster().setSample(x, y, 0, 10 * x + 50 * y);
        Path g = dir.resolve("g.png");
        ImageIO.write(gray, "png", g.toFile());
        RgbImage gi = ImageLoader.readRgb(g);
        assertEquals(10 * 3 + 50 * 2, gi.rgb()[3 * (2 * 5 + 3) + 1] & 0xff, "gray sample taken as stored, no gamma");
        BufferedImage argb = new BufferedImage(3, 2, BufferedImage.TYPE_INT_ARGB);
        argb.setRGB(1, 1, 0x10_20_30_40);
        Path a = dir.resolve("a.png");
        ImageIO.write(argb, "png", a.toFile());
        RgbImage ai = ImageLoader.readRgb(a);
        int o = 3 * (1 * 3 + 1);
        assertArrayEquals(new byte[]{0x20, 0x30, 0x40}, Arrays.copyOfRange(ai.rgb(), o, o + 3), "alpha dropped, colour kept");
    }

    @Test
    void badImagesNameTheFile() throws IOException {
        Path empty = dir.resolve("empty.png"), text = dir.resolve("text.png"), cut = dir.resolve("cut.png");
        Files.write(empty, new byte[0]);
        Files.writeString(text, "not an image");
        BufferedImage img = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        Path full = dir.resolve("full.png");
        ImageIO.write(img, "png", full.toFile());
        byte[] bytes = Files.readAllBytes(full);
        Files.write(cut, Arrays.copyOf(bytes, bytes.length / 2));
        for (Path p : new Path[]{empty, text, cut, dir.resolve("missing.png")}) {
            IOException e = assertThrows(IOException.class, () -> ImageLoader.readRgb(p));
            assertTrue(e.getMessage().startsWith(p.toString()), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> ModelPreprocessing.byName("resnet"));
    }

    /** A plain float implementation of Pillow's antialiased bilinear, independent of the fixed-point code. */
    static double[] reference(RgbImage src, int ow, int oh) {
        double[] tmp = new double[3 * ow * src.height()];
        for (int y = 0; y < src.height(); y++) for (int x = 0; x < ow; x++) for (int c = 0; c < 3; c++) {
            int yy = y, cc = c;
            tmp[3 * (y * ow + x) + c] = Math.max(0, Math.min(255, Math.round(tap(i -> src.rgb()[3 * (yy * src.width() + i) + cc] & 0xff, src.width(), ow, x))));
        }
        double[] out = new double[3 * ow * oh];
        for (int y = 0; y < oh; y++) for (int x = 0; x < ow; x++) for (int c = 0; c < 3; c++) {
            int xx = x, cc = c;
            out[3 * (y * ow + x) + c] = Math.max(0, Math.min(255, Math.round(tap(i -> tmp[3 * (i * ow + xx) + cc], src.height(), oh, y))));
        }
        return out;
    }

    static double tap(java.util.function.IntToDoubleFunction v, int in, int out, int o) {
        double scale = (double) in / out, fs = Math.max(1, scale), center = (o + 0.5) * scale, sum = 0, wsum = 0;
        for (int i = 0; i < in; i++) {
            double w = Math.max(0, 1 - Math.abs((i + 0.5 - center) / fs));
            sum += w * v.applyAsDouble(i);
            wsum += w;
        }
        return sum / wsum;
    }

    @Test
    void pilResizeAgreesWithAFloatReferenceWithinOneLevel() {
        for (int[] size : new int[][]{{37, 23, 224, 224}, {300, 200, 224, 224}, {50, 50, 13, 31}}) {
            RgbImage src = random(size[0], size[1], size[0]);
            RgbImage r = PilResize.bilinear(src, size[2], size[3]);
            double[] ref = reference(src, size[2], size[3]);
            for (int i = 0; i < ref.length; i++)
                assertTrue(Math.abs((r.rgb()[i] & 0xff) - ref[i]) <= 1, "pixel " + i + " of " + Arrays.toString(size));
        }
    }

    @Test
    void openCvLinearInterpolatesWithoutAntialias() {
        // a horizontal ramp upscaled 2x: interior pixels fall halfway between source pixels
        byte[] ramp = new byte[8];
        for (int i = 0; i < 8; i++) ramp[i] = (byte) (i * 32);
        byte[] up = OpenCvResize.linear(ramp, 8, 1, 1, 16, 1);
        assertEquals(0, up[0] & 0xff);
        assertEquals(8, up[1] & 0xff);    // (0.75*0 + 0.25*32)
        assertEquals(24, up[2] & 0xff);   // (0.25*0 + 0.75*32)
        assertEquals(224, up[15] & 0xff);
        // shrinking by 4 takes two taps only (no antialias): 2x1 average of pixels 1 and 2
        byte[] down = OpenCvResize.linear(ramp, 8, 1, 1, 2, 1);
        assertEquals(48, down[0] & 0xff);
        Tensor t = ModelPreprocessing.byName("lanmsff").apply(random(90, 70, 3));
        assertArrayEquals(new int[]{1, 64, 64, 1}, t.shape());
        Tensor m = ModelPreprocessing.byName("manet").apply(random(90, 70, 3));
        assertArrayEquals(new int[]{1, 224, 224, 3}, m.shape());
        for (float v : m.data()) assertTrue(v >= 0 && v <= 1);
    }
}
