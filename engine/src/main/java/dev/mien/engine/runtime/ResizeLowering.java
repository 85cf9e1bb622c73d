package dev.mien.engine.runtime;

import dev.mien.engine.ir.Node;

/**
 * RESIZE on NHWC maps as tf.image.resize computes it without antialias: bilinear or nearest,
 * with half-pixel, align-corners or asymmetric coordinate mapping. Source coordinates and
 * weights are computed in double precision, as the reference implementations do; TensorFlow's
 * float32 coordinates differ from them by up to a few 1e-3 on 0..255 images after upscaling.
 */
final class ResizeLowering implements Lowering {
    @Override public int[][] outputShapes(Node n, int[][] in) {
        Shapes.requireRank(n.name(), in[0], 4);
        int[] size = n.attrs().getInts("size");
        if (size.length != 2 || size[0] < 1 || size[1] < 1) throw new PlanException(n.name() + ": bad resize size");
        mode(n);
        return new int[][]{{in[0][0], size[0], size[1], in[0][3]}};
    }

    private static boolean mode(Node n) {
        String m = n.attrs().getString("mode", "bilinear");
        if (!m.equals("bilinear") && !m.equals("nearest")) throw new PlanException(n.name() + ": unsupported resize mode " + m);
        return m.equals("bilinear");
    }

    /** Source coordinate per output index, and for bilinear the lower/upper index and weight. */
    static final class Axis {
        final int[] lo, hi;
        final double[] frac;

        Axis(int in, int out, String coord, boolean bilinear) {
            lo = new int[out]; hi = new int[out]; frac = new double[out];
            boolean align = coord.equals("align_corners");
            double scale = align && out > 1 ? (in - 1) / (double) (out - 1) : in / (double) out;
            for (int o = 0; o < out; o++) {
                double src = switch (coord) {
                    case "half_pixel" -> bilinear ? (o + 0.5) * scale - 0.5 : (o + 0.5) * scale;
                    case "align_corners", "asymmetric" -> o * scale;
                    default -> throw new PlanException("unsupported resize coordinate mode " + coord);
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
        }
    }

    @Override public Step lower(Node n, int[][] in, int[][] out, int[] inS, int[] outS, LoweringContext ctx) {
        int[] x = in[0], o = out[0];
        boolean bilinear = mode(n);
        String coord = n.attrs().getString("coord", "half_pixel");
        Axis ys = new Axis(x[1], o[1], coord, bilinear), xs = new Axis(x[2], o[2], coord, bilinear);
        int c = x[3], xi = inS[0], yi = outS[0];
        if (!bilinear) {
            return b -> {
                float[] src = b.slots[xi], dst = b.slots[yi];
                int d = 0;
                for (int bi = 0; bi < x[0]; bi++) {
                    int base = bi * x[1] * x[2] * c;
                    for (int oy = 0; oy < o[1]; oy++) {
                        int r0 = base + ys.lo[oy] * x[2] * c;
                        for (int ox = 0; ox < o[2]; ox++, d += c) System.arraycopy(src, r0 + xs.lo[ox] * c, dst, d, c);
                    }
                }
            };
        }
        // Bilinear, separably: each input row is interpolated along x once (cached while output
        // rows keep using it), then each output value is one interpolation along y. The same
        // double-precision expressions as interpolating all four corners per output value, so
        // the same results, for about half the work when upscaling.
        int rowLen = o[2] * c;
        ThreadLocal<double[][]> rows = ThreadLocal.withInitial(() -> new double[][]{new double[rowLen], new double[rowLen]});
        ThreadLocal<int[]> rowIds = ThreadLocal.withInitial(() -> new int[2]);   // which input row each cache row holds
        return b -> {
            float[] src = b.slots[xi], dst = b.slots[yi];
            double[][] cache = rows.get();
            int[] cached = rowIds.get();
            int d = 0;
            for (int bi = 0; bi < x[0]; bi++) {
                int base = bi * x[1] * x[2] * c;
                cached[0] = cached[1] = -1;
                for (int oy = 0; oy < o[1]; oy++) {
                    double[] top = horizontal(src, base, ys.lo[oy], x[2], c, xs, cache, cached);
                    double[] bot = horizontal(src, base, ys.hi[oy], x[2], c, xs, cache, cached);
                    double fy = ys.frac[oy];
                    for (int k = 0; k < rowLen; k++, d++) dst[d] = (float) (top[k] + (bot[k] - top[k]) * fy);
                }
            }
        };
    }

    /** Input row {@code iy} interpolated along x, from one of the two cache rows (computed if absent). */
    private static double[] horizontal(float[] src, int base, int iy, int inW, int c, Axis xs, double[][] cache, int[] cached) {
        if (cached[0] == iy) return cache[0];
        if (cached[1] == iy) return cache[1];
        // Replace the row the caller is done with: rows only move down as output rows do.
        int slot = cached[0] < cached[1] ? 0 : 1;
        double[] row = cache[slot];
        int r = base + iy * inW * c, k = 0;
        for (int ox = 0; ox < xs.lo.length; ox++) {
            int c0 = r + xs.lo[ox] * c, c1 = r + xs.hi[ox] * c;
            double fx = xs.frac[ox];
            for (int ch = 0; ch < c; ch++, k++) {
                double l = src[c0 + ch], h = src[c1 + ch];
                row[k] = l + (h - l) * fx;
            }
        }
        cached[slot] = iy;
        return row;
    }
}
