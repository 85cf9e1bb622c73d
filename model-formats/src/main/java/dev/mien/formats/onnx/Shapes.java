package dev.mien.formats.onnx;

import java.util.Arrays;

/** Shape and axis-order arithmetic of the importer. */
final class Shapes {
    private Shapes() {}

    static int[] broadcast(OnnxNodeView n, int[] a, int[] b) throws OnnxFormatException {
        int r = Math.max(a.length, b.length);
        int[] o = new int[r];
        for (int i = 0; i < r; i++) {
            int x = i - (r - a.length) >= 0 ? a[i - (r - a.length)] : 1;
            int y = i - (r - b.length) >= 0 ? b[i - (r - b.length)] : 1;
            if (x != y && x != 1 && y != 1) throw n.error("shapes " + Arrays.toString(a) + " and " + Arrays.toString(b) + " do not broadcast");
            o[i] = x == 1 ? y : x;
        }
        return o;
    }

    static int[] identity(int rank) {
        int[] p = new int[rank];
        for (int i = 0; i < rank; i++) p[i] = i;
        return p;
    }

    /** The engine's NHWC order of a logical NCHW rank-4 value: physical axis i holds logical axis NHWC[i]. */
    static final int[] NHWC = {0, 2, 3, 1};

    static int[] physical(int[] logical, int[] perm) {
        int[] p = new int[perm.length];
        for (int i = 0; i < perm.length; i++) p[i] = logical[perm[i]];
        return p;
    }

    static int[] logical(int[] physical, int[] perm) {
        int[] l = new int[perm.length];
        for (int i = 0; i < perm.length; i++) l[perm[i]] = physical[i];
        return l;
    }

    static int[] inverse(int[] perm) {
        int[] inv = new int[perm.length];
        for (int i = 0; i < perm.length; i++) inv[perm[i]] = i;
        return inv;
    }

    /**
     * Whether two axis orders of a value of logical shape {@code shape} store the elements in the same
     * memory order: the axes longer than 1 come in the same sequence (size-1 axes can sit anywhere).
     */
    static boolean sameMemoryOrder(int[] shape, int[] permA, int[] permB) {
        int[] a = Arrays.stream(permA).filter(k -> shape[k] != 1).toArray();
        int[] b = Arrays.stream(permB).filter(k -> shape[k] != 1).toArray();
        return Arrays.equals(a, b);
    }

    /** The preferred order of a new value: NHWC for rank 4 when it costs no data movement from {@code from}. */
    static int[] preferred(int[] shape, int[] from) {
        if (shape.length == 4 && sameMemoryOrder(shape, from, NHWC)) return NHWC.clone();
        return from;
    }
}
