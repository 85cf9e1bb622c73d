package dev.mien.faces;

import dev.mien.engine.image.RgbImage;

/**
 * TensorFlow's bilinear image ops as TF.js's CPU backend computes them (Human runs on it):
 * coordinates and blends in double precision, each result rounded to float32 once.
 * {@code resize_bilinear} without aligned corners or half-pixel centres;
 * {@code crop_and_resize} with TF's box convention (normalised corners scaled by size - 1) and
 * zero outside the image.
 */
final class TfResize {
    private TfResize() {}

    /**
     * {@code tf.image.resizeBilinear(src, [outH, outW])} of one HWC float image: output pixel
     * (r, c) samples source (r * H / outH, c * W / outW).
     */
    static float[] resizeBilinear(float[] src, int h, int w, int channels, int outH, int outW) {
        float[] out = new float[outH * outW * channels];
        double rowRatio = (double) h / outH, colRatio = (double) w / outW;
        int o = 0;
        for (int r = 0; r < outH; r++) {
            double fy = rowRatio * r;
            int y0 = Math.max(0, (int) Math.floor(fy)), y1 = Math.min(h - 1, (int) Math.ceil(fy));
            double dy = fy - y0;
            for (int c = 0; c < outW; c++) {
                double fx = colRatio * c;
                int x0 = Math.max(0, (int) Math.floor(fx)), x1 = Math.min(w - 1, (int) Math.ceil(fx));
                double dx = fx - x0;
                int tl = (y0 * w + x0) * channels, tr = (y0 * w + x1) * channels;
                int bl = (y1 * w + x0) * channels, br = (y1 * w + x1) * channels;
                for (int d = 0; d < channels; d++) {
                    double top = src[tl + d] + (src[tr + d] - (double) src[tl + d]) * dx;
                    double bottom = src[bl + d] + (src[br + d] - (double) src[bl + d]) * dx;
                    out[o++] = (float) (top + (bottom - top) * dy);
                }
            }
        }
        return out;
    }

    /**
     * As {@link #resizeBilinear(float[], int, int, int, int, int)} on an 8-bit RGB image placed at
     * ({@code padLeft}, {@code padTop}) on a black {@code paddedW} x {@code paddedH} canvas (the
     * image itself when the padding is 0), read in place: no float copy of a large photo.
     */
    static float[] resizeBilinear(RgbImage img, int padTop, int padLeft, int paddedH, int paddedW, int outH, int outW) {
        int w = img.width(), h = img.height();
        byte[] px = img.rgb();
        float[] out = new float[outH * outW * 3];
        double rowRatio = (double) paddedH / outH, colRatio = (double) paddedW / outW;
        int o = 0;
        for (int r = 0; r < outH; r++) {
            double fy = rowRatio * r;
            int y0 = Math.max(0, (int) Math.floor(fy)), y1 = Math.min(paddedH - 1, (int) Math.ceil(fy));
            double dy = fy - y0;
            for (int c = 0; c < outW; c++) {
                double fx = colRatio * c;
                int x0 = Math.max(0, (int) Math.floor(fx)), x1 = Math.min(paddedW - 1, (int) Math.ceil(fx));
                double dx = fx - x0;
                for (int d = 0; d < 3; d++) {
                    double tl = sample(px, w, h, y0 - padTop, x0 - padLeft, d), tr = sample(px, w, h, y0 - padTop, x1 - padLeft, d);
                    double bl = sample(px, w, h, y1 - padTop, x0 - padLeft, d), br = sample(px, w, h, y1 - padTop, x1 - padLeft, d);
                    double top = tl + (tr - tl) * dx;
                    double bottom = bl + (br - bl) * dx;
                    out[o++] = (float) (top + (bottom - top) * dy);
                }
            }
        }
        return out;
    }

    private static double sample(byte[] px, int w, int h, int y, int x, int channel) {
        return y < 0 || x < 0 || y >= h || x >= w ? 0 : px[3 * (y * w + x) + channel] & 0xff;
    }

    /**
     * {@code tf.image.cropAndResize(image, [[y1, x1, y2, x2]], [0], [cropH, cropW])}, bilinear,
     * extrapolation value 0: the box corners are fractions of the image's size (rounded to
     * float32, as a TF.js box tensor holds them); samples outside the image are 0.
     */
    static float[] cropAndResize(RgbImage img, double y1n, double x1n, double y2n, double x2n, int cropH, int cropW) {
        int h = img.height(), w = img.width();
        byte[] px = img.rgb();
        double y1 = (float) y1n, x1 = (float) x1n, y2 = (float) y2n, x2 = (float) x2n;
        double hScale = cropH > 1 ? (y2 - y1) * (h - 1) / (cropH - 1) : 0;
        double wScale = cropW > 1 ? (x2 - x1) * (w - 1) / (cropW - 1) : 0;
        float[] out = new float[cropH * cropW * 3];
        for (int y = 0; y < cropH; y++) {
            double yIn = cropH > 1 ? y1 * (h - 1) + y * hScale : 0.5 * (y1 + y2) * (h - 1);
            if (yIn < 0 || yIn > h - 1) continue;   // stays 0
            int top = (int) Math.floor(yIn), bottom = (int) Math.ceil(yIn);
            double dy = yIn - top;
            for (int x = 0; x < cropW; x++) {
                double xIn = cropW > 1 ? x1 * (w - 1) + x * wScale : 0.5 * (x1 + x2) * (w - 1);
                if (xIn < 0 || xIn > w - 1) continue;
                int left = (int) Math.floor(xIn), right = (int) Math.ceil(xIn);
                double dx = xIn - left;
                int tl = 3 * (top * w + left), tr = 3 * (top * w + right), bl = 3 * (bottom * w + left), br = 3 * (bottom * w + right);
                int o = 3 * (y * cropW + x);
                for (int c = 0; c < 3; c++) {
                    double vtl = px[tl + c] & 0xff, vtr = px[tr + c] & 0xff, vbl = px[bl + c] & 0xff, vbr = px[br + c] & 0xff;
                    double t = vtl + (vtr - vtl) * dx;
                    double b = vbl + (vbr - vbl) * dx;
                    out[o + c] = (float) (t + (b - t) * dy);
                }
            }
        }
        return out;
    }

}
