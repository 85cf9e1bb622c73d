package dev.mien.kernels;

/**
 * One implementation of every compute kernel the engine needs. All tensors are fp32, NHWC,
 * dense, addressed as (array, offset). Implementations are stateless apart from their thread
 * pool, so one instance serves any number of concurrent callers.
 *
 * <p>The scalar backend is the reference: every other backend is property-tested against it.
 * A future GPU backend (TornadoVM) implements this same interface.
 */
public interface Backend {
    /** Short name used by the registry and the forced override ({@code scalar}, {@code vector}, ...). */
    String name();

    /** Worker threads a single kernel call may use. */
    int threads();

    // ---- convolution -------------------------------------------------------------------

    /**
     * Packs HWIO weights {@code [kH][kW][inC/groups][outC]} for {@link #conv2d} (off-heap, see
     * {@link PackedLayouts#allocate}). Independent of n, inH, inW.
     */
    PackedWeights packConv(ConvShape s, float[] hwio);

    /**
     * Uses weights packed earlier (typically a slice of a memory-mapped {@code .mien} file) in
     * place, without a copy, when {@code layout} is this backend's layout for {@code s};
     * returns null otherwise (the caller then unpacks them with {@link PackedLayouts#unpack}
     * and repacks). The segment must stay readable as long as the weights are used.
     */
    PackedWeights adoptConv(ConvShape s, String layout, java.lang.foreign.MemorySegment packed);

    /** The algorithm this backend uses for a call shape when none is forced; chosen once, at plan time. */
    ConvAlgorithm convAlgorithm(ConvShape s);

    /** Null when {@code algorithm} can compute {@code s}, else why not (one line). */
    String refusal(ConvShape s, ConvAlgorithm algorithm);

    /**
     * {@code out = act(conv(in, w) + bias + residual)} with the given algorithm (see
     * {@link #refusal}). {@code bias} (length outC) and {@code residual} (same shape as out) may be null.
     */
    void conv2d(ConvShape s, ConvAlgorithm algorithm, float[] in, int inOff, PackedWeights w, float[] bias,
                float[] residual, int resOff, Activation act, float alpha, float[] out, int outOff);

    /** {@link #conv2d(ConvShape, ConvAlgorithm, float[], int, PackedWeights, float[], float[], int, Activation, float, float[], int)} with this backend's choice. */
    default void conv2d(ConvShape s, float[] in, int inOff, PackedWeights w, float[] bias,
                        float[] residual, int resOff, Activation act, float alpha, float[] out, int outOff) {
        conv2d(s, convAlgorithm(s), in, inOff, w, bias, residual, resOff, act, alpha, out, outOff);
    }

    /** Transposed convolution, weights {@code [kH][kW][outC][inC]}; {@code out = act(convT + bias)}. */
    void convTranspose2d(ConvTransposeShape s, float[] in, int inOff, float[] w, float[] bias,
                         Activation act, float alpha, float[] out, int outOff);

    // ---- pooling -----------------------------------------------------------------------

    void maxPool2d(PoolShape s, float[] in, int inOff, float[] out, int outOff);

    void avgPool2d(PoolShape s, float[] in, int inOff, float[] out, int outOff);

    /** {@code out[n][c] = mean over hw of in[n][hw][c]}. */
    void globalAvgPool(int n, int hw, int c, float[] in, int inOff, float[] out, int outOff);

    /** {@code out[n][c] = max over hw of in[n][hw][c]}. */
    void globalMaxPool(int n, int hw, int c, float[] in, int inOff, float[] out, int outOff);

    // ---- dense -------------------------------------------------------------------------

    /** Packs {@code [in][out]} (Keras layout) weights for {@link #dense}. */
    PackedWeights packDense(int in, int out, float[] w);

    /** As {@link #adoptConv} for dense weights; null when {@code layout} is not this backend's. */
    PackedWeights adoptDense(int in, int out, String layout, java.lang.foreign.MemorySegment packed);

    /** {@code y[rows][out] = act(x[rows][in] . W + bias)}; bias may be null. */
    void dense(int rows, int in, int out, float[] x, int xOff, PackedWeights w, float[] bias,
               Activation act, float alpha, float[] y, int yOff);

    // ---- element-wise ------------------------------------------------------------------

    /** {@code y[i] = act(x[i])}; in place when x == y and offsets match. */
    void activation(Activation act, float alpha, float[] x, int xOff, float[] y, int yOff, int len);

    /** {@code y[r][i] = act(x[r][i] * scale[i] + shift[i])} for i in [0, c): per-channel affine (unfolded BN, Normalization). */
    void scaleShift(int rows, int c, float[] x, int xOff, float[] scale, float[] shift,
                    Activation act, float alpha, float[] y, int yOff);

    /** Softmax over the last axis of a {@code [rows][len]} matrix; numerically stable (subtract max). */
    void softmax(int rows, int len, float[] x, int xOff, float[] y, int yOff);

    /**
     * {@code out = op(a, b)} with NumPy broadcasting. Shapes are right-aligned; {@code outShape}
     * is the broadcast shape (same rank as the longer input). Any rank up to 8.
     */
    void binary(BinaryOp op, float[] a, int aOff, int[] aShape, float[] b, int bOff, int[] bShape,
                float[] out, int outOff, int[] outShape);

    /** {@code y[r] = op over i of x[r][i]}: channel-wise mean/max of attention blocks. */
    void reduceLastAxis(ReduceOp op, int rows, int len, float[] x, int xOff, float[] y, int yOff);
}
