package dev.mien.formats.onnx;

import java.util.Arrays;

/**
 * A value known at import time: float ({@code f}) or integer ({@code l}) elements in row-major
 * order. Shape arithmetic (Shape, Gather, Concat, ...) is folded on these, and weights are read
 * from them.
 */
record ConstTensor(int[] shape, float[] f, long[] l) {
    ConstTensor {
        if ((f == null) == (l == null)) throw new IllegalArgumentException("exactly one of float or integer data");
        long n = size(shape);
        if (n != (f != null ? f.length : l.length)) throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " does not match data");
    }

    static ConstTensor ofFloats(int[] shape, float[] f) { return new ConstTensor(shape, f, null); }
    static ConstTensor ofLongs(int[] shape, long[] l) { return new ConstTensor(shape, null, l); }
    static ConstTensor vector(long... l) { return ofLongs(new int[]{l.length}, l); }

    boolean isFloat() { return f != null; }
    int size() { return f != null ? f.length : l.length; }
    int rank() { return shape.length; }

    double get(int i) { return f != null ? f[i] : l[i]; }
    long getLong(int i) { return f != null ? (long) f[i] : l[i]; }

    long[] longs() {
        if (l != null) return l.clone();
        long[] out = new long[f.length];
        for (int i = 0; i < f.length; i++) out[i] = (long) f[i];
        return out;
    }

    float[] floats() {
        if (f != null) return f.clone();
        float[] out = new float[l.length];
        for (int i = 0; i < l.length; i++) out[i] = l[i];
        return out;
    }

    /** Same kind of data, new shape and values picked by source index. */
    ConstTensor gather(int[] newShape, int[] srcIndex) {
        if (f != null) {
            float[] o = new float[srcIndex.length];
            for (int i = 0; i < o.length; i++) o[i] = f[srcIndex[i]];
            return ofFloats(newShape, o);
        }
        long[] o = new long[srcIndex.length];
        for (int i = 0; i < o.length; i++) o[i] = l[srcIndex[i]];
        return ofLongs(newShape, o);
    }

    ConstTensor reshape(int[] newShape) { return new ConstTensor(newShape, f, l); }

    /** Axes permuted: out.shape[i] = shape[perm[i]]. */
    ConstTensor transpose(int[] perm) {
        int r = shape.length;
        int[] os = new int[r];
        for (int i = 0; i < r; i++) os[i] = shape[perm[i]];
        int[] inStride = strides(shape);
        int n = size();
        int[] src = new int[n];
        int[] idx = new int[r];
        for (int o = 0; o < n; o++) {
            int s = 0;
            for (int i = 0; i < r; i++) s += idx[i] * inStride[perm[i]];
            src[o] = s;
            for (int i = r - 1; i >= 0; i--) {
                if (++idx[i] < os[i]) break;
                idx[i] = 0;
            }
        }
        return gather(os, src);
    }

    /** Broadcast to {@code target} (NumPy rules; the caller checked they broadcast). */
    ConstTensor broadcastTo(int[] target) {
        int r = target.length, n = (int) size(target);
        int[] padded = new int[r];
        Arrays.fill(padded, 1);
        System.arraycopy(shape, 0, padded, r - shape.length, shape.length);
        int[] st = strides(padded);
        int[] src = new int[n];
        int[] idx = new int[r];
        for (int o = 0; o < n; o++) {
            int s = 0;
            for (int i = 0; i < r; i++) if (padded[i] != 1) s += idx[i] * st[i];
            src[o] = s;
            for (int i = r - 1; i >= 0; i--) {
                if (++idx[i] < target[i]) break;
                idx[i] = 0;
            }
        }
        return gather(target.clone(), src);
    }

    static long size(int[] shape) {
        long n = 1;
        for (int d : shape) n *= d;
        return n;
    }

    static int[] strides(int[] shape) {
        int[] s = new int[shape.length];
        int acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) { s[i] = acc; acc *= shape[i]; }
        return s;
    }

    @Override public String toString() { return (f != null ? "float" : "int") + Arrays.toString(shape); }
}
