package dev.mien.tornado;

import dev.mien.kernels.Activation;
import dev.mien.kernels.Backend;
import dev.mien.kernels.BinaryOp;
import dev.mien.kernels.ConvAlgorithm;
import dev.mien.kernels.ConvShape;
import dev.mien.kernels.ConvTransposeShape;
import dev.mien.kernels.DeviceRuns;
import dev.mien.kernels.PackedWeights;
import dev.mien.kernels.PoolShape;
import dev.mien.kernels.ReduceOp;
import dev.mien.kernels.ResizeShape;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One session's handle on the device. Inside a plan run ({@link DeviceRuns}) every kernel call is
 * recorded, not run; at the end of the run the recorded program (compiled on the first run, and
 * again only if a later run records different calls) runs on the device with only the inputs and
 * outputs crossing. A kernel call outside a plan run runs at once as a program of its own (its
 * arrays go up and the written one comes back): slow, but the same kernels, for tests and tools.
 * Used by one thread at a time.
 */
final class TornadoWorkspace implements Backend, DeviceRuns {
    private final TornadoBackend parent;
    private final DeviceMemory memory = new DeviceMemory();
    private final List<Call> calls = new ArrayList<>();
    private boolean inRun, closed;
    private int step = -1;
    private float[][] runInputs;
    private DeviceProgram program, single;

    TornadoWorkspace(TornadoBackend parent) { this.parent = parent; }

    @Override public String name() { return parent.name(); }
    @Override public int threads() { return parent.threads(); }
    @Override public Backend newWorkspace() { return parent.newWorkspace(); }

    @Override public void close() {
        if (closed) return;
        closed = true;
        if (program != null) program.close();
        if (single != null) single.close();
    }

    private void open() {
        if (closed) throw new IllegalStateException("the tornadovm workspace is closed");
        parent.checkOpen();
    }

    // ---- plan runs ----------------------------------------------------------------------

    @Override public void beginRun(float[][] inputs) {
        open();
        calls.clear();
        inRun = true;
        step = -1;
        runInputs = inputs;
    }

    @Override public void beginStep(int step) { this.step = step; }

    @Override public void endRun(float[][] outputs) {
        open();
        inRun = false;
        if (calls.isEmpty()) throw new IllegalStateException("the plan made no kernel calls");
        if (program == null || !program.matches(calls, runInputs, outputs)) {
            if (program != null) program.close();
            program = null;
            program = DeviceProgram.build(parent.device(), calls, runInputs, outputs, memory);
        }
        program.run();
    }

    /** The last plan run's program: its tasks, in order, with the step each belongs to. */
    List<Call> recorded() { return List.copyOf(calls); }

    private void record(Kernel k, Object[] buffers, int writes, int[] params, float arg, long workItems) {
        open();
        if (workItems == 0) return;
        if (workItems > Integer.MAX_VALUE) throw new IllegalArgumentException(k.method + ": " + workItems + " work items is more than one launch takes");
        Call c = new Call(k, buffers, writes, params, arg, (int) workItems, inRun ? step : -1);
        if (inRun) {
            calls.add(c);
            return;
        }
        // At once: every host array goes up (a call may write only part of one), the written one comes back.
        Set<float[]> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        List<float[]> in = new ArrayList<>();
        for (Object b : buffers) if (b instanceof float[] h && seen.add(h)) in.add(h);
        float[] written = (float[]) buffers[writes];
        float[][] inputs = in.toArray(float[][]::new), outputs = {written};
        List<Call> one = List.of(new Call(Kernel.KEEP, new Object[]{written}, 0, new int[]{1, 1}, 0f, 1, -1), c);
        if (single == null || !single.matches(one, inputs, outputs)) {
            if (single != null) single.close();
            single = null;
            single = DeviceProgram.build(parent.device(), one, inputs, outputs, memory);
        }
        single.run();
    }

    // ---- kernels ------------------------------------------------------------------------

    @Override public PackedWeights packConv(ConvShape s, float[] hwio) { return parent.packConv(s, hwio); }
    @Override public PackedWeights adoptConv(ConvShape s, String layout, java.lang.foreign.MemorySegment packed) { return parent.adoptConv(s, layout, packed); }
    @Override public PackedWeights packDense(int in, int out, float[] w) { return parent.packDense(in, out, w); }
    @Override public PackedWeights adoptDense(int in, int out, String layout, java.lang.foreign.MemorySegment packed) { return parent.adoptDense(in, out, layout, packed); }
    @Override public ConvAlgorithm convAlgorithm(ConvShape s) { return parent.convAlgorithm(s); }
    @Override public String refusal(ConvShape s, ConvAlgorithm algorithm) { return parent.refusal(s, algorithm); }

    private static int flag(boolean b) { return b ? 1 : 0; }

    @Override
    public void conv2d(ConvShape s, ConvAlgorithm algorithm, float[] in, int inOff, PackedWeights w, float[] bias, float[] residual, int resOff,
                       Activation act, float alpha, float[] out, int outOff) {
        String no = refusal(s, algorithm);
        if (no != null) throw new IllegalArgumentException(no);
        int[] p = {(int) s.outputSize(), s.n(), s.inH(), s.inW(), s.inC(), s.outC(), s.kH(), s.kW(), s.strideH(), s.strideW(),
                s.dilH(), s.dilW(), s.padTop(), s.padLeft(), s.groups(), s.outH(), s.outW(), inOff, outOff, resOff,
                flag(bias != null), flag(residual != null), act.ordinal()};
        record(Kernel.CONV2D, new Object[]{in, TornadoBackend.weights(w).array(), bias, residual, out}, 4, p, alpha, s.outputSize());
    }

    @Override
    public void convTranspose2d(ConvTransposeShape s, float[] in, int inOff, float[] w, float[] bias, Activation act, float alpha, float[] out, int outOff) {
        long total = (long) s.n() * s.outH() * s.outW() * s.outC();
        int[] p = {(int) total, s.inH(), s.inW(), s.inC(), s.outC(), s.kH(), s.kW(), s.strideH(), s.strideW(), s.padTop(), s.padLeft(),
                s.outH(), s.outW(), inOff, outOff, flag(bias != null), act.ordinal()};
        record(Kernel.CONV_TRANSPOSE2D, new Object[]{in, w, bias, out}, 3, p, alpha, total);
    }

    @Override public void maxPool2d(PoolShape s, float[] in, int inOff, float[] out, int outOff) { pool(s, in, inOff, out, outOff, true); }
    @Override public void avgPool2d(PoolShape s, float[] in, int inOff, float[] out, int outOff) { pool(s, in, inOff, out, outOff, false); }

    private void pool(PoolShape s, float[] in, int inOff, float[] out, int outOff, boolean max) {
        long total = (long) s.n() * s.outH() * s.outW() * s.c();
        int[] p = {(int) total, s.inH(), s.inW(), s.c(), s.kH(), s.kW(), s.strideH(), s.strideW(), s.padTop(), s.padLeft(),
                s.padBottom(), s.padRight(), s.outH(), s.outW(), flag(s.countIncludePad()), flag(max), inOff, outOff};
        record(Kernel.POOL2D, new Object[]{in, out}, 1, p, Float.NEGATIVE_INFINITY, total);
    }

    @Override public void globalAvgPool(int n, int hw, int c, float[] in, int inOff, float[] out, int outOff) { global(n, hw, c, in, inOff, out, outOff, false); }
    @Override public void globalMaxPool(int n, int hw, int c, float[] in, int inOff, float[] out, int outOff) { global(n, hw, c, in, inOff, out, outOff, true); }

    private void global(int n, int hw, int c, float[] in, int inOff, float[] out, int outOff, boolean max) {
        record(Kernel.GLOBAL_POOL, new Object[]{in, out}, 1, new int[]{n * c, n, hw, c, flag(max), inOff, outOff}, Float.NEGATIVE_INFINITY, (long) n * c);
    }

    @Override
    public void dense(int rows, int in, int out, float[] x, int xOff, PackedWeights w, float[] bias, Activation act, float alpha, float[] y, int yOff) {
        long total = (long) rows * out;
        record(Kernel.DENSE, new Object[]{x, TornadoBackend.weights(w).array(), bias, y}, 3,
                new int[]{(int) total, rows, in, out, xOff, yOff, flag(bias != null), act.ordinal()}, alpha, total);
    }

    @Override public void activation(Activation act, float alpha, float[] x, int xOff, float[] y, int yOff, int len) {
        record(Kernel.ACTIVATION, new Object[]{x, y}, 1, new int[]{len, xOff, yOff, act.ordinal()}, alpha, len);
    }

    @Override
    public void scaleShift(int rows, int c, float[] x, int xOff, float[] scale, float[] shift, Activation act, float alpha, float[] y, int yOff) {
        long total = (long) rows * c;
        record(Kernel.SCALE_SHIFT, new Object[]{x, scale, shift, y}, 3, new int[]{(int) total, c, xOff, yOff, act.ordinal()}, alpha, total);
    }

    @Override public void softmax(int rows, int len, float[] x, int xOff, float[] y, int yOff) {
        if (len == 0) return;
        record(Kernel.SOFTMAX, new Object[]{x, y}, 1, new int[]{rows, len, xOff, yOff}, 0f, rows);
    }

    @Override
    public void binary(BinaryOp op, float[] a, int aOff, int[] aShape, float[] b, int bOff, int[] bShape, float[] out, int outOff, int[] outShape) {
        int r = outShape.length;
        checkRank(r, "binary");
        long total = 1;
        for (int d : outShape) total *= d;
        int[] p = new int[6 + 3 * DeviceKernels.MAX_RANK];
        p[0] = (int) total;
        p[1] = op.ordinal();
        p[2] = r;
        p[3] = aOff;
        p[4] = bOff;
        p[5] = outOff;
        for (int d = 0; d < r; d++) {
            p[6 + d] = outShape[d];
            p[6 + DeviceKernels.MAX_RANK + d] = broadcastStride(aShape, r, d);
            p[6 + 2 * DeviceKernels.MAX_RANK + d] = broadcastStride(bShape, r, d);
        }
        record(Kernel.BINARY, new Object[]{a, b, out}, 2, p, 0f, total);
    }

    /** Stride of output axis {@code d} in an input right-aligned to rank {@code r}; 0 where it broadcasts. */
    static int broadcastStride(int[] shape, int r, int d) {
        int k = d - (r - shape.length);
        if (k < 0 || shape[k] == 1) return 0;
        int s = 1;
        for (int i = k + 1; i < shape.length; i++) s *= shape[i];
        return s;
    }

    private static void checkRank(int r, String what) {
        if (r > DeviceKernels.MAX_RANK) throw new IllegalArgumentException(what + ": rank " + r + " is more than the device kernels' " + DeviceKernels.MAX_RANK);
    }

    @Override public void reduceLastAxis(ReduceOp op, int rows, int len, float[] x, int xOff, float[] y, int yOff) {
        record(Kernel.REDUCE_ROWS, new Object[]{x, y}, 1, new int[]{rows, len, op.ordinal(), xOff, yOff}, 0f, rows);
    }

    @Override public void copyRows(int rows, int len, float[] src, int srcOff, int srcStride, float[] dst, int dstOff, int dstStride) {
        long total = (long) rows * len;
        record(Kernel.COPY_ROWS, new Object[]{src, dst}, 1, new int[]{(int) total, len, srcOff, srcStride, dstOff, dstStride}, 0f, total);
    }

    @Override
    public void pad2d(int n, int inH, int inW, int c, int top, int left, int outH, int outW, float[] x, int xOff, float[] y, int yOff) {
        long total = (long) n * outH * outW * c;
        record(Kernel.PAD2D, new Object[]{x, y}, 1, new int[]{(int) total, inH, inW, c, top, left, outH, outW, xOff, yOff}, 0f, total);
    }

    @Override public void transpose(int[] inShape, int[] perm, float[] x, int xOff, float[] y, int yOff) {
        int r = inShape.length;
        checkRank(r, "transpose");
        long total = 1;
        for (int d : inShape) total *= d;
        int[] p = new int[4 + 2 * DeviceKernels.MAX_RANK];
        p[0] = (int) total;
        p[1] = r;
        p[2] = xOff;
        p[3] = yOff;
        for (int d = 0; d < r; d++) {
            int axis = perm[d], stride = 1;
            for (int i = axis + 1; i < r; i++) stride *= inShape[i];
            p[4 + d] = inShape[axis];
            p[4 + DeviceKernels.MAX_RANK + d] = stride;
        }
        record(Kernel.TRANSPOSE, new Object[]{x, y}, 1, p, 0f, total);
    }

    @Override public void channelShuffle(int rows, int c, int groups, float[] x, int xOff, float[] y, int yOff) {
        long total = (long) rows * c;
        record(Kernel.CHANNEL_SHUFFLE, new Object[]{x, y}, 1, new int[]{(int) total, c, groups, xOff, yOff}, 0f, total);
    }

    @Override public void resize(ResizeShape s, float[] x, int xOff, float[] y, int yOff, double[] scratch) {
        long total = (long) s.n() * s.outH() * s.outW() * s.c();
        Object[] maps = memory.resizeMaps(s);
        record(Kernel.RESIZE, new Object[]{maps[0], maps[1], x, y}, 3,
                new int[]{(int) total, s.c(), s.inH(), s.inW(), s.outH(), s.outW(), flag(s.bilinear()), xOff, yOff}, 0f, total);
    }

    @Override public void pwfs(int rows, int c, float[] x, int xOff, float[] y, int yOff) {
        long total = (long) rows * (c / 3);
        record(Kernel.PWFS, new Object[]{x, y}, 1, new int[]{(int) total, c, xOff, yOff}, 0f, total);
    }

    @Override public void prelu(int batch, int per, float[] x, int xOff, float[] alpha, float[] y, int yOff) {
        long total = (long) batch * per;
        record(Kernel.PRELU, new Object[]{x, alpha, y}, 2, new int[]{(int) total, per, xOff, yOff}, 0f, total);
    }

    @Override public void reduce(ReduceOp op, int[] inShape, boolean[] reduced, float[] x, int xOff, float[] y, int yOff) {
        int r = inShape.length;
        checkRank(r, "reduce");
        long outLen = 1, group = 1;
        for (int i = 0; i < r; i++) { if (reduced[i]) group *= inShape[i]; else outLen *= inShape[i]; }
        int[] p = new int[6 + 3 * DeviceKernels.MAX_RANK];
        p[0] = (int) outLen;
        p[1] = op.ordinal();
        p[2] = r;
        p[3] = xOff;
        p[4] = yOff;
        p[5] = (int) group;
        for (int d = 0; d < r; d++) p[6 + d] = inShape[d];
        for (int d = r - 1, stride = 1; d >= 0; d--) { p[6 + DeviceKernels.MAX_RANK + d] = stride; stride *= inShape[d]; }
        for (int d = 0; d < r; d++) p[6 + 2 * DeviceKernels.MAX_RANK + d] = flag(reduced[d]);
        record(Kernel.REDUCE_AXES, new Object[]{x, y}, 1, p, (float) (1.0 / group), outLen);
    }

    @Override
    public void attention(int groups, int tq, int tv, int d, float scale, float[] q, int qOff, float[] k, int kOff,
                          float[] v, int vOff, float[] y, int yOff, float[] scores) {
        long total = (long) groups * tq * d;
        record(Kernel.ATTENTION, new Object[]{q, k, v, y}, 3, new int[]{(int) total, tq, tv, d, qOff, kOff, vOff, yOff}, scale, total);
    }
}
