package dev.mien.engine.ops;

import dev.mien.engine.Tensor;
import dev.mien.engine.ir.GraphException;

import java.util.Arrays;

/** Shape arithmetic for the definitions; errors are {@link GraphException}s the definition prefixes with the node. */
final class Dims {
    private Dims() {}

    static long size(int[] s) { long n = 1; for (int d : s) n *= d; return n; }

    static int axis(int axis, int rank) {
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) throw new GraphException("axis " + axis + " out of range for rank " + rank);
        return a;
    }

    static int last(int[] s) { return s[s.length - 1]; }

    static int rowsExceptLast(int[] s) { int n = 1; for (int i = 0; i < s.length - 1; i++) n *= s[i]; return n; }

    static int[] broadcast(int[] a, int[] b) {
        try {
            return Tensor.broadcastShape(a, b);
        } catch (IllegalArgumentException e) {
            throw new GraphException("cannot broadcast " + str(a) + " with " + str(b));
        }
    }

    static void requireRank(int[] s, int rank) {
        if (s.length != rank) throw new GraphException("expected a rank-" + rank + " input, got " + str(s));
    }

    static String str(int[] s) { return Arrays.toString(s); }
}
