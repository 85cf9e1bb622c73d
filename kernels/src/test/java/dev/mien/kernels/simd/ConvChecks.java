package dev.mien.kernels.simd;

import dev.mien.kernels.Activation;
import dev.mien.kernels.ConvAlgorithm;
import dev.mien.kernels.ConvShape;
import dev.mien.kernels.ScalarBackend;

import java.util.Random;

import static dev.mien.kernels.simd.WinogradConvTest.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Checks shared by the kernels' tests, each against the scalar reference. */
final class ConvChecks {
    private ConvChecks() {}

    /** Random weights, input and bias through algorithm {@code a} on {@code v}, with {@code act}. */
    static void matchesReference(ConvShape s, ConvAlgorithm a, VectorBackend v, Activation act, Random rnd) {
        ScalarBackend ref = new ScalarBackend();
        float[] wt = random(rnd, (int) s.weightCount()), x = random(rnd, (int) s.inputSize()), bias = random(rnd, s.outC());
        float[] exp = new float[(int) s.outputSize()], got = new float[exp.length];
        ref.conv2d(s, x, 0, ref.packConv(s, wt), bias, null, 0, act, 0f, exp, 0);
        v.conv2d(s, a, x, 0, v.packConv(s, wt), bias, null, 0, act, 0f, got, 0);
        assertClose(exp, got, 1e-4, a.label() + ", " + s);
    }

    /** Input, output and residual at offsets into larger arrays. */
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
