package dev.mien.kernels;

/**
 * Element-wise activations that kernels can fuse into their epilogue. {@code alpha} is the
 * parameter of the parameterised ones (LeakyReLU slope, ELU alpha); others ignore it.
 *
 * <p>NaN and infinities behave as in PyTorch and TensorFlow: NaN in gives NaN out for every
 * activation (so a broken input cannot come out as a confident prediction), and infinities
 * follow each formula (relu(+Inf) = +Inf, sigmoid(+Inf) = 1, swish(-Inf) = -Inf * 0 = NaN).
 * Clamps are written with Math.max/min, which return NaN for a NaN operand, never as
 * {@code x > 0 ? x : 0}, which maps NaN to 0.
 */
public enum Activation {
    NONE, RELU, RELU6, SIGMOID, HARD_SIGMOID, TANH, ELU, SWISH, LEAKY_RELU;

    /** Scalar definition: every backend must agree with this to within fp32 rounding. */
    public float apply(float x, float alpha) {
        switch (this) {
            case NONE: return x;
            case RELU: return Math.max(x, 0f);
            case RELU6: return Math.min(Math.max(x, 0f), 6f);
            case SIGMOID: return (float) (1.0 / (1.0 + Math.exp(-x)));
            // Keras 2 / tf.keras definition (Keras 3 uses x/6 + 0.5; importer maps it to alpha).
            case HARD_SIGMOID: return Math.min(Math.max(alpha * x + 0.5f, 0f), 1f);
            case TANH: return (float) Math.tanh(x);
            case ELU: return x > 0f ? x : (float) (alpha * Math.expm1(x));
            case SWISH: return (float) (x / (1.0 + Math.exp(-x)));
            case LEAKY_RELU: return x > 0f ? x : alpha * x;
            default: throw new AssertionError(this);
        }
    }
}
