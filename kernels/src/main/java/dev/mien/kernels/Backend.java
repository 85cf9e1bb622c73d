package dev.mien.kernels;

/**
 * One implementation of every compute kernel the engine needs. All tensors are fp32, NHWC,
 * dense, addressed as (array, offset).
 *
 * <p>A backend from {@link KernelRegistry} is the shared handle: any number of threads may call
 * it at once, and each call takes fresh working memory. {@link #newWorkspace()} gives a handle
 * for one caller at a time (a session) that owns reusable working memory, so its warm calls
 * allocate nothing; it shares the worker team and accepts the same packed weights. Closing a
 * handle makes its later calls fail with {@link IllegalStateException}; closing a workspace
 * leaves its parent open, and closing a backend leaves the team it runs on to its owner.
 *
 * <p>The scalar backend is the reference: every other backend is property-tested against it.
 * A future GPU backend (TornadoVM) implements this same interface.
 */
public interface Backend extends AutoCloseable {
    /** Short name used by the registry and the forced override ({@code scalar}, {@code vector}, ...). */
    String name();

    /** Worker threads a single kernel call may use. */
    int threads();

    /** A handle for one caller at a time that owns reusable working memory; shares this backend's team and weights. */
    Backend newWorkspace();

    /**
     * The team this backend's kernel calls spread over, or null when it has none (one thread, or a
     * device). The engine uses it to run whole images of a batch side by side.
     */
    default WorkerTeam team() { return null; }

    /**
     * A workspace whose kernel calls run on the calling thread only, for work that is already
     * spread over the team (one image per thread); it takes this backend's packed weights as they
     * are. Null when the backend has no such mode.
     */
    default Backend newSerialWorkspace() { return null; }

    /** Idempotent; later kernel calls on this handle fail with {@link IllegalStateException}. */
    @Override void close();

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
    // ---- data movement, resize, selection, attention -------------------------------------

    /** {@code dst[r*dstStride + i] = src[r*srcStride + i]} for r < rows, i < len: the pieces of concat, slice and copies. */
    void copyRows(int rows, int len, float[] src, int srcOff, int srcStride, float[] dst, int dstOff, int dstStride);

    /**
     * Zero padding and cropping of an NHWC batch: output pixel (oh, ow) is input (oh - top, ow - left),
     * zero outside the input; {@code top}/{@code left} are negative when cropping.
     */
    void pad2d(int n, int inH, int inW, int c, int top, int left, int outH, int outW, float[] x, int xOff, float[] y, int yOff);

    /** {@code y = x} transposed: output axis d is input axis {@code perm[d]}; {@code inShape} of any rank up to 8. */
    void transpose(int[] inShape, int[] perm, float[] x, int xOff, float[] y, int yOff);

    /** Keras ChannelShuffle per row of c channels: view as (groups, c/groups), write as (c/groups, groups). */
    void channelShuffle(int rows, int c, int groups, float[] x, int xOff, float[] y, int yOff);

    /** Bilinear or nearest resize; {@code scratch} holds at least {@link ResizeShape#scratchLength()} doubles (unused for nearest). */
    void resize(ResizeShape s, float[] x, int xOff, float[] y, int yOff, double[] scratch);

    /** LANMSFF's PWFS per row: channels in three equal groups, output {@code 0.5 * (max + median)} of the three. */
    void pwfs(int rows, int c, float[] x, int xOff, float[] y, int yOff);

    /** {@code y = x >= 0 ? x : alpha[j] * x} where j is the index within each of {@code batch} samples of {@code per} values. */
    void prelu(int batch, int per, float[] x, int xOff, float[] alpha, float[] y, int yOff);

    /** Reduction over the axes flagged in {@code reduced} (any set) of an input of shape {@code inShape}; y has the kept axes in order. */
    void reduce(ReduceOp op, int[] inShape, boolean[] reduced, float[] x, int xOff, float[] y, int yOff);

    /**
     * Dot-product attention in {@code groups} independent blocks: scores {@code q[tq][d] . k[tv][d] * scale},
     * softmax over tv, times {@code v[tv][d]}. {@code scores} holds at least tv floats.
     */
    void attention(int groups, int tq, int tv, int d, float scale, float[] q, int qOff, float[] k, int kOff,
                   float[] v, int vOff, float[] y, int yOff, float[] scores);
}
