package dev.mien.engine;

import dev.mien.engine.ir.ValueInfo;

import java.util.Arrays;

/** Conversions between a source framework's tensor layout and the engine's NHWC. */
public final class Layouts {
    private Layouts() {}

    /** Checks a user tensor against an input's description and converts it to NHWC. */
    public static Tensor toEngine(ValueInfo vi, Tensor t, int batch) {
        int[] sample = vi.sampleShape();
        int[] expected = new int[sample.length + 1];
        expected[0] = batch;
        System.arraycopy(sample, 0, expected, 1, sample.length);
        boolean nchw = "NCHW".equals(vi.layout()) && sample.length == 3;
        int[] given = t.shape();
        int[] want = nchw ? new int[]{batch, sample[2], sample[0], sample[1]} : expected;
        if (!Arrays.equals(given, want))
            throw new IllegalArgumentException("input '" + vi.name() + "' must have shape " + Arrays.toString(want)
                    + " (" + vi.layout() + "), got " + Arrays.toString(given));
        return nchw ? t.nchwToNhwc() : t;
    }

    /** A 4-D engine tensor back in the source layout; other ranks are unchanged. */
    public static Tensor fromEngine(String layout, Tensor t) {
        return "NCHW".equals(layout) && t.rank() == 4 ? t.nhwcToNchw() : t;
    }
}
