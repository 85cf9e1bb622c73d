package dev.mien.engine.runtime;

import dev.mien.engine.ir.Node;
import dev.mien.kernels.ReduceOp;

import java.util.Arrays;
import java.util.Locale;

/** REDUCE over any set of non-batch axes; the channel axis alone goes to the SIMD kernel. */
final class ReduceLowering implements Lowering {
    static boolean[] axes(Node n, int rank) {
        int[] ax = n.attrs().getInts("axes");
        boolean[] r = new boolean[rank];
        for (int a : ax) {
            int k = Shapes.axis(a, rank);
            if (k == 0) throw new PlanException(n.name() + ": reducing over the batch axis is not supported");
            r[k] = true;
        }
        return r;
    }

    static ReduceOp op(Node n) {
        String s = n.attrs().getString("op");
        try { return ReduceOp.valueOf(s.toUpperCase(Locale.ROOT)); }
        catch (IllegalArgumentException e) { throw new PlanException(n.name() + ": unknown reduction " + s); }
    }

    @Override public int[][] outputShapes(Node n, int[][] in) {
        int[] x = in[0];
        boolean[] r = axes(n, x.length);
        op(n);
        boolean keep = n.attrs().getBool("keepdims", false);
        int[] o = new int[x.length];
        int k = 0;
        for (int i = 0; i < x.length; i++) {
            if (!r[i]) o[k++] = x[i];
            else if (keep) o[k++] = 1;
        }
        return new int[][]{Arrays.copyOf(o, k)};
    }

    @Override public Step lower(Node n, int[][] in, int[][] out, int[] inS, int[] outS, LoweringContext ctx) {
        int[] x = in[0];
        boolean[] r = axes(n, x.length);
        ReduceOp op = op(n);
        int xi = inS[0], yi = outS[0];
        int count = 0;
        boolean lastOnly = r[x.length - 1];
        for (int i = 0; i < x.length; i++) { if (r[i]) count++; if (r[i] && i != x.length - 1) lastOnly = false; }
        if (lastOnly && count == 1) {
            int rows = Shapes.rowsExceptLast(x), len = Shapes.last(x);
            return b -> b.kernels.reduceLastAxis(op, rows, len, b.slots[xi], 0, b.slots[yi], 0);
        }
        // General case: walk the input once, accumulating into the reduced index.
        int rank = x.length;
        int[] outStride = new int[rank];
        int acc = 1;
        long groupSize = 1;
        for (int i = rank - 1; i >= 0; i--) {
            if (r[i]) { outStride[i] = 0; groupSize *= x[i]; }
            else { outStride[i] = acc; acc *= x[i]; }
        }
        int outLen = acc, inLen = Shapes.isize(x);
        float norm = (float) (1.0 / groupSize);
        ThreadLocal<int[]> counters = ThreadLocal.withInitial(() -> new int[rank]);   // a warm run allocates nothing
        return b -> {
            float[] src = b.slots[xi], dst = b.slots[yi];
            float init = switch (op) { case MAX -> Float.NEGATIVE_INFINITY; case MIN -> Float.POSITIVE_INFINITY; default -> 0f; };
            Arrays.fill(dst, 0, outLen, init);
            int[] idx = counters.get();
            Arrays.fill(idx, 0);
            int o = 0;
            for (int i = 0; i < inLen; i++) {
                float v = src[i];
                switch (op) {
                    case MAX -> dst[o] = Math.max(dst[o], v);
                    case MIN -> dst[o] = Math.min(dst[o], v);
                    default -> dst[o] += v;
                }
                for (int d = rank - 1; d >= 0; d--) {
                    o += outStride[d];
                    if (++idx[d] < x[d]) break;
                    o -= outStride[d] * x[d];
                    idx[d] = 0;
                }
            }
            if (op == ReduceOp.MEAN) for (int i = 0; i < outLen; i++) dst[i] *= norm;
        };
    }
}
