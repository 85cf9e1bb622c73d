package dev.mien.kernels.simd;

import dev.mien.kernels.Activation;
import dev.mien.kernels.ConvAlgorithm;
import dev.mien.kernels.ConvShape;
import dev.mien.kernels.ScalarBackend;

import java.util.Random;
import java.util.function.IntFunction;

import static dev.mien.kernels.simd.WinogradConvTest.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Checks shared by the kernels' tests, each against the scalar reference. {@code random} is the
 * calling test's own generator of n values, so each test keeps its data.
 */
final class ConvChecks {
    private ConvChecks() {}

    private static final ScalarBackend REF = new ScalarBackend();
    private static final float[] SPECIALS = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};

    /** Random weights, input and bias through algorithm {@code a} on {@code v}, with {@code act}. */
    static void matchesReference(ConvShape s, ConvAlgorithm a, VectorBackend v, Activation act, IntFunction<float[]> random) {
        float[] wt = random.apply((int) s.weightCount()), x = random.apply((int) s.inputSize()), bias = random.apply(s.outC());
        sameAsReference(s, a, wt, x, bias, null, act, 0f, a.label(), v);
    }

    /**
     * The given weights, input, bias and residual (either may be null) through algorithm {@code a}
     * on each backend, against the scalar reference; returns how many backends were checked.
     */
    static int sameAsReference(ConvShape s, ConvAlgorithm a, float[] wt, float[] x, float[] bias, float[] res, Activation act, float alpha,
                               String what, VectorBackend... backends) {
        float[] exp = new float[(int) s.outputSize()];
        REF.conv2d(s, x, 0, REF.packConv(s, wt), bias, res, 0, act, alpha, exp, 0);
        for (VectorBackend v : backends) {
            float[] got = new float[exp.length];
            v.conv2d(s, a, x, 0, v.packConv(s, wt), bias, res, 0, act, alpha, got, 0);
            assertClose(a, exp, got, 1e-4, what + " " + v.threads() + "t, " + s + " " + act);
        }
        return backends.length;
    }

    /** Input, output and residual at offsets into larger arrays; nothing written before the output offset. */
    static void offsetsIntoLargerArrays(ConvShape s, ConvAlgorithm a, VectorBackend v, IntFunction<float[]> random) {
        int inOff = 13, outOff = 7, resOff = 29;
        float[] wt = random.apply((int) s.weightCount()), x = random.apply((int) s.inputSize() + inOff), bias = random.apply(s.outC());
        float[] res = random.apply((int) s.outputSize() + resOff);
        float[] exp = new float[(int) s.outputSize() + outOff], got = new float[exp.length];
        REF.conv2d(s, x, inOff, REF.packConv(s, wt), bias, res, resOff, Activation.RELU, 0f, exp, outOff);
        v.conv2d(s, a, x, inOff, v.packConv(s, wt), bias, res, resOff, Activation.RELU, 0f, got, outOff);
        assertClose(a, exp, got, 1e-4, a.label() + " at offsets, " + s);
        for (int i = 0; i < outOff; i++) assertEquals(0f, got[i], "wrote before the output offset");
    }

    /**
     * {@code count} NaN/+-Inf put into the weights ({@code inWeights}) or the input at places drawn
     * from {@code rnd}, then algorithm {@code a} on each backend: the reference's NaN and Inf.
     */
    static void nonFiniteMatchesReference(ConvShape s, ConvAlgorithm a, boolean inWeights, int count, Activation act,
                                          IntFunction<float[]> random, Random rnd, VectorBackend... backends) {
        float[] wt = random.apply((int) s.weightCount()), x = random.apply((int) s.inputSize()), bias = random.apply(s.outC());
        float[] target = inWeights ? wt : x;
        for (int k = 0; k < count; k++) target[rnd.nextInt(target.length)] = SPECIALS[rnd.nextInt(SPECIALS.length)];
        float[] exp = new float[(int) s.outputSize()];
        REF.conv2d(s, x, 0, REF.packConv(s, wt), bias, null, 0, act, 0f, exp, 0);
        for (VectorBackend v : backends) {
            float[] got = new float[exp.length];
            v.conv2d(s, a, x, 0, v.packConv(s, wt), bias, null, 0, act, 0f, got, 0);
            assertClose(a, exp, got, 1e-4, "non-finite " + (inWeights ? "weights " : "input ") + v.threads() + "t " + s);
        }
    }
}
