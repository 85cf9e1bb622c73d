package dev.mien.kernels.simd;

import dev.mien.kernels.PoolShape;
import dev.mien.kernels.ScalarBackend;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

import static dev.mien.kernels.simd.ConvKernel.S;
import static dev.mien.kernels.simd.ConvKernel.VL;

/** Window and global pooling, vectorised along channels. */
final class Pooling {
    private Pooling() {}

    static void window(PoolShape s, float[] in, int inOff, float[] out, int outOff, boolean max, int from, int to) {
        int c = s.c();
        for (int r = from; r < to; r++) {
            int n = r / s.outH(), y = r % s.outH();
            int y0 = y * s.strideH() - s.padTop(), y1 = Math.min(y0 + s.kH(), s.inH() + s.padBottom());
            int ya = Math.max(y0, 0), yb = Math.min(y1, s.inH());
            for (int x = 0; x < s.outW(); x++) {
                int x0 = x * s.strideW() - s.padLeft(), x1 = Math.min(x0 + s.kW(), s.inW() + s.padRight());
                int xa = Math.max(x0, 0), xb = Math.min(x1, s.inW());
                int count = s.countIncludePad() ? (y1 - y0) * (x1 - x0) : (yb - ya) * (xb - xa);
                int o = outOff + ((n * s.outH() + y) * s.outW() + x) * c;
                for (int ch = 0; ch < c; ch += VL) {
                    VectorMask<Float> m = S.indexInRange(ch, c);
                    FloatVector acc = FloatVector.broadcast(S, max ? Float.NEGATIVE_INFINITY : 0f);
                    for (int iy = ya; iy < yb; iy++)
                        for (int ix = xa; ix < xb; ix++) {
                            FloatVector v = FloatVector.fromArray(S, in, inOff + ((n * s.inH() + iy) * s.inW() + ix) * c + ch, m);
                            acc = max ? acc.max(v) : acc.add(v);
                        }
                    if (!max) acc = acc.div(Math.max(count, 1));
                    acc.intoArray(out, o + ch, m);
                }
            }
        }
    }

    static void global(int n, int hw, int c, float[] in, int inOff, float[] out, int outOff, boolean max) {
        if ((long) n * hw * c <= SMALL) {
            ScalarBackend.globalPool(n, hw, c, in, inOff, out, outOff, max);
            return;
        }
        for (int b = 0; b < n; b++)
            for (int ch = 0; ch < c; ch += VL) {
                VectorMask<Float> m = S.indexInRange(ch, c);
                FloatVector acc = FloatVector.broadcast(S, max ? Float.NEGATIVE_INFINITY : 0f);
                for (int p = 0; p < hw; p++) {
                    FloatVector v = FloatVector.fromArray(S, in, inOff + (b * hw + p) * c + ch, m);
                    acc = max ? acc.max(v) : acc.add(v);
                }
                if (!max) acc = acc.div(hw);
                acc.intoArray(out, outOff + b * c + ch, m);
            }
    }

    /**
     * Global pools of at most this many input values (PAtt-Lite's 2x2x256 before its head) run the
     * reference loops ({@link ScalarBackend#globalPool}): called once a run, the vector loop stays
     * uncompiled by C2 for hundreds of runs, and until it is every vector (and mask) is boxed: 17 KB
     * a PAtt-Lite run.
     */
    static final int SMALL = 4096;
}
