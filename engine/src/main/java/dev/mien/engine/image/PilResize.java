package dev.mien.engine.image;

/**
 * Pillow's {@code Image.resize(size, BILINEAR)} on 8-bit images, as torchvision's Resize uses
 * it: separable, horizontal pass first, the triangle filter's support widened by the
 * downscale factor (so shrinking antialiases), weights normalised and turned into 22-bit fixed
 * point, each pass rounded and clipped to 8 bits.
 */
public final class PilResize {
    private PilResize() {}

    private static final int PRECISION_BITS = 32 - 8 - 2;

    public static RgbImage bilinear(RgbImage src, int width, int height) {
        if (width < 1 || height < 1) throw new IllegalArgumentException("target size must be positive");
        byte[] cur = src.rgb();
        int w = src.width(), h = src.height();
        if (width != w) { cur = pass(cur, w, h, width, true); w = width; }
        if (height != h) { cur = pass(cur, w, h, height, false); h = height; }
        return new RgbImage(w, h, cur == src.rgb() ? cur.clone() : cur);
    }

    /** Fixed-point coefficients of one axis: for each output index, the first input index and the weights. */
    record Coefficients(int[] start, int[] count, int[][] k) {}

    static Coefficients coefficients(int in, int out) {
        double scale = (double) in / out;
        double filterscale = Math.max(scale, 1.0);
        double support = 1.0 * filterscale;
        int[] start = new int[out], count = new int[out];
        int[][] k = new int[out][];
        for (int xx = 0; xx < out; xx++) {
            double center = (xx + 0.5) * scale;
            double ww = 0.0, ss = 1.0 / filterscale;
            int xmin = (int) (center - support + 0.5);
            if (xmin < 0) xmin = 0;
            int xmax = (int) (center + support + 0.5);
            if (xmax > in) xmax = in;
            xmax -= xmin;
            double[] kd = new double[xmax];
            for (int x = 0; x < xmax; x++) {
                double w = triangle((x + xmin - center + 0.5) * ss);
                kd[x] = w;
                ww += w;
            }
            int[] ki = new int[xmax];
            for (int x = 0; x < xmax; x++) {
                double v = ww != 0.0 ? kd[x] / ww : kd[x];
                ki[x] = (int) (v < 0 ? v * (1 << PRECISION_BITS) - 0.5 : v * (1 << PRECISION_BITS) + 0.5);
            }
            start[xx] = xmin;
            count[xx] = xmax;
            k[xx] = ki;
        }
        return new Coefficients(start, count, k);
    }

    private static double triangle(double x) {
        if (x < 0.0) x = -x;
        return x < 1.0 ? 1.0 - x : 0.0;
    }

    private static byte[] pass(byte[] src, int w, int h, int out, boolean horizontal) {
        Coefficients c = coefficients(horizontal ? w : h, out);
        int ow = horizontal ? out : w, oh = horizontal ? h : out;
        byte[] dst = new byte[3 * ow * oh];
        for (int y = 0; y < oh; y++)
            for (int x = 0; x < ow; x++) {
                int i = horizontal ? x : y;
                int[] k = c.k()[i];
                int s = c.start()[i];
                for (int ch = 0; ch < 3; ch++) {
                    int acc = 1 << (PRECISION_BITS - 1);
                    for (int t = 0; t < k.length; t++) {
                        int sx = horizontal ? s + t : x, sy = horizontal ? y : s + t;
                        acc += (src[3 * (sy * w + sx) + ch] & 0xff) * k[t];
                    }
                    int v = acc >> PRECISION_BITS;
                    dst[3 * (y * ow + x) + ch] = (byte) (v < 0 ? 0 : Math.min(v, 255));
                }
            }
        return dst;
    }
}
