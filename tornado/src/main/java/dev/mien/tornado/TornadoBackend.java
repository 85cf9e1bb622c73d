package dev.mien.tornado;

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
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.function.Consumer;

/**
 * The TornadoVM backend: every kernel of {@link Backend} as a device kernel ({@link
 * DeviceKernels}) on one TornadoVM device (an OpenCL or PTX GPU, or a CPU OpenCL driver such as
 * PoCL). Sessions get {@link TornadoWorkspace}s, which run each plan as one device program with
 * weights and activations resident on the device. Weights are packed once, as plain HWIO in the
 * TornadoVM arrays that are uploaded. Kernel calls on this shared handle run at once, each as a
 * program of its own.
 */
public final class TornadoBackend implements Backend {
    /** Every device kernel, by the name {@link dev.mien.kernels.Backend}'s methods are listed under. */
    public static final List<String> DEVICE_KERNELS = java.util.Arrays.stream(Kernel.values()).map(k -> k.method).toList();

    private final TornadoDevice device;
    private volatile boolean closed;

    TornadoBackend(TornadoDevice device) { this.device = device; }

    /** A backend on TornadoVM's default device, or the one {@code -Dmien.tornado.device=B:D} names. */
    public static TornadoBackend create() {
        TornadoSettings.applyDefaults();
        return new TornadoBackend(DeviceChoice.fromSettings());
    }

    TornadoDevice device() { return device; }

    /** The device, e.g. {@code pthread-skylake-avx512 (Portable Computing Language, OPENCL)}. */
    public String deviceName() { return DeviceChoice.describe(device); }

    @Override public String name() { return "tornadovm"; }
    @Override public int threads() { return 1; }
    @Override public Backend newWorkspace() {
        checkOpen();
        return new TornadoWorkspace(this);
    }
    @Override public void close() { closed = true; }

    void checkOpen() {
        if (closed) throw new IllegalStateException("the tornadovm backend is closed");
    }

    static DeviceWeights weights(PackedWeights w) {
        if (w instanceof DeviceWeights d) return d;
        throw new IllegalArgumentException("weights packed by backend '" + w.backend() + "', not 'tornadovm'");
    }

    @Override public PackedWeights packConv(ConvShape s, float[] hwio) {
        checkOpen();
        if (hwio.length != s.weightCount()) throw new IllegalArgumentException("conv weights: expected " + s.weightCount() + " values, got " + hwio.length);
        return DeviceWeights.of(hwio);
    }

    /** Saved plain HWIO weights are copied once into a device array (TornadoVM arrays carry a header, so a file slice cannot be used in place). */
    @Override public PackedWeights adoptConv(ConvShape s, String layout, MemorySegment packed) {
        return PackedLayouts.HWIO.equals(layout) && packed.byteSize() == 4 * s.weightCount() ? new DeviceWeights(FloatArray.fromSegment(packed)) : null;
    }

    @Override public PackedWeights packDense(int in, int out, float[] w) {
        checkOpen();
        if (w.length != (long) in * out) throw new IllegalArgumentException("dense weights: expected " + (long) in * out + " values, got " + w.length);
        return DeviceWeights.of(w);
    }

    @Override public PackedWeights adoptDense(int in, int out, String layout, MemorySegment packed) {
        return PackedLayouts.HWIO.equals(layout) && packed.byteSize() == 4L * in * out ? new DeviceWeights(FloatArray.fromSegment(packed)) : null;
    }

    /** One device convolution kernel computes every shape, summing in the reference's order. */
    @Override public ConvAlgorithm convAlgorithm(ConvShape s) { return ConvAlgorithm.REFERENCE; }

    @Override public String refusal(ConvShape s, ConvAlgorithm algorithm) {
        return algorithm == ConvAlgorithm.REFERENCE ? null
                : "the tornadovm backend has one device convolution (the reference's loops), not '" + algorithm.label() + "'";
    }

    private void now(Consumer<TornadoWorkspace> call) {
        checkOpen();
        try (TornadoWorkspace w = new TornadoWorkspace(this)) {
            call.accept(w);
        }
    }

    @Override
    public void conv2d(ConvShape s, ConvAlgorithm algorithm, float[] in, int inOff, PackedWeights w, float[] bias, float[] residual, int resOff,
                       Activation act, float alpha, float[] out, int outOff) {
        now(k -> k.conv2d(s, algorithm, in, inOff, w, bias, residual, resOff, act, alpha, out, outOff));
    }

    @Override
    public void convTranspose2d(ConvTransposeShape s, float[] in, int inOff, float[] w, float[] bias, Activation act, float alpha, float[] out, int outOff) {
        now(k -> k.convTranspose2d(s, in, inOff, w, bias, act, alpha, out, outOff));
    }

    @Override public void maxPool2d(PoolShape s, float[] in, int inOff, float[] out, int outOff) { now(k -> k.maxPool2d(s, in, inOff, out, outOff)); }
    @Override public void avgPool2d(PoolShape s, float[] in, int inOff, float[] out, int outOff) { now(k -> k.avgPool2d(s, in, inOff, out, outOff)); }
    @Override public void globalAvgPool(int n, int hw, int c, float[] in, int inOff, float[] out, int outOff) { now(k -> k.globalAvgPool(n, hw, c, in, inOff, out, outOff)); }
    @Override public void globalMaxPool(int n, int hw, int c, float[] in, int inOff, float[] out, int outOff) { now(k -> k.globalMaxPool(n, hw, c, in, inOff, out, outOff)); }

    @Override
    public void dense(int rows, int in, int out, float[] x, int xOff, PackedWeights w, float[] bias, Activation act, float alpha, float[] y, int yOff) {
        now(k -> k.dense(rows, in, out, x, xOff, w, bias, act, alpha, y, yOff));
    }

    @Override public void activation(Activation act, float alpha, float[] x, int xOff, float[] y, int yOff, int len) {
        now(k -> k.activation(act, alpha, x, xOff, y, yOff, len));
    }

    @Override
    public void scaleShift(int rows, int c, float[] x, int xOff, float[] scale, float[] shift, Activation act, float alpha, float[] y, int yOff) {
        now(k -> k.scaleShift(rows, c, x, xOff, scale, shift, act, alpha, y, yOff));
    }

    @Override public void softmax(int rows, int len, float[] x, int xOff, float[] y, int yOff) { now(k -> k.softmax(rows, len, x, xOff, y, yOff)); }

    @Override
    public void binary(BinaryOp op, float[] a, int aOff, int[] aShape, float[] b, int bOff, int[] bShape, float[] out, int outOff, int[] outShape) {
        now(k -> k.binary(op, a, aOff, aShape, b, bOff, bShape, out, outOff, outShape));
    }

    @Override public void reduceLastAxis(ReduceOp op, int rows, int len, float[] x, int xOff, float[] y, int yOff) {
        now(k -> k.reduceLastAxis(op, rows, len, x, xOff, y, yOff));
    }

    @Override public void copyRows(int rows, int len, float[] src, int srcOff, int srcStride, float[] dst, int dstOff, int dstStride) {
        now(k -> k.copyRows(rows, len, src, srcOff, srcStride, dst, dstOff, dstStride));
    }

    @Override
    public void pad2d(int n, int inH, int inW, int c, int top, int left, int outH, int outW, float[] x, int xOff, float[] y, int yOff) {
        now(k -> k.pad2d(n, inH, inW, c, top, left, outH, outW, x, xOff, y, yOff));
    }

    @Override public void transpose(int[] inShape, int[] perm, float[] x, int xOff, float[] y, int yOff) { now(k -> k.transpose(inShape, perm, x, xOff, y, yOff)); }
    @Override public void channelShuffle(int rows, int c, int groups, float[] x, int xOff, float[] y, int yOff) { now(k -> k.channelShuffle(rows, c, groups, x, xOff, y, yOff)); }
    @Override public void resize(ResizeShape s, float[] x, int xOff, float[] y, int yOff, double[] scratch) { now(k -> k.resize(s, x, xOff, y, yOff, scratch)); }
    @Override public void pwfs(int rows, int c, float[] x, int xOff, float[] y, int yOff) { now(k -> k.pwfs(rows, c, x, xOff, y, yOff)); }
    @Override public void prelu(int batch, int per, float[] x, int xOff, float[] alpha, float[] y, int yOff) { now(k -> k.prelu(batch, per, x, xOff, alpha, y, yOff)); }

    @Override public void reduce(ReduceOp op, int[] inShape, boolean[] reduced, float[] x, int xOff, float[] y, int yOff) {
        now(k -> k.reduce(op, inShape, reduced, x, xOff, y, yOff));
    }

    @Override
    public void attention(int groups, int tq, int tv, int d, float scale, float[] q, int qOff, float[] k, int kOff,
                          float[] v, int vOff, float[] y, int yOff, float[] scores) {
        now(w -> w.attention(groups, tq, tv, d, scale, q, qOff, k, kOff, v, vOff, y, yOff, scores));
    }
}
