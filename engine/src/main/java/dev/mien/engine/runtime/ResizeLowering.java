package dev.mien.engine.runtime;

import dev.mien.engine.ir.Node;

/**
 * RESIZE on NHWC maps, with TensorFlow's float arithmetic (tf.image.resize without antialias):
 * bilinear or nearest, with half-pixel, align-corners or asymmetric coordinate mapping.
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
        final float[] frac;

        Axis(int in, int out, String coord, boolean bilinear) {
            lo = new int[out]; hi = new int[out]; frac = new float[out];
            boolean align = coord.equals("align_corners");
            float scale = align && out > 1 ? (in - 1) / (float) (out - 1) : in / (float) out;
            for (int o = 0; o < out; o++) {
                float src = switch (coord) {
                    case "half_pixel" -> bilinear ? (o + 0.5f) * scale - 0.5f : (o + 0.5f) * scale;
                    case "align_corners", "asymmetric" -> o * scale;
                    default -> throw new PlanException("unsupported resize coordinate mode " + coord);
                };
                if (bilinear) {
                    float f = (float) Math.floor(src);
                    lo[o] = Math.max((int) f, 0);
                    hi[o] = Math.min((int) Math.ceil(src), in - 1);
                    frac[o] = src - f;
                } else {
                    int idx = align ? Math.round(src) : (int) Math.floor(src);
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
        return b -> {
            float[] src = b.slots[xi], dst = b.slots[yi];
            int d = 0;
            for (int bi = 0; bi < x[0]; bi++) {
                int base = bi * x[1] * x[2] * c;
                for (int oy = 0; oy < o[1]; oy++) {
                    int r0 = base + ys.lo[oy] * x[2] * c, r1 = base + ys.hi[oy] * x[2] * c;
                    float fy = ys.frac[oy];
                    for (int ox = 0; ox < o[2]; ox++) {
                        int c0 = xs.lo[ox] * c, c1 = xs.hi[ox] * c;
                        float fx = xs.frac[ox];
                        for (int ch = 0; ch < c; ch++, d++) {
                            if (!bilinear) { dst[d] = src[r0 + c0 + ch]; continue; }
                            float tl = src[r0 + c0 + ch], tr = src[r0 + c1 + ch];
                            float bl = src[r1 + c0 + ch], br = src[r1 + c1 + ch];
                            float top = tl + (tr - tl) * fx, bot = bl + (br - bl) * fx;
                            dst[d] = top + (bot - top) * fy;
                        }
                    }
                }
            }
        };
    }
}
