package dev.mien.kernels;

/**
 * Where each output index along one axis of a resize reads: for bilinear the lower and upper
 * source index and the weight of the upper one, for nearest one index (lo == hi). Coordinates
 * are computed in double precision, as the reference implementations do.
 */
public record ResizeAxis(int in, int[] lo, int[] hi, double[] frac) {
    public int out() { return lo.length; }

    /** {@code coord}: half_pixel, align_corners or asymmetric (tf.image.resize without antialias). */
    public static ResizeAxis of(int in, int out, String coord, boolean bilinear) {
        int[] lo = new int[out], hi = new int[out];
        double[] frac = new double[out];
        boolean align = coord.equals("align_corners");
        double scale = align && out > 1 ? (in - 1) / (double) (out - 1) : in / (double) out;
        for (int o = 0; o < out; o++) {
            double src = switch (coord) {
                case "half_pixel" -> bilinear ? (o + 0.5) * scale - 0.5 : (o + 0.5) * scale;
                case "align_corners", "asymmetric" -> o * scale;
                default -> throw new IllegalArgumentException("unsupported resize coordinate mode " + coord);
            };
            if (bilinear) {
                double f = Math.floor(src);
                lo[o] = Math.max((int) f, 0);
                hi[o] = Math.min((int) Math.ceil(src), in - 1);
                frac[o] = src - f;
            } else {
                int idx = align ? (int) Math.round(src) : (int) Math.floor(src);
                lo[o] = hi[o] = Math.min(Math.max(idx, 0), in - 1);
            }
        }
        return new ResizeAxis(in, lo, hi, frac);
    }
}
