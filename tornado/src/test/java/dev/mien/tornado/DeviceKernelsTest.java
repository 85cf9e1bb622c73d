package dev.mien.tornado;

import dev.mien.kernels.Activation;
import dev.mien.kernels.Backend;
import dev.mien.kernels.BinaryOp;
import dev.mien.kernels.ConvAlgorithm;
import dev.mien.kernels.ConvShape;
import dev.mien.kernels.ConvTransposeShape;
import dev.mien.kernels.PoolShape;
import dev.mien.kernels.ReduceOp;
import dev.mien.kernels.ResizeAxis;
import dev.mien.kernels.ResizeShape;
import dev.mien.kernels.ScalarBackend;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Every device kernel against the scalar reference on random shapes (odd sizes, strides,
 * paddings, offsets into larger arrays, NaN and infinities). Each call runs on its own, so this
 * also checks that a call leaves the rest of the array it writes as it was. Shapes are small:
 * each kernel is compiled for the device once per call.
 */
class DeviceKernelsTest {
    private final Random rnd = new Random(20261130);
    private final ScalarBackend ref = new ScalarBackend();

    private float[] random(int n, boolean specials) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = rnd.nextFloat() * 4f - 2f;
        if (specials && n > 8) {
            a[rnd.nextInt(n)] = Float.NaN;
            a[rnd.nextInt(n)] = Float.POSITIVE_INFINITY;
            a[rnd.nextInt(n)] = Float.NEGATIVE_INFINITY;
        }
        return a;
    }

    private interface Call { void on(Backend b, float[] out); }

    /** Runs {@code call} on the reference and on the device, each writing into the same random {@code out}; compares all of it. */
    private void same(String what, int outLen, Call call) {
        float[] init = random(outLen, false);
        float[] want = init.clone(), got = init.clone();
        call.on(ref, want);
        call.on(Device.backend(), got);
        for (int i = 0; i < outLen; i++) {
            float e = want[i], a = got[i];
            if (Float.isNaN(e) || Float.isNaN(a)) {
                assertTrue(Float.isNaN(e) && Float.isNaN(a), what + " [" + i + "]: expected " + e + " got " + a);
                continue;
            }
            if (Float.isInfinite(e) || Float.isInfinite(a)) {
                assertEquals(e, a, what + " [" + i + "]");
                continue;
            }
            assertTrue(Math.abs(a - e) <= 1e-4 + 1e-4 * Math.abs(e), what + " [" + i + "]: expected " + e + " got " + a);
        }
    }

    @Test
    void convolutions() {
        Backend dev = Device.backend();
        ConvShape[] shapes = {
                new ConvShape(2, 7, 9, 5, 6, 3, 3, 2, 1, 1, 1, 1, 0, 1, 1, 1),        // direct, stride, asymmetric pad
                new ConvShape(1, 6, 5, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 8),        // depthwise
                new ConvShape(1, 5, 7, 6, 10, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1),       // pointwise
                new ConvShape(1, 9, 9, 4, 6, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 2),        // dilated, grouped
        };
        Activation[] acts = {Activation.RELU, Activation.NONE, Activation.RELU6, Activation.LEAKY_RELU};
        for (int k = 0; k < shapes.length; k++) {
            ConvShape s = shapes[k];
            Activation act = acts[k];
            float[] in = random((int) s.inputSize() + 3, true), w = random((int) s.weightCount(), false), bias = random(s.outC(), false);
            float[] res = k % 2 == 0 ? random((int) s.outputSize() + 2, false) : null;
            int outLen = (int) s.outputSize() + 5;
            same("conv " + s, outLen, (b, out) -> b.conv2d(s, ConvAlgorithm.REFERENCE, in, 3, b.packConv(s, w), bias, res, res == null ? 0 : 2,
                    act, 0.1f, out, 4));
        }
        ConvTransposeShape t = new ConvTransposeShape(1, 4, 5, 3, 4, 3, 3, 2, 2, 1, 1, 7, 9);
        float[] in = random(4 * 5 * 3, false), w = random(3 * 3 * 4 * 3, false), bias = random(4, false);
        same("convTranspose", 7 * 9 * 4, (b, out) -> b.convTranspose2d(t, in, 0, w, bias, Activation.SIGMOID, 0f, out, 0));
        float[] x = random(3 * 10 + 1, true), dw = random(10 * 7, false), db = random(7, false);
        same("dense", 3 * 7 + 2, (b, out) -> b.dense(3, 10, 7, x, 1, b.packDense(10, 7, dw), db, Activation.TANH, 0f, out, 2));
        assertNotNull(dev.refusal(shapes[0], ConvAlgorithm.DIRECT), "only the reference convolution runs on the device");
    }

    @Test
    void pooling() {
        PoolShape max = PoolShape.of(2, 7, 6, 3, 3, 3, 2, 2, 1, 1, 1, 1, true, false);
        PoolShape avg = PoolShape.of(1, 6, 7, 4, 3, 2, 2, 1, 1, 0, 1, 0, false, true);
        float[] a = random(2 * 7 * 6 * 3, true), c = random(6 * 7 * 4, false);
        same("maxPool", max.n() * max.outH() * max.outW() * 3, (b, out) -> b.maxPool2d(max, a, 0, out, 0));
        same("avgPool", avg.outH() * avg.outW() * 4 + 1, (b, out) -> b.avgPool2d(avg, c, 0, out, 1));
        same("globalAvg", 2 * 5, (b, out) -> b.globalAvgPool(2, 9, 5, a, 1, out, 0));
        same("globalMax", 2 * 5, (b, out) -> b.globalMaxPool(2, 9, 5, a, 1, out, 0));
    }

    @Test
    void elementwise() {
        float[] x = random(61, true), scale = random(7, false), shift = random(7, false), slope = random(12, false);
        for (Activation act : Activation.values())
            same("activation " + act, 64, (b, out) -> b.activation(act, act == Activation.HARD_SIGMOID ? 0.2f : 0.3f, x, 1, out, 2, 57));
        same("scaleShift", 8 * 7, (b, out) -> b.scaleShift(8, 7, x, 0, scale, shift, Activation.ELU, 1f, out, 0));
        same("prelu", 5 * 12, (b, out) -> b.prelu(5, 12, x, 0, slope, out, 0));
        same("softmax", 6 * 9 + 1, (b, out) -> b.softmax(6, 9, x, 2, out, 1));
        float[] a = random(3 * 4 * 5, true), c = random(4 * 1, false);
        for (BinaryOp op : BinaryOp.values())
            same("binary " + op, 2 + 60, (b, out) -> b.binary(op, a, 0, new int[]{3, 4, 5}, c, 0, new int[]{4, 1}, out, 2, new int[]{3, 4, 5}));
        for (ReduceOp op : ReduceOp.values()) {
            same("reduceLastAxis " + op, 7, (b, out) -> b.reduceLastAxis(op, 7, 8, x, 3, out, 0));
            same("reduce " + op, 3 * 5, (b, out) -> b.reduce(op, new int[]{3, 4, 5}, new boolean[]{false, true, false}, a, 0, out, 0));
        }
        same("reduce two axes", 4, (b, out) -> b.reduce(ReduceOp.MEAN, new int[]{3, 4, 5}, new boolean[]{true, false, true}, a, 0, out, 0));
        float[] q = random(2 * 3 * 4, false), k = random(2 * 5 * 4, false), v = random(2 * 5 * 4, false);
        same("attention", 2 * 3 * 4, (b, out) -> b.attention(2, 3, 5, 4, 0.5f, q, 0, k, 0, v, 0, out, 0, new float[5]));
    }

    @Test
    void dataMovement() {
        float[] x = random(2 * 5 * 6 * 3, true);
        same("copyRows", 40, (b, out) -> b.copyRows(4, 3, x, 1, 5, out, 2, 9));
        same("pad", 2 * 8 * 9 * 3, (b, out) -> b.pad2d(2, 5, 6, 3, 2, 1, 8, 9, x, 0, out, 0));
        same("crop", 2 * 3 * 4 * 3, (b, out) -> b.pad2d(2, 5, 6, 3, -1, -1, 3, 4, x, 0, out, 0));
        same("transpose", 180, (b, out) -> b.transpose(new int[]{2, 5, 6, 3}, new int[]{0, 3, 1, 2}, x, 0, out, 0));
        same("channelShuffle", 30 * 6, (b, out) -> b.channelShuffle(30, 6, 2, x, 0, out, 0));
        same("pwfs", 20 * 3, (b, out) -> b.pwfs(20, 9, x, 0, out, 0));
        for (String mode : new String[]{"half_pixel", "align_corners", "asymmetric"})
            for (boolean bilinear : new boolean[]{true, false}) {
                ResizeShape s = new ResizeShape(2, 3, bilinear, ResizeAxis.of(5, 9, mode, bilinear), ResizeAxis.of(6, 4, mode, bilinear));
                same("resize " + mode + (bilinear ? " bilinear" : " nearest"), 2 * 9 * 4 * 3,
                        (b, out) -> b.resize(s, x, 0, out, 0, new double[s.scratchLength()]));
            }
    }
}
