package dev.mien.kernels;

/**
 * The reference backend: plain loops in the most obvious order, one thread. Every other
 * backend is tested against this one.
 */
public final class ScalarBackend implements Backend {
    /** The reference keeps plain HWIO arrays: the simplest loops, read the obvious way. */
    record Raw(float[] w) implements PackedWeights {
        @Override public String backend() { return "scalar"; }
        @Override public String layout() { return PackedLayouts.HWIO; }
        @Override public java.lang.foreign.MemorySegment segment() { return java.lang.foreign.MemorySegment.ofArray(w).asReadOnly(); }
    }

    /** Broadcast index scratch of a workspace; null on the shared handle, which takes fresh scratch per call. */
    private final int[][] scratch;
    private volatile boolean closed;

    public ScalarBackend() { this(null); }

    private ScalarBackend(int[][] scratch) { this.scratch = scratch; }

    @Override public String name() { return "scalar"; }
    @Override public int threads() { return 1; }

    @Override public ScalarBackend newWorkspace() {
        open();
        return new ScalarBackend(new int[3][Broadcast.MAX_RANK]);
    }

    @Override public void close() { closed = true; }

    private void open() {
        if (closed) throw new IllegalStateException("the scalar backend is closed");
    }

    @Override public PackedWeights packConv(ConvShape s, float[] hwio) {
        open();
        if (hwio.length != s.weightCount()) throw new IllegalArgumentException("conv weights: expected " + s.weightCount() + " values, got " + hwio.length);
        return new Raw(hwio);
    }

    /** Never adopts a segment: the reference reads float arrays, so saved weights are copied (see {@link PackedLayouts#unpack}). */
    @Override public PackedWeights adoptConv(ConvShape s, String layout, java.lang.foreign.MemorySegment packed) { return null; }

    @Override public PackedWeights adoptDense(int in, int out, String layout, java.lang.foreign.MemorySegment packed) { return null; }

    @Override public ConvAlgorithm convAlgorithm(ConvShape s) { return ConvAlgorithm.REFERENCE; }

    @Override public String refusal(ConvShape s, ConvAlgorithm algorithm) {
        return algorithm == ConvAlgorithm.REFERENCE ? null
                : "the scalar backend has only the reference convolution, not '" + algorithm.label() + "'";
    }

    static float[] raw(PackedWeights w) {
        if (!(w instanceof Raw r)) throw new IllegalArgumentException("weights packed by backend '" + w.backend() + "', not 'scalar'");
        return r.w;
    }

    @Override
    public void conv2d(ConvShape s, ConvAlgorithm algorithm, float[] in, int inOff, PackedWeights pw, float[] bias, float[] residual, int resOff,
                       Activation act, float alpha, float[] out, int outOff) {
        open();
        String no = refusal(s, algorithm);
        if (no != null) throw new IllegalArgumentException(no);
        float[] w = raw(pw);
        int oh = s.outH(), ow = s.outW(), cig = s.inGroupC(), cog = s.outGroupC();
        for (int n = 0; n < s.n(); n++)
            for (int y = 0; y < oh; y++)
                for (int x = 0; x < ow; x++)
                    for (int co = 0; co < s.outC(); co++) {
                        int g = co / cog;
                        float acc = 0f;
                        for (int kh = 0; kh < s.kH(); kh++) {
                            int iy = y * s.strideH() + kh * s.dilH() - s.padTop();
                            if (iy < 0 || iy >= s.inH()) continue;
                            for (int kw = 0; kw < s.kW(); kw++) {
                                int ix = x * s.strideW() + kw * s.dilW() - s.padLeft();
                                if (ix < 0 || ix >= s.inW()) continue;
                                int ib = inOff + ((n * s.inH() + iy) * s.inW() + ix) * s.inC() + g * cig;
                                int wb = ((kh * s.kW() + kw) * cig) * s.outC() + co;
                                for (int ci = 0; ci < cig; ci++) acc += in[ib + ci] * w[wb + ci * s.outC()];
                            }
                        }
                        int o = ((n * oh + y) * ow + x) * s.outC() + co;
                        if (bias != null) acc += bias[co];
                        if (residual != null) acc += residual[resOff + o];
                        out[outOff + o] = act.apply(acc, alpha);
                    }
    }

    @Override
    public void convTranspose2d(ConvTransposeShape s, float[] in, int inOff, float[] w, float[] bias,
                                Activation act, float alpha, float[] out, int outOff) {
        open();
        int oc = s.outC(), ic = s.inC();
        long total = (long) s.n() * s.outH() * s.outW() * oc;
        for (int i = 0; i < total; i++) out[outOff + i] = 0f;
        for (int n = 0; n < s.n(); n++)
            for (int y = 0; y < s.inH(); y++)
                for (int x = 0; x < s.inW(); x++)
                    for (int kh = 0; kh < s.kH(); kh++) {
                        int oy = y * s.strideH() + kh - s.padTop();
                        if (oy < 0 || oy >= s.outH()) continue;
                        for (int kw = 0; kw < s.kW(); kw++) {
                            int ox = x * s.strideW() + kw - s.padLeft();
                            if (ox < 0 || ox >= s.outW()) continue;
                            int ib = inOff + ((n * s.inH() + y) * s.inW() + x) * ic;
                            int ob = outOff + ((n * s.outH() + oy) * s.outW() + ox) * oc;
                            int wb = (kh * s.kW() + kw) * oc * ic;
                            for (int co = 0; co < oc; co++) {
                                float acc = 0f;
                                for (int ci = 0; ci < ic; ci++) acc += in[ib + ci] * w[wb + co * ic + ci];
                                out[ob + co] += acc;
                            }
                        }
                    }
        for (int i = 0; i < total; i++) {
            float v = out[outOff + i];
            if (bias != null) v += bias[i % oc];
            out[outOff + i] = act.apply(v, alpha);
        }
    }

    @Override public void maxPool2d(PoolShape s, float[] in, int inOff, float[] out, int outOff) { open(); pool(s, in, inOff, out, outOff, true); }
    @Override public void avgPool2d(PoolShape s, float[] in, int inOff, float[] out, int outOff) { open(); pool(s, in, inOff, out, outOff, false); }

    private static void pool(PoolShape s, float[] in, int inOff, float[] out, int outOff, boolean max) {
        int c = s.c();
        for (int n = 0; n < s.n(); n++)
            for (int y = 0; y < s.outH(); y++)
                for (int x = 0; x < s.outW(); x++) {
                    int y0 = y * s.strideH() - s.padTop(), x0 = x * s.strideW() - s.padLeft();
                    int y1 = Math.min(y0 + s.kH(), s.inH() + s.padBottom()), x1 = Math.min(x0 + s.kW(), s.inW() + s.padRight());
                    int padded = (y1 - y0) * (x1 - x0);
                    int ya = Math.max(y0, 0), xa = Math.max(x0, 0), yb = Math.min(y1, s.inH()), xb = Math.min(x1, s.inW());
                    int count = s.countIncludePad() ? padded : (yb - ya) * (xb - xa);
                    for (int ch = 0; ch < c; ch++) {
                        float acc = max ? Float.NEGATIVE_INFINITY : 0f;
                        for (int iy = ya; iy < yb; iy++)
                            for (int ix = xa; ix < xb; ix++) {
                                float v = in[inOff + ((n * s.inH() + iy) * s.inW() + ix) * c + ch];
                                acc = max ? Math.max(acc, v) : acc + v;
                            }
                        out[outOff + ((n * s.outH() + y) * s.outW() + x) * c + ch] = max ? acc : acc / Math.max(count, 1);
                    }
                }
    }

    @Override public void globalAvgPool(int n, int hw, int c, float[] in, int inOff, float[] out, int outOff) {
        open();
        globalPool(n, hw, c, in, inOff, out, outOff, false);
    }

    @Override public void globalMaxPool(int n, int hw, int c, float[] in, int inOff, float[] out, int outOff) {
        open();
        globalPool(n, hw, c, in, inOff, out, outOff, true);
    }

    /**
     * The reference global pool (mean, or max with NaN kept) over each image's {@code hw} pixels;
     * public so that the vector backend runs these same loops on small inputs.
     */
    public static void globalPool(int n, int hw, int c, float[] in, int inOff, float[] out, int outOff, boolean max) {
        for (int b = 0; b < n; b++)
            for (int ch = 0; ch < c; ch++) {
                float acc = max ? Float.NEGATIVE_INFINITY : 0f;
                for (int p = 0; p < hw; p++) {
                    float v = in[inOff + (b * hw + p) * c + ch];
                    acc = max ? Math.max(acc, v) : acc + v;
                }
                out[outOff + b * c + ch] = max ? acc : acc / hw;
            }
    }

    @Override public PackedWeights packDense(int in, int out, float[] w) {
        open();
        if (w.length != (long) in * out) throw new IllegalArgumentException("dense weights: expected " + (long) in * out + " values, got " + w.length);
        return new Raw(w);
    }

    @Override public void dense(int rows, int in, int out, float[] x, int xOff, PackedWeights pw, float[] bias,
                                Activation act, float alpha, float[] y, int yOff) {
        open();
        float[] w = raw(pw);
        for (int r = 0; r < rows; r++)
            for (int o = 0; o < out; o++) {
                float acc = 0f;
                for (int i = 0; i < in; i++) acc += x[xOff + r * in + i] * w[i * out + o];
                if (bias != null) acc += bias[o];
                y[yOff + r * out + o] = act.apply(acc, alpha);
            }
    }

    @Override public void activation(Activation act, float alpha, float[] x, int xOff, float[] y, int yOff, int len) {
        open();
        for (int i = 0; i < len; i++) y[yOff + i] = act.apply(x[xOff + i], alpha);
    }

    @Override public void scaleShift(int rows, int c, float[] x, int xOff, float[] scale, float[] shift,
                                     Activation act, float alpha, float[] y, int yOff) {
        open();
        for (int r = 0; r < rows; r++)
            for (int i = 0; i < c; i++) {
                int k = r * c + i;
                y[yOff + k] = act.apply(x[xOff + k] * scale[i] + shift[i], alpha);
            }
    }

    @Override public void softmax(int rows, int len, float[] x, int xOff, float[] y, int yOff) {
        open();
        for (int r = 0; r < rows; r++) {
            int b = r * len;
            float max = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < len; i++) max = Math.max(max, x[xOff + b + i]);
            float sum = 0f;
            for (int i = 0; i < len; i++) { float e = (float) Math.exp(x[xOff + b + i] - max); y[yOff + b + i] = e; sum += e; }
            for (int i = 0; i < len; i++) y[yOff + b + i] /= sum;
        }
    }

    @Override public void binary(BinaryOp op, float[] a, int aOff, int[] aShape, float[] b, int bOff, int[] bShape,
                                 float[] out, int outOff, int[] outShape) {
        int r = outShape.length;
        open();
        // A workspace reuses its scratch so that a warm inference allocates nothing.
        int[][] scratch = this.scratch != null ? this.scratch : new int[3][Broadcast.MAX_RANK];
        int[] as = Broadcast.strides(aShape, r, scratch[0]), bs = Broadcast.strides(bShape, r, scratch[1]);
        long total = 1;
        for (int d : outShape) total *= d;
        int[] idx = scratch[2];
        java.util.Arrays.fill(idx, 0);
        for (long i = 0; i < total; i++) {
            int ai = aOff, bi = bOff;
            for (int d = 0; d < r; d++) { ai += idx[d] * as[d]; bi += idx[d] * bs[d]; }
            out[outOff + (int) i] = op.apply(a[ai], b[bi]);
            for (int d = r - 1; d >= 0; d--) { if (++idx[d] < outShape[d]) break; idx[d] = 0; }
        }
    }

    @Override public void reduceLastAxis(ReduceOp op, int rows, int len, float[] x, int xOff, float[] y, int yOff) {
        open();
        for (int r = 0; r < rows; r++) {
            float acc = op == ReduceOp.MAX ? Float.NEGATIVE_INFINITY : op == ReduceOp.MIN ? Float.POSITIVE_INFINITY : 0f;
            for (int i = 0; i < len; i++) {
                float v = x[xOff + r * len + i];
                acc = switch (op) { case MAX -> Math.max(acc, v); case MIN -> Math.min(acc, v); default -> acc + v; };
            }
            y[yOff + r] = op == ReduceOp.MEAN ? acc / len : acc;
        }
    }
    @Override public void copyRows(int rows, int len, float[] src, int srcOff, int srcStride, float[] dst, int dstOff, int dstStride) {
        DataMovement.copyRows(rows, len, src, srcOff, srcStride, dst, dstOff, dstStride);
    }

    @Override public void pad2d(int n, int inH, int inW, int c, int top, int left, int outH, int outW, float[] x, int xOff, float[] y, int yOff) {
        DataMovement.pad2d(n, inH, inW, c, top, left, outH, outW, x, xOff, y, yOff);
    }

    @Override public void transpose(int[] inShape, int[] perm, float[] x, int xOff, float[] y, int yOff) {
        DataMovement.transpose(inShape, perm, x, xOff, y, yOff);
    }

    @Override public void channelShuffle(int rows, int c, int groups, float[] x, int xOff, float[] y, int yOff) {
        DataMovement.channelShuffle(rows, c, groups, x, xOff, y, yOff);
    }

    @Override public void resize(ResizeShape s, float[] x, int xOff, float[] y, int yOff, double[] scratch) {
        DataMovement.resize(s, x, xOff, y, yOff, scratch);
    }

    /**
     * The reference resize for output rows [from, to) only (over the batch: image * outH + oy),
     * with {@code rows} of {@link ResizeShape#scratchLength()} doubles: for backends that split a
     * resize over threads, bit for bit the whole call's values.
     */
    public static void resizeRows(ResizeShape s, float[] x, int xOff, float[] y, int yOff, double[] rows, int from, int to) {
        DataMovement.resizeRows(s, x, xOff, y, yOff, rows, from, to);
    }

    @Override public void pwfs(int rows, int c, float[] x, int xOff, float[] y, int yOff) { DataMovement.pwfs(rows, c, x, xOff, y, yOff); }

    @Override public void prelu(int batch, int per, float[] x, int xOff, float[] alpha, float[] y, int yOff) {
        DataMovement.prelu(batch, per, x, xOff, alpha, y, yOff);
    }

    @Override public void reduce(ReduceOp op, int[] inShape, boolean[] reduced, float[] x, int xOff, float[] y, int yOff) {
        DataMovement.reduce(op, inShape, reduced, x, xOff, y, yOff);
    }

    @Override public void attention(int groups, int tq, int tv, int d, float scale, float[] q, int qOff, float[] k, int kOff,
                                    float[] v, int vOff, float[] y, int yOff, float[] scores) {
        DataMovement.attention(groups, tq, tv, d, scale, q, qOff, k, kOff, v, vOff, y, yOff, scores);
    }
}
