package dev.mien.kernels.simd;

import dev.mien.kernels.Activation;
import dev.mien.kernels.BinaryOp;
import dev.mien.kernels.ConvShape;
import dev.mien.kernels.PoolShape;
import dev.mien.kernels.ResizeShape;
import dev.mien.kernels.ScalarBackend;
import dev.mien.kernels.WorkerTeam;

/**
 * One workspace's reusable loop bodies for the worker team: the arguments of one kernel call as
 * fields, instead of a capturing lambda that would be a new object on every call, so a warm
 * inference allocates nothing. The team sees the fields through its hand-off of the body; a
 * workspace's calls never overlap, and each call drops its references when done. Per-thread
 * working memory comes with each share of the range, in the thread's slot.
 */
final class Tasks {
    final Conv conv = new Conv();
    final Pool pool = new Pool();
    final Activate activate = new Activate();
    final Binary binary = new Binary();
    final Planarize planarize = new Planarize();
    final PhaseCopy phaseCopy = new PhaseCopy();
    final Resize resize = new Resize();

    /** A convolution (direct, depthwise or dense). */
    static final class Conv implements WorkerTeam.Range {
        /** Which kernel the call's shares run: set by the setter the caller chose. */
        enum Kernel { DIRECT, STEM, ROWS, POINTWISE, DEPTHWISE, WINOGRAD, WINOGRAD_INPUT, WINOGRAD_PRODUCTS, WINOGRAD_OUTPUT }

        Kernel kernel;
        ConvShape s;
        float[] bias, residual, out, x;
        java.lang.foreign.MemorySegment dw;
        float[] taps;
        /** On {@link Kernel#ROWS}: block by block in weight slices (the sliced walk) rather than tile by tile. */
        boolean sliced;
        /** Pixels per chunk of a pointwise call. */
        int pointwiseChunk;
        int resDelta, outOff, inOff;
        Activation act;
        float alpha;
        ConvKernel.Packed pk;
        WinogradKernel.Weights wino;
        /** The element-major Winograd passes' shared transformed input and products. */
        float[] tilesIn, tilesOut;
        /** Set by a Winograd share that met a non-finite input: the call is then recomputed directly. */
        volatile boolean nonFinite;
        /** False when the residual is the output buffer: non-finite chunks then take the plain loop in place. */
        boolean canRecompute;
        final ConvKernel.PaddedInput input = new ConvKernel.PaddedInput();

        void args(ConvShape s, float[] bias, float[] residual, int resDelta, Activation act, float alpha, float[] out, int outOff) {
            this.s = s;
            this.bias = bias;
            this.residual = residual;
            this.resDelta = resDelta;
            this.act = act;
            this.alpha = alpha;
            this.out = out;
            this.outOff = outOff;
        }

        void depthwise(float[] x, int inOff, java.lang.foreign.MemorySegment w, float[] taps) {
            this.kernel = Kernel.DEPTHWISE;
            this.taps = taps;
            this.x = x;
            this.inOff = inOff;
            this.dw = w;
        }

        /** A 1x1 convolution reading the input in place, in chunks of {@code chunk} pixels. */
        void pointwise(ConvKernel.Packed pk, int chunk, float[] x, int inOff) {
            this.kernel = Kernel.POINTWISE;
            this.pk = pk;
            this.pointwiseChunk = chunk;
            this.x = x;
            this.inOff = inOff;
        }

        /** A direct convolution over {@link #input}, set by the caller. */
        void direct(ConvKernel.Packed pk) {
            this.kernel = Kernel.DIRECT;
            this.pk = pk;
        }

        /** A direct (or sliced) convolution on the planar-rows copy {@code x} of the input ({@link RowTileKernel}). */
        void rows(ConvKernel.Packed pk, boolean sliced, float[] planar) {
            this.kernel = Kernel.ROWS;
            this.pk = pk;
            this.sliced = sliced;
            this.x = planar;
        }

        /** A stem convolution over {@link #input}, set by the caller. */
        void stem(ConvKernel.Packed pk) {
            this.kernel = Kernel.STEM;
            this.pk = pk;
        }

        /** A Winograd convolution, reading the input in place. */
        void winograd(ConvKernel.Packed pk, WinogradKernel.Weights w, float[] x, int inOff, boolean canRecompute) {
            this.kernel = Kernel.WINOGRAD;
            this.canRecompute = canRecompute;
            this.pk = pk;
            this.wino = w;
            this.x = x;
            this.inOff = inOff;
            this.nonFinite = false;
        }

        /**
         * One pass of an element-major Winograd convolution ({@link WinogradKernel#elementMajor}):
         * {@code WINOGRAD_INPUT} and {@code WINOGRAD_OUTPUT} over chunks of tiles, {@code WINOGRAD_PRODUCTS}
         * over (element, output block) items.
         */
        void winogradPass(Kernel pass, ConvKernel.Packed pk, WinogradKernel.Weights w, float[] x, int inOff, float[] tilesIn, float[] tilesOut) {
            this.kernel = pass;
            this.pk = pk;
            this.wino = w;
            this.x = x;
            this.inOff = inOff;
            this.tilesIn = tilesIn;
            this.tilesOut = tilesOut;
            if (pass == Kernel.WINOGRAD_INPUT) this.nonFinite = false;
        }

        @Override public void run(int from, int to, WorkerTeam.Slot slot) {
            switch (kernel) {
                case WINOGRAD_INPUT -> {
                    if (!WinogradKernel.transformInput(s, wino, x, inOff, tilesIn, from, to, slot.local(ThreadState::new).winograd)) nonFinite = true;
                }
                case WINOGRAD_PRODUCTS -> WinogradKernel.multiply(s, wino, tilesIn, tilesOut, from, to);
                case WINOGRAD_OUTPUT -> WinogradKernel.transformOutput(s, wino, tilesOut, bias, residual, resDelta, act, alpha, out, outOff,
                        from, to, slot.local(ThreadState::new).winograd);
                case POINTWISE -> PointwiseKernel.run(s, pk, pointwiseChunk, x, inOff, bias, residual, resDelta, act, alpha, out, outOff,
                        from, to, slot.local(ThreadState::new).pointwise);
                case DEPTHWISE -> DepthwiseKernel.run(s, x, inOff, dw, taps, bias, residual, resDelta, act, alpha, out, outOff, from, to);
                case WINOGRAD -> {
                    if (!WinogradKernel.run(s, pk, wino, x, inOff, bias, residual, resDelta, act, alpha, out, outOff, from, to,
                            slot.local(ThreadState::new).winograd, canRecompute))
                        nonFinite = true;
                }
                case ROWS -> RowTileKernel.run(s, pk, sliced, x, bias, residual, resDelta, act, alpha, out, outOff, from, to,
                        slot.local(ThreadState::new).rows);
                case STEM -> StemKernel.run(s, pk, input, bias, residual, resDelta, act, alpha, out, outOff, from, to, slot.local(ThreadState::new).job);
                case DIRECT -> ConvKernel.run(s, pk, input, bias, residual, resDelta, act, alpha, out, outOff, from, to, slot.local(ThreadState::new).job);
            }
        }

        /** Drops the references to the call's arrays (they belong to the caller's buffers). */
        void release() {
            bias = residual = out = x = null;
            dw = null;
            taps = null;
            input.data = null;
            pk = null;
            wino = null;
            tilesIn = tilesOut = null;
        }
    }

    /** The planar-rows copy of a convolution's input, padded row by padded row ({@link PlanarRows}). */
    static final class Planarize implements WorkerTeam.Range {
        ConvShape s;
        float[] in, to;
        int inOff;

        Planarize set(ConvShape s, float[] in, int inOff, float[] to) {
            this.s = s;
            this.in = in;
            this.inOff = inOff;
            this.to = to;
            return this;
        }

        @Override public void run(int from, int until, WorkerTeam.Slot slot) { PlanarRows.copy(s, in, inOff, to, from, until); }

        void release() { in = to = null; }
    }

    /** One copy between a map and its dilation phases ({@link DilationPhases}), over phase-batch rows. */
    static final class PhaseCopy implements WorkerTeam.Range {
        int d, h, w, c, xOff;
        float[] x, p;
        boolean toPhases;
        /**
         * Each dilated shape's phase shape, made once: a plan calls with the same few shapes every
         * run (LANMSFF: two), and a warm run allocates nothing. Bounded for a workspace that sees
         * many models.
         */
        private final java.util.Map<ConvShape, ConvShape> phases = new java.util.HashMap<>();

        ConvShape phaseShape(ConvShape s) {
            ConvShape p = phases.get(s);
            if (p == null) {
                if (phases.size() >= 64) phases.clear();
                phases.put(s, p = dev.mien.kernels.ConvAlgorithm.phaseShape(s));
            }
            return p;
        }

        PhaseCopy set(int d, int h, int w, int c, float[] x, int xOff, float[] p, boolean toPhases) {
            this.d = d;
            this.h = h;
            this.w = w;
            this.c = c;
            this.x = x;
            this.xOff = xOff;
            this.p = p;
            this.toPhases = toPhases;
            return this;
        }

        @Override public void run(int from, int until, WorkerTeam.Slot slot) { DilationPhases.copy(d, h, w, c, x, xOff, p, toPhases, from, until); }

        void release() { x = p = null; }
    }

    /** A resize over output rows (the reference loop per range, each thread with its own scratch). */
    static final class Resize implements WorkerTeam.Range {
        ResizeShape s;
        float[] x, y;
        int xOff, yOff;

        Resize set(ResizeShape s, float[] x, int xOff, float[] y, int yOff) {
            this.s = s;
            this.x = x;
            this.xOff = xOff;
            this.y = y;
            this.yOff = yOff;
            return this;
        }

        @Override public void run(int from, int to, WorkerTeam.Slot slot) {
            ScalarBackend.resizeRows(s, x, xOff, y, yOff, slot.local(ThreadState::new).resizeRows(s.scratchLength()), from, to);
        }

        void release() { x = y = null; }
    }

    /** Window pooling over output rows. */
    static final class Pool implements WorkerTeam.Range {
        PoolShape s;
        float[] in, out;
        int inOff, outOff;
        boolean max;

        Pool set(PoolShape s, float[] in, int inOff, float[] out, int outOff, boolean max) {
            this.s = s;
            this.in = in;
            this.inOff = inOff;
            this.out = out;
            this.outOff = outOff;
            this.max = max;
            return this;
        }

        @Override public void run(int from, int to, WorkerTeam.Slot slot) { Pooling.window(s, in, inOff, out, outOff, max, from, to); }

        void release() { in = out = null; }
    }

    /** An activation over a long range, in chunks of {@code per} elements (whole vectors). */
    static final class Activate implements WorkerTeam.Range {
        Activation act;
        float alpha;
        float[] x, y;
        int xOff, yOff, len, per;

        Activate set(Activation act, float alpha, float[] x, int xOff, float[] y, int yOff, int len, int per) {
            this.act = act;
            this.alpha = alpha;
            this.x = x;
            this.xOff = xOff;
            this.y = y;
            this.yOff = yOff;
            this.len = len;
            this.per = per;
            return this;
        }

        @Override public void run(int a, int b, WorkerTeam.Slot slot) {
            int from = Math.min(len, a * per), to = Math.min(len, b * per);
            Activations.apply(act, alpha, x, xOff + from, y, yOff + from, to - from);
        }

        void release() { x = y = null; }
    }

    /** A broadcasting binary op split along one axis: each index along it is one slice. */
    static final class Binary implements WorkerTeam.Range {
        private static final int MAX_RANK = 8;
        BinaryOp op;
        float[] a, b, out;
        int aOff, bOff, outOff;
        long aStep, bStep, oStep;
        // Slice shapes, one array per rank so that no call allocates.
        private final int[][] aSlice = new int[MAX_RANK + 1][], bSlice = new int[MAX_RANK + 1][], oSlice = new int[MAX_RANK + 1][];
        int[] as, bs, os;

        Binary() {
            for (int r = 0; r <= MAX_RANK; r++) { aSlice[r] = new int[r]; bSlice[r] = new int[r]; oSlice[r] = new int[r]; }
        }

        Binary set(BinaryOp op, float[] a, int aOff, int[] aShape, float[] b, int bOff, int[] bShape,
                   float[] out, int outOff, int[] outShape, int axis) {
            int r = outShape.length;
            if (r > MAX_RANK) throw new IllegalArgumentException("binary op of rank " + r + " (at most " + MAX_RANK + ")");
            this.op = op;
            this.a = a;
            this.b = b;
            this.out = out;
            this.aOff = aOff;
            this.bOff = bOff;
            this.outOff = outOff;
            as = slice(aShape, r, axis, aSlice[r]);
            bs = slice(bShape, r, axis, bSlice[r]);
            os = slice(outShape, r, axis, oSlice[r]);
            aStep = stride(aShape, r, axis);
            bStep = stride(bShape, r, axis);
            oStep = stride(outShape, r, axis);
            return this;
        }

        /** One slice's shape: {@code shape} right-aligned to {@code rank} dims, with the axis and the ones before it set to 1. */
        private static int[] slice(int[] shape, int rank, int axis, int[] to) {
            for (int i = 0; i < rank; i++) {
                int src = i - (rank - shape.length);
                to[i] = i <= axis || src < 0 ? 1 : shape[src];
            }
            return to;
        }

        /** Elements between consecutive slices along {@code axis}: 0 where the operand broadcasts there. */
        private static long stride(int[] shape, int rank, int axis) {
            int at = axis - (rank - shape.length);
            if (at < 0 || shape[at] == 1) return 0;
            long n = 1;
            for (int i = at + 1; i < shape.length; i++) n *= shape[i];
            return n;
        }

        @Override public void run(int from, int to, WorkerTeam.Slot slot) {
            ThreadState st = slot.local(ThreadState::new);
            for (int i = from; i < to; i++)
                VectorBackend.binaryOne(op, a, (int) (aOff + i * aStep), as, b, (int) (bOff + i * bStep), bs, out, (int) (outOff + i * oStep), os, st);
        }

        void release() { a = b = out = null; }
    }
}
