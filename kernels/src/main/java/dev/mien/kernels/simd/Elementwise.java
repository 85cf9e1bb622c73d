package dev.mien.kernels.simd;

import dev.mien.kernels.BinaryOp;
import jdk.incubator.vector.FloatVector;

import static dev.mien.kernels.simd.ConvKernel.S;
import static dev.mien.kernels.simd.ConvKernel.VL;

/**
 * Broadcasting binary ops, vectorised along the innermost axis. Covers the shapes attention
 * blocks produce: equal shapes, a per-channel or per-image-per-channel gate ([N,1,1,C]) and a
 * per-pixel gate ([N,H,W,1]). Returns false for anything else (the caller falls back).
 */
final class Elementwise {
    private Elementwise() {}

    private static final int MAX_RANK = 8;

    /** {@code t}: three index arrays of at least MAX_RANK, the calling thread's own. */
    static boolean binary(BinaryOp op, float[] a, int aOff, int[] aShape, float[] b, int bOff, int[] bShape,
                          float[] out, int outOff, int[] outShape, int[][] t) {
        int r = outShape.length;
        if (r == 0 || r > MAX_RANK) return false;
        int[] as = strides(aShape, r, t[0]), bs = strides(bShape, r, t[1]);
        int len = outShape[r - 1];
        // Innermost axis: each operand is either contiguous (stride 1) or a broadcast scalar (stride 0).
        int aIn = as[r - 1], bIn = bs[r - 1];
        if (len > 1 && (aIn > 1 || bIn > 1)) return false;
        int rows = 1;
        for (int i = 0; i < r - 1; i++) rows *= outShape[i];
        int[] idx = t[2];
        java.util.Arrays.fill(idx, 0);
        int ao = aOff, bo = bOff;
        for (int row = 0; row < rows; row++) {
            row(op, a, ao, aIn == 1 || len == 1, b, bo, bIn == 1 || len == 1, out, outOff + row * len, len);
            for (int d = r - 2; d >= 0; d--) {
                ao += as[d];
                bo += bs[d];
                if (++idx[d] < outShape[d]) break;
                ao -= as[d] * outShape[d];
                bo -= bs[d] * outShape[d];
                idx[d] = 0;
            }
        }
        return true;
    }

    private static void row(BinaryOp op, float[] a, int ao, boolean aVec, float[] b, int bo, boolean bVec,
                            float[] out, int o, int len) {
        int i = 0;
        int full = len - len % VL;
        // The operator is chosen per vector through a switch, not passed as a VectorOperators
        // value: the Vector API only compiles lanewise ops to instructions for constant operators.
        if (aVec && bVec) {
            for (; i < full; i += VL)
                op(op, FloatVector.fromArray(S, a, ao + i), FloatVector.fromArray(S, b, bo + i), out, o + i);
            for (; i < len; i++) out[o + i] = op.apply(a[ao + i], b[bo + i]);
        } else if (aVec) {
            float bv = b[bo];
            FloatVector bb = FloatVector.broadcast(S, bv);
            for (; i < full; i += VL) op(op, FloatVector.fromArray(S, a, ao + i), bb, out, o + i);
            for (; i < len; i++) out[o + i] = op.apply(a[ao + i], bv);
        } else if (bVec) {
            FloatVector av = FloatVector.broadcast(S, a[ao]);
            for (; i < full; i += VL) op(op, av, FloatVector.fromArray(S, b, bo + i), out, o + i);
            for (; i < len; i++) out[o + i] = op.apply(a[ao], b[bo + i]);
        } else {
            float v = op.apply(a[ao], b[bo]);
            for (; i < len; i++) out[o + i] = v;
        }
    }

    /** out[o..] = x op y. Small enough that C2 always inlines it, so the vectors stay in registers. */
    private static void op(BinaryOp op, FloatVector x, FloatVector y, float[] out, int o) {
        switch (op) {
            case ADD -> x.add(y).intoArray(out, o);
            case SUB -> x.sub(y).intoArray(out, o);
            case MUL -> x.mul(y).intoArray(out, o);
            case DIV -> x.div(y).intoArray(out, o);
            case MAX -> x.max(y).intoArray(out, o);
            case MIN -> x.min(y).intoArray(out, o);
        }
    }

    private static int[] strides(int[] shape, int rank, int[] s) {
        java.util.Arrays.fill(s, 0);
        int acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            int d = rank - shape.length + i;
            if (d < 0) continue;
            s[d] = shape[i] == 1 ? 0 : acc;
            acc *= shape[i];
        }
        return s;
    }
}
