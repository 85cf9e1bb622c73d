package dev.mien.engine;

import java.util.Arrays;

/**
 * A dense fp32 tensor in row-major order. Four-dimensional activations are NHWC.
 * The array is shared, not copied: treat a tensor handed to the engine as read-only.
 */
public final class Tensor {
    private final int[] shape;
    private final float[] data;

    public Tensor(int[] shape, float[] data) {
        this.shape = shape.clone();
        long size = sizeOf(this.shape);
        if (size != data.length)
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + size
                    + " values, got " + data.length);
        this.data = data;
    }

    public static Tensor zeros(int... shape) {
        long size = sizeOf(shape);
        if (size > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("tensor too large: " + Arrays.toString(shape));
        return new Tensor(shape, new float[(int) size]);
    }

    public static long sizeOf(int[] shape) {
        long s = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            s *= d;
        }
        return s;
    }

    public int[] shape() { return shape.clone(); }
    public int rank() { return shape.length; }
    public int dim(int i) { return shape[i < 0 ? shape.length + i : i]; }
    public int size() { return data.length; }
    /** The backing array (no copy). */
    public float[] data() { return data; }

    public Tensor reshape(int... newShape) { return new Tensor(newShape, data); }

    /** Copy with axes permuted: {@code out.shape[i] = shape[perm[i]]}. */
    public Tensor transpose(int... perm) {
        int r = shape.length;
        if (perm.length != r) throw new IllegalArgumentException("perm rank " + perm.length + " != " + r);
        int[] outShape = new int[r];
        for (int i = 0; i < r; i++) outShape[i] = shape[perm[i]];
        int[] inStride = strides(shape);
        int[] stride = new int[r];
        for (int i = 0; i < r; i++) stride[i] = inStride[perm[i]];
        float[] out = new float[data.length];
        int[] idx = new int[r];
        for (int o = 0; o < out.length; o++) {
            int src = 0;
            for (int i = 0; i < r; i++) src += idx[i] * stride[i];
            out[o] = data[src];
            for (int i = r - 1; i >= 0; i--) {
                if (++idx[i] < outShape[i]) break;
                idx[i] = 0;
            }
        }
        return new Tensor(outShape, out);
    }

    /** NCHW -> NHWC. */
    public Tensor nchwToNhwc() { return transpose(0, 2, 3, 1); }
    /** NHWC -> NCHW. */
    public Tensor nhwcToNchw() { return transpose(0, 3, 1, 2); }

    /** The NumPy broadcast of two shapes (right-aligned); IllegalArgumentException when they do not broadcast. */
    public static int[] broadcastShape(int[] a, int[] b) {
        int r = Math.max(a.length, b.length);
        int[] out = new int[r];
        for (int i = 0; i < r; i++) {
            int da = i - (r - a.length) >= 0 ? a[i - (r - a.length)] : 1;
            int db = i - (r - b.length) >= 0 ? b[i - (r - b.length)] : 1;
            if (da != db && da != 1 && db != 1)
                throw new IllegalArgumentException("shapes " + Arrays.toString(a) + " and " + Arrays.toString(b) + " do not broadcast");
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    public static int[] strides(int[] shape) {
        int[] s = new int[shape.length];
        int acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) { s[i] = acc; acc *= shape[i]; }
        return s;
    }

    @Override public String toString() { return "Tensor" + Arrays.toString(shape); }
}
