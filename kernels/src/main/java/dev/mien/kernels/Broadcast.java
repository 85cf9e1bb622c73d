package dev.mien.kernels;

/** NumPy broadcasting helpers. */
final class Broadcast {
    private Broadcast() {}

    static final int MAX_RANK = 8;

    /** Element strides of {@code shape} right-aligned to {@code rank} dims, 0 where the dim broadcasts, written into {@code s}. */
    static int[] strides(int[] shape, int rank, int[] s) {
        if (rank > s.length) throw new IllegalArgumentException("rank " + rank + " exceeds " + s.length);
        java.util.Arrays.fill(s, 0);
        int acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            int d = rank - shape.length + i;
            s[d] = shape[i] == 1 ? 0 : acc;
            acc *= shape[i];
        }
        return s;
    }
}
