package dev.mien.kernels.simd;

import dev.mien.kernels.Activation;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/** Vectorised activations; the transcendental ones go through the Vector API's EXP/TANH. */
final class Activations {
    private Activations() {}

    static FloatVector apply(FloatVector v, Activation act, float alpha) {
        switch (act) {
            case NONE: return v;
            case RELU: return v.max(0f);
            case RELU6: return v.max(0f).min(6f);
            case LEAKY_RELU: return v.max(v.mul(alpha)).blend(v.mul(alpha), v.compare(VectorOperators.LT, 0f));
            default: return applyExact(v, act, alpha);
        }
    }

    /** Lane by lane with the scalar definition, so these agree exactly with the reference backend. */
    private static FloatVector applyExact(FloatVector v, Activation act, float alpha) {
        float[] t = new float[v.length()];
        v.intoArray(t, 0);
        for (int i = 0; i < t.length; i++) t[i] = act.apply(t[i], alpha);
        return FloatVector.fromArray(v.species(), t, 0);
    }
}
