package dev.mien.kernels.simd;

import dev.mien.kernels.Activation;
import dev.mien.kernels.Backend;
import dev.mien.kernels.BinaryOp;
import dev.mien.kernels.ConvAlgorithm;
import dev.mien.kernels.ConvShape;
import dev.mien.kernels.ConvTransposeShape;
import dev.mien.kernels.PackedLayouts;
import dev.mien.kernels.PackedWeights;
import dev.mien.kernels.PoolShape;
import dev.mien.kernels.ReduceOp;
import dev.mien.kernels.ResizeShape;
import dev.mien.kernels.ScalarBackend;
import dev.mien.kernels.WorkerTeam;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static dev.mien.kernels.simd.ConvKernel.S;
import static dev.mien.kernels.simd.ConvKernel.VL;

/**
 * Kernels on the Java Vector API, multi-threaded over a {@link WorkerTeam}. Convolutions use
 * register-blocked micro-kernels ({@link ConvKernel}, {@link DepthwiseKernel}); the light
 * element-wise work is vectorised along the channel axis. The shared handle takes a fresh
 * {@link Workspace} per call; {@link #newWorkspace()} handles keep theirs.
 */
public final class VectorBackend implements Backend {
    /** Element-wise work is split across the team only above this many elements. */
    private static final int PARALLEL_ELEMENTS = 1 << 16;

    private final WorkerTeam pool;
    /** This handle's reusable memory; null on the shared handle (any number of callers at once). */
    private final Workspace ws;
    private volatile boolean closed;
    /** The reference loops, for the few cases this backend delegates (stateless, so shared). */
    private static final ScalarBackend REFERENCE = new ScalarBackend();

    /** A backend on the process-wide team of {@code threads} ({@link WorkerTeam#shared}). */
    public VectorBackend(int threads) { this(WorkerTeam.shared(threads)); }

    /** A backend on {@code team}; closing the backend leaves the team to its owner. */
    public VectorBackend(WorkerTeam team) { this(team, null); }

    private VectorBackend(WorkerTeam team, Workspace ws) {
        this.pool = java.util.Objects.requireNonNull(team, "team");
        this.ws = ws;
    }

    @Override public String name() { return "vector"; }
    @Override public int threads() { return pool.threads(); }

    @Override public VectorBackend newWorkspace() {
        checkOpen();
        return new VectorBackend(pool, new Workspace());
    }

    @Override public WorkerTeam team() { return pool.threads() > 1 ? pool : null; }

    /** On the process-wide one-thread team (no workers: every range runs on the caller); same packed layout. */
    @Override public VectorBackend newSerialWorkspace() {
        checkOpen();
        return new VectorBackend(WorkerTeam.shared(1), new Workspace());
    }

    @Override public void close() { closed = true; }

    private void checkOpen() {
        if (closed) throw new IllegalStateException("the vector backend is closed");
    }

    /** The call's working memory: this handle's own, or a fresh one on the shared handle. */
    private Workspace ws() {
        checkOpen();
        return ws != null ? ws : new Workspace();
    }

    /**
     * Depthwise weights keep their HWIO order (with one input channel per group that is [kh][kw][C]);
     * {@code taps}: the 3x3 kernel's heap copy with a zero kernel row appended (null for other shapes).
     */
    record DepthwisePacked(ConvShape shape, MemorySegment w, float[] taps) implements PackedWeights {
        DepthwisePacked(ConvShape shape, MemorySegment w) { this(shape, w, Depthwise3x3.taps(shape, w)); }

        @Override public String backend() { return "vector"; }
        @Override public String layout() { return PackedLayouts.HWIO; }
        @Override public MemorySegment segment() { return w.asReadOnly(); }
    }

    @Override public PackedWeights packConv(ConvShape s, float[] hwio) {
        checkOpen();
        if (hwio.length != s.weightCount())
            throw new IllegalArgumentException("conv weights: expected " + s.weightCount() + " values, got " + hwio.length);
        return ConvAlgorithm.depthwise(s) ? new DepthwisePacked(s, PackedLayouts.hwio(s, hwio)) : ConvKernel.pack(s, hwio);
    }

    @Override public PackedWeights adoptConv(ConvShape s, String layout, MemorySegment packed) {
        if (!ConvAlgorithm.depthwise(s)) return ConvKernel.adopt(s, layout, packed);
        if (!PackedLayouts.HWIO.equals(layout)) return null;
        if (packed.byteSize() != 4 * s.weightCount())
            throw new IllegalArgumentException("packed weights of " + packed.byteSize() + " bytes do not fit " + s);
        return new DepthwisePacked(s, packed);
    }

    @Override public ConvAlgorithm convAlgorithm(ConvShape s) { return ConvAlgorithm.choose(s, threads(), ConvKernel.CB); }

    @Override public String refusal(ConvShape s, ConvAlgorithm a) {
        boolean dw = ConvAlgorithm.depthwise(s);
        return switch (a) {
            case REFERENCE -> "the vector backend has no 'reference' convolution (that is the scalar backend: --kernels scalar)";
            case DEPTHWISE -> dw ? null : "'depthwise' needs one input channel per output channel, not " + describe(s);
            case WINOGRAD, WINOGRAD4 -> ConvAlgorithm.winogradRuns(s) ? null
                    : "'" + a.label() + "' needs a 3x3 kernel, stride 1, one group, and no dilation or one that divides the map and the padding, not "
                      + describe(s) + ", padding " + s.padTop() + "/" + s.padLeft() + "/" + s.padBottom() + "/" + s.padRight()
                      + ", stride " + s.strideH() + "x" + s.strideW();
            case POINTWISE -> ConvAlgorithm.pointwiseRuns(s) ? null
                    : "'pointwise' needs a 1x1 kernel and one group, not " + describe(s);
            case STEM -> dw ? "'stem' cannot run a depthwise convolution (its weights are packed for the depthwise kernel)"
                    : ConvAlgorithm.stemRuns(s) ? null
                    : "'stem' needs one group, no dilation along W and maps at least " + ConvAlgorithm.STEM_PIXELS + " wide, not " + describe(s) + ", " + s.outW() + " wide";
            case DIRECT, INLINE, SLICED, ROWS -> {
                if (dw) yield "'" + a.label() + "' cannot run a depthwise convolution (its weights are packed for the depthwise kernel)";
                if (a == ConvAlgorithm.SLICED && !ConvAlgorithm.slicedRuns(s, ConvKernel.CB))
                    yield "'sliced' needs one group, no dilation along W and output channels a multiple of " + ConvKernel.CB + ", not " + describe(s);
                yield null;
            }
        };
    }

    private static String describe(ConvShape s) {
        return s.inC() + " -> " + s.outC() + " channels in " + s.groups() + " group(s), " + s.kH() + "x" + s.kW()
                + (s.dilW() > 1 ? " dilated " + s.dilH() + "x" + s.dilW() : "");
    }

    @Override
    public void conv2d(ConvShape s, ConvAlgorithm a, float[] in, int inOff, PackedWeights w, float[] bias, float[] residual, int resOff,
                       Activation act, float alpha, float[] out, int outOff) {
        String no = refusal(s, a);
        if (no != null) throw new IllegalArgumentException(no);
        if (!"vector".equals(w.backend())) throw new IllegalArgumentException("weights packed by backend '" + w.backend() + "', not 'vector'");
        Workspace ws = ws();
        Tasks.Conv t = ws.tasks.conv;
        // The micro-kernels index the residual with output offsets: shift its base accordingly.
        t.args(s, bias, residual, resOff - outOff, act, alpha, out, outOff);
        if (a == ConvAlgorithm.DEPTHWISE) {
            if (!(w instanceof DepthwisePacked dw) || !sameGeometry(dw.shape(), s))
                throw new IllegalArgumentException("weights were not packed for the depthwise convolution " + s);
            t.depthwise(in, inOff, dw.w(), dw.taps());
            pool.parallelFor(s.n() * s.outH(), 1, t, ws.slot);
        } else {
            if (!(w instanceof ConvKernel.Packed pk) || !sameGeometry(pk.shape(), s))
                throw new IllegalArgumentException("weights were packed for " + shapeOf(w) + ", not " + s);
            boolean winograd = a == ConvAlgorithm.WINOGRAD || a == ConvAlgorithm.WINOGRAD4;
            if (winograd && s.dilH() > 1) {
                t.release();
                winogradPhases(ws, s, a, pk, in, inOff, bias, residual, resOff, act, alpha, out, outOff);
                return;
            }
            if (winograd) {
                // With the residual in the output buffer, a recomputation would add it twice: look
                // for non-finite inputs first instead (one read of the input).
                boolean inPlace = residual == out;
                if (!inPlace || allFinite(in, inOff, (int) s.inputSize())) {
                    int m = a == ConvAlgorithm.WINOGRAD4 ? 4 : 2;
                    WinogradKernel.Weights uw = pk.winograd().get(pk, m);
                    if (uw.finite() && WinogradKernel.elementMajor(s, m)) {
                        if (winogradElementMajor(ws, s, pk, uw, in, inOff)) return;
                    } else {
                        t.winograd(pk, uw, in, inOff, !inPlace);
                        pool.parallelFor(WinogradKernel.items(s, m), 1, t, ws.slot);
                        if (!t.nonFinite || !uw.finite()) {
                            t.release();
                            return;
                        }
                    }
                }
                // A non-finite input: NaN and Inf as the direct convolution gives them (Winograd's
                // transforms could turn an infinity into NaN).
            }
            if (a == ConvAlgorithm.POINTWISE) {
                int chunk = PointwiseKernel.chunkPixels(s, pool.threads());
                t.pointwise(pk, chunk, in, inOff);
                pool.parallelFor(PointwiseKernel.items(s, chunk), 1, t, ws.slot);
                t.release();
                return;
            }
            if (a == ConvAlgorithm.SLICED || a == ConvAlgorithm.ROWS) {
                rows(ws, s, pk, a == ConvAlgorithm.SLICED, in, inOff);
                return;
            }
            ConvKernel.pad(s, in, inOff, ws.scratch, t.input);
            if (a == ConvAlgorithm.STEM) {
                t.stem(pk);
                pool.parallelFor(StemKernel.items(s), 1, t, ws.slot);
                t.release();
                return;
            }
            t.direct(pk);
            // INLINE: tiny convolutions (attention gates) cost less than waking the team.
            pool.parallelFor(ConvKernel.items(s, pk), a == ConvAlgorithm.INLINE ? Integer.MAX_VALUE : 1, t, ws.slot);
        }
        t.release();
    }

    /**
     * An element-major Winograd convolution: the three passes, each split over the team. False,
     * with nothing written, when some transformed input is not finite (the caller then computes
     * the call directly, as the chunked walk's recomputation does).
     */
    private boolean winogradElementMajor(Workspace ws, ConvShape s, ConvKernel.Packed pk, WinogradKernel.Weights uw, float[] in, int inOff) {
        Tasks.Conv t = ws.tasks.conv;
        float[] v = ws.scratch.tilesIn(WinogradKernel.inputFloats(s, uw)), m = ws.scratch.tilesOut(WinogradKernel.productFloats(s, uw));
        t.winogradPass(Tasks.Conv.Kernel.WINOGRAD_INPUT, pk, uw, in, inOff, v, m);
        pool.parallelFor(WinogradKernel.items(s, uw.m()), 1, t, ws.slot);
        if (t.nonFinite) return false;
        t.winogradPass(Tasks.Conv.Kernel.WINOGRAD_PRODUCTS, pk, uw, in, inOff, v, m);
        pool.parallelFor(WinogradKernel.productItems(uw), 1, t, ws.slot);
        t.winogradPass(Tasks.Conv.Kernel.WINOGRAD_OUTPUT, pk, uw, in, inOff, v, m);
        pool.parallelFor(WinogradKernel.items(s, uw.m()), 1, t, ws.slot);
        t.release();
        return true;
    }

    /**
     * A dilated convolution as one undilated Winograd call over its phases: input (and residual)
     * gathered into phase batches, the call, its output scattered back; each copy split over the team.
     */
    private void winogradPhases(Workspace ws, ConvShape s, ConvAlgorithm a, ConvKernel.Packed pk, float[] in, int inOff, float[] bias, float[] residual,
                                int resOff, Activation act, float alpha, float[] out, int outOff) {
        Tasks.PhaseCopy copy = ws.tasks.phaseCopy;
        ConvShape p = copy.phaseShape(s);
        int d = s.dilH();
        float[] pin = ws.scratch.phaseIn(p.inputSize()), pout = ws.scratch.phaseOut(p.outputSize());
        float[] pres = residual == null ? null : ws.scratch.phaseRes(p.outputSize());
        pool.parallelFor(DilationPhases.inputRows(s), 1, copy.set(d, s.inH(), s.inW(), s.inC(), in, inOff, pin, true), ws.slot);
        if (residual != null)
            pool.parallelFor(DilationPhases.outputRows(s), 1, copy.set(d, s.outH(), s.outW(), s.outC(), residual, resOff, pres, true), ws.slot);
        copy.release();
        conv2d(p, a, pin, 0, pk, bias, pres, 0, act, alpha, pout, 0);
        pool.parallelFor(DilationPhases.outputRows(s), 1, copy.set(d, s.outH(), s.outW(), s.outC(), out, outOff, pout, false), ws.slot);
        copy.release();
    }

    /** A convolution through {@link RowTileKernel}: the planar-rows copy (split over the team), then the tiles or blocks. */
    private void rows(Workspace ws, ConvShape s, ConvKernel.Packed pk, boolean sliced, float[] in, int inOff) {
        float[] planar = ws.scratch.padded(PlanarRows.planarSize(s));
        Tasks.Planarize copy = ws.tasks.planarize.set(s, in, inOff, planar);
        pool.parallelFor(PlanarRows.planarRows(s), 1, copy, ws.slot);
        copy.release();
        Tasks.Conv t = ws.tasks.conv;
        t.rows(pk, sliced, planar);
        pool.parallelFor(RowTileKernel.items(s, pk, sliced), 1, t, ws.slot);
        t.release();
    }

    private static boolean allFinite(float[] x, int off, int len) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (int end = len - len % VL; i < end; i += VL) acc = acc.add(FloatVector.fromArray(S, x, off + i).mul(0f));
        float tail = 0f;
        for (; i < len; i++) tail += x[off + i] * 0f;
        return !acc.compare(VectorOperators.NE, acc).anyTrue() && !Float.isNaN(tail);   // NaN is the only value unequal to itself
    }

    private static Object shapeOf(PackedWeights w) {
        return w instanceof DepthwisePacked d ? "the depthwise kernel, " + d.shape() : w instanceof ConvKernel.Packed p ? p.shape() : w;
    }

    /** Packing depends on kernel size, channels and groups only. */
    private static boolean sameGeometry(ConvShape a, ConvShape b) {
        return a.kH() == b.kH() && a.kW() == b.kW() && a.inC() == b.inC() && a.outC() == b.outC() && a.groups() == b.groups();
    }

    @Override
    public void convTranspose2d(ConvTransposeShape s, float[] in, int inOff, float[] w, float[] bias,
                                Activation act, float alpha, float[] out, int outOff) {
        // Tiny in every supported network (MassAtt's spatial map): the reference loop is enough.
        checkOpen();
        REFERENCE.convTranspose2d(s, in, inOff, w, bias, act, alpha, out, outOff);
    }

    @Override public void maxPool2d(PoolShape s, float[] in, int inOff, float[] out, int outOff) {
        Workspace w = ws();
        Tasks.Pool t = w.tasks.pool.set(s, in, inOff, out, outOff, true);
        pool.parallelFor(s.n() * s.outH(), 1, t, w.slot);
        t.release();
    }

    @Override public void avgPool2d(PoolShape s, float[] in, int inOff, float[] out, int outOff) {
        Workspace w = ws();
        Tasks.Pool t = w.tasks.pool.set(s, in, inOff, out, outOff, false);
        pool.parallelFor(s.n() * s.outH(), 1, t, w.slot);
        t.release();
    }

    @Override public void globalAvgPool(int n, int hw, int c, float[] in, int inOff, float[] out, int outOff) {
        checkOpen();
        Pooling.global(n, hw, c, in, inOff, out, outOff, false);
    }

    @Override public void globalMaxPool(int n, int hw, int c, float[] in, int inOff, float[] out, int outOff) {
        checkOpen();
        Pooling.global(n, hw, c, in, inOff, out, outOff, true);
    }

    @Override public PackedWeights packDense(int in, int out, float[] w) {
        checkOpen();
        if (w.length != (long) in * out) throw new IllegalArgumentException("dense weights: expected " + (long) in * out + " values, got " + w.length);
        return new DensePacked(ConvKernel.pack(PackedLayouts.denseShape(1, in, out), w));
    }

    @Override public PackedWeights adoptDense(int in, int out, String layout, MemorySegment packed) {
        ConvKernel.Packed pk = ConvKernel.adopt(PackedLayouts.denseShape(1, in, out), layout, packed);
        return pk == null ? null : new DensePacked(pk);
    }

    /**
     * Dense weights, packed as a 1x1 convolution, with the shape and algorithm of the last call:
     * a plan calls with the same row count every run, so a warm run builds no shape and makes
     * the algorithm choice once.
     */
    final class DensePacked implements PackedWeights {
        final ConvKernel.Packed conv;
        private volatile Call lastCall;

        record Call(ConvShape shape, boolean sliced) {}

        DensePacked(ConvKernel.Packed conv) { this.conv = conv; }

        Call call(int rows) {
            Call c = lastCall;
            if (c == null || c.shape().inW() != rows) {
                ConvShape s = PackedLayouts.denseShape(rows, conv.shape().inC(), conv.shape().outC());
                lastCall = c = new Call(s, convAlgorithm(s) == ConvAlgorithm.SLICED);
            }
            return c;
        }

        @Override public String backend() { return "vector"; }
        @Override public String layout() { return conv.layout(); }
        @Override public MemorySegment segment() { return conv.segment(); }
    }

    /**
     * Dense calls of at most this many multiply-adds (a classifier head on one image: PAtt-Lite's
     * 32 -> 8, MA-Net's 512 -> 7) run as a scalar loop over the packed weights. Called once a run,
     * the tiles' vector code for such a shape stays uncompiled by C2 for hundreds of runs and
     * boxes every vector until it is (52 KB a PAtt-Lite run for its 256 multiply-adds).
     */
    static final long SMALL_DENSE_MACS = 4096;

    /** y = act(x W + bias) for {@code rows} rows, W read from the 1x1 convolution packing ([block][in][CB]). */
    private static void smallDense(int rows, int in, int out, float[] x, int xOff, MemorySegment w, float[] bias, Activation act, float alpha,
                                   float[] y, int yOff) {
        for (int r = 0; r < rows; r++)
            for (int co = 0; co < out; co++) {
                long base = (long) (co / ConvKernel.CB) * in * ConvKernel.CB + co % ConvKernel.CB;
                float sum = 0f;
                for (int ci = 0; ci < in; ci++) sum += x[xOff + r * in + ci] * w.getAtIndex(PackedLayouts.F32, base + (long) ci * ConvKernel.CB);
                if (bias != null) sum += bias[co];
                y[yOff + r * out + co] = act.apply(sum, alpha);
            }
    }

    @Override public void dense(int rows, int in, int out, float[] x, int xOff, PackedWeights w, float[] bias,
                                Activation act, float alpha, float[] y, int yOff) {
        checkOpen();
        if (rows == 0) return;
        if (!(w instanceof DensePacked dp) || dp.conv.shape().inC() != in || dp.conv.shape().outC() != out)
            throw new IllegalArgumentException("dense weights packed for another shape or backend");
        if ((long) rows * in * out <= SMALL_DENSE_MACS) {
            smallDense(rows, in, out, x, xOff, dp.conv.w(), bias, act, alpha, y, yOff);
            return;
        }
        Workspace ws = ws();
        Tasks.Conv t = ws.tasks.conv;
        DensePacked.Call c = dp.call(rows);
        ConvShape s = c.shape();
        t.args(s, bias, null, 0, act, alpha, y, yOff);
        if (c.sliced()) {
            rows(ws, s, dp.conv, true, x, xOff);
            return;
        }
        t.input.set(x, xOff, 1, rows);
        t.direct(dp.conv);
        pool.parallelFor(ConvKernel.items(s, dp.conv), s.macs() < ConvAlgorithm.INLINE_MACS ? Integer.MAX_VALUE : 1, t, ws.slot);
        t.release();
    }

    @Override public void activation(Activation act, float alpha, float[] x, int xOff, float[] y, int yOff, int len) {
        checkOpen();
        if (len >= PARALLEL_ELEMENTS) {
            Workspace w = ws();
            int chunks = pool.threads() * 4, per = (len / chunks + VL - 1) / VL * VL;
            Tasks.Activate t = w.tasks.activate.set(act, alpha, x, xOff, y, yOff, len, per);
            pool.parallelFor(chunks, 1, t, w.slot);
            t.release();
            return;
        }
        Activations.apply(act, alpha, x, xOff, y, yOff, len);
    }

    /** Below this many values a uniform scale-shift runs as a scalar loop (see {@link #scaleShift}). */
    static final int SHORT_ROW = 1024;

    @Override public void scaleShift(int rows, int c, float[] x, int xOff, float[] scale, float[] shift,
                                     Activation act, float alpha, float[] y, int yOff) {
        checkOpen();
        if (c < VL && c > 1 && uniform(scale, c) && uniform(shift, c)) {
            // The same affine on every channel (Rescaling, preprocessing): one long row. A short one
            // (MA-Net's head weighting: 7 classes x the batch) stays scalar: called twice a run, this
            // loop is not compiled by C2 for thousands of runs, and until then every vector is boxed
            // (384 bytes a call at batch 4).
            int len = rows * c, i = 0;
            float sc = scale[0], sh = shift[0];
            for (int end = len < SHORT_ROW ? 0 : len - len % VL; i < end; i += VL)
                FloatVector.fromArray(S, x, xOff + i).fma(sc, sh).intoArray(y, yOff + i);
            for (; i < len; i++) y[yOff + i] = x[xOff + i] * sc + sh;
            Activations.apply(act, alpha, y, yOff, len);
            return;
        }
        int full = c - c % VL;
        for (int r = 0; r < rows; r++) {
            int b = r * c;
            int i = 0;
            for (; i < full; i += VL)
                FloatVector.fromArray(S, x, xOff + b + i)
                        .fma(FloatVector.fromArray(S, scale, i), FloatVector.fromArray(S, shift, i))
                        .intoArray(y, yOff + b + i);
            for (; i < c; i++) y[yOff + b + i] = x[xOff + b + i] * scale[i] + shift[i];
            Activations.apply(act, alpha, y, yOff + b, c);
        }
    }

    private static boolean uniform(float[] v, int n) {
        for (int i = 1; i < n; i++) if (v[i] != v[0]) return false;
        return true;
    }

    @Override public void softmax(int rows, int len, float[] x, int xOff, float[] y, int yOff) {
        checkOpen();
        REFERENCE.softmax(rows, len, x, xOff, y, yOff);
    }

    @Override public void binary(BinaryOp op, float[] a, int aOff, int[] aShape, float[] b, int bOff, int[] bShape,
                                 float[] out, int outOff, int[] outShape) {
        Workspace w = ws();
        long size = 1;
        for (int d : outShape) size *= d;
        // Large outputs are split along their first axis longer than 1 (batch, else rows), one slice per task.
        int axis = 0;
        while (axis < outShape.length - 1 && outShape[axis] == 1) axis++;
        if (size >= PARALLEL_ELEMENTS && axis < outShape.length - 1 && pool.threads() > 1) {
            Tasks.Binary t = w.tasks.binary.set(op, a, aOff, aShape, b, bOff, bShape, out, outOff, outShape, axis);
            pool.parallelFor(outShape[axis], 1, t, w.slot);
            t.release();
            return;
        }
        binaryOne(op, a, aOff, aShape, b, bOff, bShape, out, outOff, outShape, w.state());
    }

    /** Shapes the vector loops do not cover (neither operand contiguous nor broadcast along the last axis) take the reference loop. */
    static void binaryOne(BinaryOp op, float[] a, int aOff, int[] aShape, float[] b, int bOff, int[] bShape,
                          float[] out, int outOff, int[] outShape, ThreadState st) {
        if (!Elementwise.binary(op, a, aOff, aShape, b, bOff, bShape, out, outOff, outShape, st.broadcast))
            st.reference.binary(op, a, aOff, aShape, b, bOff, bShape, out, outOff, outShape);
    }

    @Override public void reduceLastAxis(ReduceOp op, int rows, int len, float[] x, int xOff, float[] y, int yOff) {
        Workspace w = ws();
        if (len < VL) { REFERENCE.reduceLastAxis(op, rows, len, x, xOff, y, yOff); return; }
        float[] lanes = w.lanes;
        for (int r = 0; r < rows; r++) {
            int base = xOff + r * len;
            y[yOff + r] = switch (op) {
                case MAX -> rowExtreme(x, base, len, true);
                case MIN -> rowExtreme(x, base, len, false);
                case MEAN -> rowSum(x, base, len, lanes) / len;
                default -> rowSum(x, base, len, lanes);
            };
        }
    }

    // Each reduceLanes call names its operator: it compiles to instructions only for a constant
    // operator (a VectorOperators value chosen at run time allocates on every call).

    private static float rowExtreme(float[] x, int base, int len, boolean max) {
        int full = len - len % VL;
        FloatVector acc = FloatVector.fromArray(S, x, base);
        for (int i = VL; i < full; i += VL) {
            FloatVector v = FloatVector.fromArray(S, x, base + i);
            acc = max ? acc.max(v) : acc.min(v);
        }
        float s = max ? acc.reduceLanes(VectorOperators.MAX) : acc.reduceLanes(VectorOperators.MIN);
        for (int i = full; i < len; i++) s = max ? Math.max(s, x[base + i]) : Math.min(s, x[base + i]);
        return s;
    }

    /**
     * The lanes are added in a fixed order from a small buffer, not with reduceLanes(ADD): its
     * order is unspecified and differs between the compiled and the interpreted Vector API, so
     * the same model would give different last bits before and after the JIT warms up.
     */
    private static float rowSum(float[] x, int base, int len, float[] lanes) {
        int full = len - len % VL;
        FloatVector acc = FloatVector.fromArray(S, x, base);
        for (int i = VL; i < full; i += VL) acc = acc.add(FloatVector.fromArray(S, x, base + i));
        acc.intoArray(lanes, 0);
        float s = 0f;
        for (int i = 0; i < VL; i++) s += lanes[i];
        for (int i = full; i < len; i++) s += x[base + i];
        return s;
    }

    // ---- data movement: System.arraycopy (already the machine's fastest copy) or gathers the
    // Vector API would not speed up; these delegate to the reference loops. ----------------

    @Override public void copyRows(int rows, int len, float[] src, int srcOff, int srcStride, float[] dst, int dstOff, int dstStride) {
        REFERENCE.copyRows(rows, len, src, srcOff, srcStride, dst, dstOff, dstStride);
    }

    @Override public void pad2d(int n, int inH, int inW, int c, int top, int left, int outH, int outW, float[] x, int xOff, float[] y, int yOff) {
        REFERENCE.pad2d(n, inH, inW, c, top, left, outH, outW, x, xOff, y, yOff);
    }

    /** Strided gathers: the reference loop (Keras Permute only; no seed network transposes). */
    @Override public void transpose(int[] inShape, int[] perm, float[] x, int xOff, float[] y, int yOff) {
        REFERENCE.transpose(inShape, perm, x, xOff, y, yOff);
    }

    /** A strided gather per row: the reference loop. */
    @Override public void channelShuffle(int rows, int c, int groups, float[] x, int xOff, float[] y, int yOff) {
        REFERENCE.channelShuffle(rows, c, groups, x, xOff, y, yOff);
    }

    /**
     * The reference loop, its output rows split over the team: the seed networks resize only
     * their input image (a few channels, so little to vectorise), and its double-precision
     * arithmetic is what parity rests on. Each thread interpolates with its own two-row scratch
     * (the call's {@code scratch} serves one thread only). Split because PAtt-Lite's 120x120 ->
     * 224x224 input resize took 0.16-0.28 ms of a 3.4 ms run on two threads, all on one core.
     */
    @Override public void resize(ResizeShape s, float[] x, int xOff, float[] y, int yOff, double[] scratch) {
        Workspace w = ws();
        Tasks.Resize t = w.tasks.resize.set(s, x, xOff, y, yOff);
        pool.parallelFor(s.n() * s.outH(), 1, t, w.slot);
        t.release();
    }

    /** Tiny in the seed networks (PAtt-Lite scores 1-step sequences): the reference loop. */
    @Override public void attention(int groups, int tq, int tv, int d, float scale, float[] q, int qOff, float[] k, int kOff,
                                    float[] v, int vOff, float[] y, int yOff, float[] scores) {
        REFERENCE.attention(groups, tq, tv, d, scale, q, qOff, k, kOff, v, vOff, y, yOff, scores);
    }

    /** Reductions over several axes walk the input in order with strided output: the reference loop. */
    @Override public void reduce(ReduceOp op, int[] inShape, boolean[] reduced, float[] x, int xOff, float[] y, int yOff) {
        REFERENCE.reduce(op, inShape, reduced, x, xOff, y, yOff);
    }

    /** Same operations in the same order as the reference, so the same bits; lanes along each group's channels. */
    @Override public void pwfs(int rows, int c, float[] x, int xOff, float[] y, int yOff) {
        int g = c / 3, full = g - g % VL;
        FloatVector half = FloatVector.broadcast(S, 0.5f);
        for (int r = 0; r < rows; r++) {
            int s = xOff + r * c, d = yOff + r * g, j = 0;
            for (; j < full; j += VL) {
                FloatVector a = FloatVector.fromArray(S, x, s + j), b = FloatVector.fromArray(S, x, s + g + j),
                        e = FloatVector.fromArray(S, x, s + 2 * g + j);
                FloatVector mx = a.max(b).max(e);
                FloatVector med = a.min(b).max(a.max(b).min(e));
                half.mul(mx.add(med)).intoArray(y, d + j);
            }
            for (; j < g; j++) {
                float a = x[s + j], b = x[s + g + j], e = x[s + 2 * g + j];
                float mx = Math.max(Math.max(a, b), e);
                y[d + j] = 0.5f * (mx + Math.max(Math.min(a, b), Math.min(Math.max(a, b), e)));
            }
        }
    }

    /** Lanes along each sample; a blend picks x or alpha*x (the reference's comparison, so the same bits). */
    @Override public void prelu(int batch, int per, float[] x, int xOff, float[] alpha, float[] y, int yOff) {
        int full = per - per % VL;
        for (int b = 0; b < batch; b++) {
            int base = b * per, j = 0;
            for (; j < full; j += VL) {
                FloatVector v = FloatVector.fromArray(S, x, xOff + base + j);
                FloatVector neg = v.mul(FloatVector.fromArray(S, alpha, j));
                neg.blend(v, v.compare(VectorOperators.GE, 0f)).intoArray(y, yOff + base + j);
            }
            for (; j < per; j++) { float v = x[xOff + base + j]; y[yOff + base + j] = v >= 0 ? v : alpha[j] * v; }
        }
    }
}
