package dev.mien.formats.tfjs;

import dev.mien.engine.io.Printable;

import java.util.Arrays;

/** TF's window attributes over NHWC: strides / dilations / ksize, and VALID, SAME or EXPLICIT padding as Mien's pads. */
final class TfWindows {
    private TfWindows() {}

    /** TF padding: VALID, SAME (total = max((ceil(in/s)-1)*s + (k-1)*d+1 - in, 0), the odd pixel after) or EXPLICIT. */
    static int[] pads(TfjsManifest.TfNode n, int[] xs, int[] k, int[] st, int[] dl) {
        String padding = n.string("padding", "VALID");
        switch (padding) {
            case "VALID" -> { return new int[4]; }
            case "SAME" -> {
                int[] out = new int[4];
                for (int i = 0; i < 2; i++) {
                    long in = xs[1 + i], eff = (long) (k[i] - 1) * dl[i] + 1, o = (in + st[i] - 1) / st[i];
                    long total = Math.max((o - 1) * st[i] + eff - in, 0);
                    out[i] = (int) (total / 2);
                    out[2 + i] = (int) (total - total / 2);
                }
                return out;
            }
            case "EXPLICIT" -> {
                long[] e = n.ints("explicit_paddings");
                if (e == null || e.length != 8 || e[0] != 0 || e[1] != 0 || e[6] != 0 || e[7] != 0)
                    throw new IllegalArgumentException("explicit_paddings " + Arrays.toString(e) + " (need 8 values, zero on batch and channels)");
                for (long v : e) if (v < 0 || v > Integer.MAX_VALUE) throw new IllegalArgumentException("explicit padding " + v);
                return new int[]{(int) e[2], (int) e[4], (int) e[3], (int) e[5]};
            }
            default -> throw new IllegalArgumentException("padding '" + Printable.clip(padding) + "'");
        }
    }

    /** The H and W entries of a 4-element NHWC attribute (strides, dilations, ksize); [1,1] when absent. */
    static int[] spatial(TfjsManifest.TfNode n, String key) {
        long[] v = n.ints(key);
        if (v == null || v.length == 0) return new int[]{1, 1};
        if (v.length != 4) throw new IllegalArgumentException(key + " " + Arrays.toString(v) + " (need 4 values)");
        if (!key.equals("ksize") && (v[0] != 1 || v[3] != 1)) throw new IllegalArgumentException(key + " " + Arrays.toString(v) + " on batch or channels");
        for (long x : v) if (x < 1 || x > 1 << 16) throw new IllegalArgumentException(key + " " + Arrays.toString(v));
        return new int[]{(int) v[1], (int) v[2]};
    }
}
