package dev.mien.kernels.simd;

import dev.mien.kernels.Activation;
import dev.mien.kernels.ConvAlgorithm;
import dev.mien.kernels.ConvShape;
import dev.mien.kernels.ScalarBackend;

import java.util.Random;

import static dev.mien.kernels.simd.WinogradConvTest.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** One check shared by the kernels' tests: input, output and residual at offsets into larger arrays, against the reference. */
final class ConvOffsetsCheck {
    private ConvOffsetsCheck() {}

    static void offsetsIntoLargerArrays(ConvShape s, ConvAlgorithm a, VectorBackend v, Random rnd) {
        ScalarBackend ref = new ScalarBackend();
        int inOff = 13, outOff = 7, resOff = 29;
        float[] wt = random(rnd, (int) s.weightCount()), x = random(rnd, (int) s.inputSize() + inOff), bias = random(rnd, s.outC());
        float[] res = random(rnd, (int) s.outputSize() + resOff);
        float[] exp = new float[(int) s.outputSize() + outOff], got = new float[exp.length];
        ref.conv2d(s, x, inOff, ref.packConv(s, wt), bias, res, resOff, Activation.RELU, 0f, exp, outOff);
        v.conv2d(s, a, x, inOff, v.packConv(s, wt), bias, res, resOff, Activation.RELU, 0f, got, outOff);
        assertClose(exp, got, 1e-4, a.label() + " at offsets, " + s);
        for (int i = 0; i < outOff; i++) assertEquals(0f, got[i], "wrote before the output offset");
    }

    private static float[] random(Random rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = rnd.nextFloat() * 2 - 1;
        return a;
    }
}
