package dev.mien.engine.image;

/**
 * OpenCV's {@code cv2.resize(img, (w, h), interpolation=INTER_LINEAR)} on 8-bit images with 1
 * or 3 channels: half-pixel centres, no antialiasing, weights in 11-bit fixed point
 * (INTER_RESIZE_COEF_BITS), a horizontal pass kept in integers and a vertical pass rounded
 * from 22 fractional bits. Also OpenCV's fixed-point RGB to gray conversion.
 */
public final class OpenCvResize {
    private OpenCvResize() {}

    private static final int COEF_BITS = 11, COEF_SCALE = 1 << COEF_BITS;

    /** Resizes {@code channels}-interleaved bytes. */
    public static byte[] linear(byte[] src, int w, int h, int channels, int ow, int oh) {
        int[] xofs = new int[ow], yofs = new int[oh];
        short[] alpha = new short[2 * ow], beta = new short[2 * oh];
        coefficients(w, ow, xofs, alpha, true);
        coefficients(h, oh, yofs, beta, false);
        int rowLen = ow * channels;
        int[][] rows = new int[2][rowLen];
        byte[] dst = new byte[oh * rowLen];
        for (int y = 0; y < oh; y++) {
            int sy = yofs[y];
            // Rows outside the image repeat the edge row (weights unchanged, as OpenCV does).
            horizontal(src, w, channels, clamp(sy, h), xofs, alpha, rows[0]);
            horizontal(src, w, channels, clamp(sy + 1, h), xofs, alpha, rows[1]);
            int b0 = beta[2 * y], b1 = beta[2 * y + 1];
            for (int i = 0; i < rowLen; i++) {
                // OpenCV's SIMD vertical pass: rows pre-shifted by 4, high halves of 16-bit products, rounded by 2 bits.
                int v = (((b0 * (rows[0][i] >> 4)) >> 16) + ((b1 * (rows[1][i] >> 4)) >> 16) + 2) >> 2;
                dst[y * rowLen + i] = (byte) (v < 0 ? 0 : Math.min(v, 255));
            }
        }
        return dst;
    }

    private static void horizontal(byte[] src, int w, int ch, int y, int[] xofs, short[] alpha, int[] out) {
        int base = y * w * ch;
        for (int x = 0; x < xofs.length; x++) {
            int sx = xofs[x], sx1 = Math.min(sx + 1, w - 1);
            int a0 = alpha[2 * x], a1 = alpha[2 * x + 1];
            for (int c = 0; c < ch; c++)
                out[x * ch + c] = (src[base + sx * ch + c] & 0xff) * a0 + (src[base + sx1 * ch + c] & 0xff) * a1;
        }
    }

    private static int clamp(int i, int n) { return Math.max(0, Math.min(i, n - 1)); }

    /**
     * OpenCV's source index and the two fixed-point weights for each destination index. Along x
     * it pins indices past the edges to the edge with weight 1; along y it keeps the weights and
     * lets the row fetch clamp (which rounds differently, so the two must not be merged).
     */
    private static void coefficients(int in, int out, int[] ofs, short[] coef, boolean pinEdges) {
        double scale = (double) in / out;
        for (int d = 0; d < out; d++) {
            float f = (float) ((d + 0.5) * scale - 0.5);
            int s = (int) Math.floor(f);
            f -= s;
            if (pinEdges && s < 0) { f = 0; s = 0; }
            if (pinEdges && s >= in - 1) { f = 0; s = in - 1; }
            ofs[d] = s;
            short c0 = (short) Math.rint((1.f - f) * COEF_SCALE);
            coef[2 * d] = c0;
            coef[2 * d + 1] = (short) (COEF_SCALE - c0);
        }
    }

    /** cv2.cvtColor(RGB2GRAY) on 8 bits: (4899 R + 9617 G + 1868 B + 8192) >> 14. */
    public static byte[] rgbToGray(RgbImage img) {
        byte[] rgb = img.rgb(), g = new byte[img.width() * img.height()];
        for (int i = 0; i < g.length; i++) {
            int r = rgb[3 * i] & 0xff, gr = rgb[3 * i + 1] & 0xff, b = rgb[3 * i + 2] & 0xff;
            g[i] = (byte) ((r * 4899 + gr * 9617 + b * 1868 + 8192) >> 14);
        }
        return g;
    }
}
