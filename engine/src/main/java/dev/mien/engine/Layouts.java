package dev.mien.engine;

import dev.mien.engine.ir.ValueInfo;

import java.util.Arrays;

/** Conversions between a source framework's tensor layout and the engine's NHWC. */
public final class Layouts {
    private Layouts() {}

    /** The shape a caller gives for input {@code vi} at {@code batch}, in its source layout. */
    public static int[] sourceShape(ValueInfo vi, int batch) {
        int[] sample = vi.sampleShape();
        if (isNchw(vi)) return new int[]{batch, sample[2], sample[0], sample[1]};
        int[] shape = new int[sample.length + 1];
        shape[0] = batch;
        System.arraycopy(sample, 0, shape, 1, sample.length);
        return shape;
    }

    private static boolean isNchw(ValueInfo vi) {
        return "NCHW".equals(vi.layout()) && vi.sampleShape().length == 3;
    }

    /** Checks a user tensor against an input's description and converts it to NHWC. */
    public static Tensor toEngine(ValueInfo vi, Tensor t, int batch) {
        boolean nchw = isNchw(vi);
        int[] given = t.shape();
        int[] want = sourceShape(vi, batch);
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
