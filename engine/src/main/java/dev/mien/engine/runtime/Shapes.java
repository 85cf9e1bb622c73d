package dev.mien.engine.runtime;

import java.util.Arrays;

/** Small helpers over int[] shapes. */
final class Shapes {
    private Shapes() {}

    static long size(int[] s) { long n = 1; for (int d : s) n *= d; return n; }

    static int isize(int[] s) {
        long n = size(s);
        if (n > Integer.MAX_VALUE - 8) throw new PlanException("tensor too large: " + Arrays.toString(s));
        return (int) n;
    }

    static int axis(int axis, int rank) {
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) throw new PlanException("axis " + axis + " out of range for rank " + rank);
        return a;
    }

    /** Product of dims before {@code axis}. */
    static int outer(int[] s, int axis) { int n = 1; for (int i = 0; i < axis; i++) n *= s[i]; return n; }

    /** Product of dims after {@code axis}. */
    static int inner(int[] s, int axis) { int n = 1; for (int i = axis + 1; i < s.length; i++) n *= s[i]; return n; }

    static int last(int[] s) { return s[s.length - 1]; }

    static int rowsExceptLast(int[] s) { return outer(s, s.length - 1); }

    static int[] broadcast(int[] a, int[] b) {
        try {
            return dev.mien.engine.Tensor.broadcastShape(a, b);
        } catch (IllegalArgumentException e) {
            throw new PlanException("cannot broadcast " + Arrays.toString(a) + " with " + Arrays.toString(b));
        }
    }

    static String str(int[] s) { return Arrays.toString(s); }

    static void requireRank(String node, int[] s, int rank) {
        if (s.length != rank) throw new PlanException(node + ": expected a rank-" + rank + " input, got " + str(s));
    }
}
