package dev.mien.kernels.simd;

import dev.mien.kernels.Activation;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import static dev.mien.kernels.simd.ConvKernel.S;
import static dev.mien.kernels.simd.ConvKernel.VL;

/**
 * Activations over array ranges. The API is arrays in, arrays out on purpose: a vector passed
 * to or returned from a method that C2 does not inline is boxed (an allocation per vector),
 * so vectors never cross a call here. The piecewise-linear activations are vectorised; the
 * transcendental ones use the scalar definition so they agree exactly with the reference.
 * FloatVector.max/min follow Math.max/min lane-wise (NaN wins), so the vector clamps keep NaN
 * as the scalar definitions do; LeakyReLU selects the scaled lanes with {@code <= 0}, which is
 * false for NaN.
 */
final class Activations {
    private Activations() {}

    /** y[yo, yo+n) = act(x[xo, xo+n)); x and y may be the same range. */
    static void apply(Activation act, float alpha, float[] x, int xo, float[] y, int yo, int n) {
        int i = 0, full = n - n % VL;
        switch (act) {
            case NONE -> {
                if (x != y || xo != yo) System.arraycopy(x, xo, y, yo, n);
                return;
            }
            case RELU -> {
                for (; i < full; i += VL) FloatVector.fromArray(S, x, xo + i).max(0f).intoArray(y, yo + i);
            }
            case RELU6 -> {
                for (; i < full; i += VL) FloatVector.fromArray(S, x, xo + i).max(0f).min(6f).intoArray(y, yo + i);
            }
            case LEAKY_RELU -> {
                for (; i < full; i += VL) {
                    FloatVector v = FloatVector.fromArray(S, x, xo + i);
                    v.blend(v.mul(alpha), v.compare(VectorOperators.LE, 0f)).intoArray(y, yo + i);
                }
            }
            default -> { }
        }
        for (; i < n; i++) y[yo + i] = act.apply(x[xo + i], alpha);
    }

    /** In place. */
    static void apply(Activation act, float alpha, float[] y, int o, int n) {
        if (act != Activation.NONE) apply(act, alpha, y, o, y, o, n);
    }
}
