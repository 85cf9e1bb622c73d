package dev.mien.kernels.simd;

import dev.mien.kernels.Activation;
import dev.mien.kernels.Backend;
import dev.mien.kernels.ConvAlgorithm;
import dev.mien.kernels.ConvShape;
import dev.mien.kernels.ScalarBackend;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The pointwise (1x1) convolution path against the scalar reference: random and odd channel
 * counts (partial and lone channel blocks), strides 1 to 3, padding (forced), batches, offsets
 * into larger arrays, bias, residual (also in place), every activation, NaN and infinities in
 * the input; and which shapes the rule sends to it.
 */
class PointwiseConvTest {
    final Random rnd = new Random(20261130);
    static final ScalarBackend REF = new ScalarBackend();
    static final Backend[] VEC = {new VectorBackend(1), new VectorBackend(2), new VectorBackend(3)};

    float[] random(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rnd.nextGaussian();
        return a;
    }

    static ConvShape pw(int n, int h, int w, int cin, int cout, int stride, int pad) {
        return new ConvShape(n, h, w, cin, cout, 1, 1, stride, stride, 1, 1, pad, pad, pad, pad, 1);
    }

    /** NaN where the reference has NaN, the same infinity, finite values within the parity tolerance. */
    static void assertClose(float[] exp, int expOff, float[] got, int gotOff, int len, String what) {
        for (int i = 0; i < len; i++) {
            float e = exp[expOff + i], g = got[gotOff + i];
            boolean ok = Float.isNaN(e) ? Float.isNaN(g)
                    : Float.isInfinite(e) ? e == g
                    : Math.abs(e - g) <= 1e-4 + 1e-4 * Math.abs(e);
            if (!ok) fail(what + ": element " + i + " expected " + e + " got " + g);
        }
    }

    @Test
    void pointwisePathMatchesTheReference() {
        int runs = 0;
        for (int t = 0; t < 60; t++) {
            int cin = 1 + rnd.nextInt(t % 3 == 0 ? 300 : 70);
            int cout = switch (t % 4) {
                case 0 -> 66;
                case 1 -> ConvKernel.CB * (1 + rnd.nextInt(5));
                default -> 1 + rnd.nextInt(200);
            };
            int stride = 1 + rnd.nextInt(3), pad = rnd.nextInt(4) == 0 ? 1 : 0;
            ConvShape s = pw(1 + rnd.nextInt(3), 1 + rnd.nextInt(20), 1 + rnd.nextInt(20), cin, cout, stride, pad);
            float[] w = random((int) s.weightCount());
            int inOff = rnd.nextInt(5), outOff = rnd.nextInt(5);
            float[] x = random(inOff + (int) s.inputSize());
            if (t % 5 == 0) {
                // Non-finite inputs: each spoils one pixel's every output channel in the reference.
                x[inOff + rnd.nextInt((int) s.inputSize())] = Float.NaN;
                x[inOff + rnd.nextInt((int) s.inputSize())] = Float.POSITIVE_INFINITY;
                x[inOff + rnd.nextInt((int) s.inputSize())] = Float.NEGATIVE_INFINITY;
            }
            float[] bias = rnd.nextBoolean() ? random(cout) : null;
            boolean hasRes = rnd.nextBoolean(), inPlace = hasRes && rnd.nextBoolean();
            int outLen = outOff + (int) s.outputSize();
            float[] res = hasRes ? random(outLen) : null;
            Activation act = Activation.values()[rnd.nextInt(Activation.values().length)];
            float alpha = rnd.nextFloat();
            float[] exp = new float[outLen];
            REF.conv2d(s, x, inOff, REF.packConv(s, w), bias, res, outOff, act, alpha, exp, outOff);
            for (Backend v : VEC) {
                assertNull(v.refusal(s, ConvAlgorithm.POINTWISE));
                float[] got = inPlace ? res.clone() : new float[outLen];
                v.conv2d(s, ConvAlgorithm.POINTWISE, x, inOff, v.packConv(s, w), bias, inPlace ? got : res, outOff, act, alpha, got, outOff);
                assertClose(exp, outOff, got, outOff, (int) s.outputSize(),
                        v.threads() + "t " + s + " " + act + (bias != null ? " bias" : "") + (hasRes ? inPlace ? " residual in place" : " residual" : ""));
                runs++;
            }
        }
        assertEquals(180, runs);
    }

    @Test
    void realLayerShapesMatchTheReference() {
        // MA-Net's shortcuts (stride 2), PAtt-Lite / LANMSFF pointwise layers (LANMSFF's 66, 72 and 78 on a widened
        // pair, 72 -> 36 and 84 -> 42 on three vectors), fused ReLU and residual.
        ConvShape[] shapes = {pw(1, 56, 56, 64, 128, 2, 0), pw(1, 14, 14, 128, 256, 2, 0), pw(1, 7, 7, 256, 512, 1, 0),
                pw(1, 64, 64, 66, 66, 1, 0), pw(2, 14, 14, 512, 512, 1, 0), pw(1, 32, 32, 72, 36, 1, 0), pw(1, 32, 32, 72, 72, 1, 0),
                pw(1, 16, 16, 78, 78, 1, 0), pw(1, 8, 8, 84, 42, 1, 0), pw(1, 8, 8, 84, 84, 1, 0)};
        for (ConvShape s : shapes) {
            float[] w = random((int) s.weightCount()), x = random((int) s.inputSize()), bias = random(s.outC());
            float[] res = random((int) s.outputSize()), exp = new float[res.length];
            REF.conv2d(s, x, 0, REF.packConv(s, w), bias, res, 0, Activation.RELU, 0f, exp, 0);
            for (Backend v : VEC) {
                float[] got = new float[exp.length];
                v.conv2d(s, ConvAlgorithm.POINTWISE, x, 0, v.packConv(s, w), bias, res, 0, Activation.RELU, 0f, got, 0);
                assertClose(exp, 0, got, 0, exp.length, v.threads() + "t " + s);
            }
        }
    }

    @Test
    void chunksCoverEveryPixelAndShareTheWork() {
        for (int threads : new int[]{1, 2, 4}) {
            for (ConvShape s : new ConvShape[]{pw(1, 7, 7, 256, 512, 1, 0), pw(1, 56, 56, 64, 128, 2, 0), pw(1, 112, 112, 32, 64, 1, 0),
                    pw(3, 5, 3, 7, 66, 1, 0), pw(1, 1, 1, 512, 7, 1, 0)}) {
                int chunk = PointwiseKernel.chunkPixels(s, threads);
                long pixels = (long) s.n() * s.outH() * s.outW();
                assertEquals(0, chunk % PointwiseKernel.ROWS, s.toString());
                int items = PointwiseKernel.items(s, chunk);
                assertTrue((long) items / PointwiseKernel.units(s) * chunk >= pixels, s + ": " + items + " items of " + chunk + " pixels");
                // Two threads get work even on a 7x7 map (its units alone are shared out).
                if (threads > 1 && pixels * s.outC() >= 49 * 512) assertTrue(items >= 2 * threads, s + ": " + items + " items");
            }
        }
        // Channels left after the full pairs: one vector's worth or less widens the last pair's
        // tile (LANMSFF's 66, 72, 78); more forms a unit of as many vectors as they fill
        // (36, 42: three vectors; 100: a pair and three vectors; 96: a pair and a block; 49: a partial pair).
        int vl = ConvKernel.VL, cb = ConvKernel.CB;
        if (ConvKernel.NARROW) {
            // 16 registers: a unit is one block (2 vectors, 6-pixel tiles); what is left fills 1 or 2 vectors.
            assertEquals(ConvKernel.CB, PointwiseKernel.UNIT);
            assertEquals(6, PointwiseKernel.tileRows(2));
            assertEquals(3, PointwiseKernel.units(pw(1, 4, 4, 8, 2 * cb + 2, 1, 0)));
            assertEquals(2, PointwiseKernel.unitVectors(pw(1, 4, 4, 8, 2 * cb + 2, 1, 0), 1));
            assertEquals(1, PointwiseKernel.unitVectors(pw(1, 4, 4, 8, 2 * cb + 2, 1, 0), 2));
            assertEquals(2, PointwiseKernel.unitVectors(pw(1, 4, 4, 8, cb + vl + 1, 1, 0), 1));
            assertEquals(3, PointwiseKernel.units(pw(1, 4, 4, 8, 3 * cb, 1, 0)));
            assertEquals(1, PointwiseKernel.unitVectors(pw(1, 4, 4, 8, 7, 1, 0), 0));
            return;
        }
        assertEquals(2 * ConvKernel.CB, PointwiseKernel.UNIT);
        assertEquals(1, PointwiseKernel.units(pw(1, 4, 4, 8, 2 * cb + 2, 1, 0)));
        assertEquals(5, PointwiseKernel.unitVectors(pw(1, 4, 4, 8, 2 * cb + 2, 1, 0), 0));
        assertEquals(2, PointwiseKernel.units(pw(1, 4, 4, 8, 4 * cb + vl, 1, 0)));
        assertEquals(4, PointwiseKernel.unitVectors(pw(1, 4, 4, 8, 4 * cb + vl, 1, 0), 0));
        assertEquals(5, PointwiseKernel.unitVectors(pw(1, 4, 4, 8, 4 * cb + vl, 1, 0), 1));
        assertEquals(1, PointwiseKernel.units(pw(1, 4, 4, 8, cb + 4, 1, 0)));
        assertEquals(3, PointwiseKernel.unitVectors(pw(1, 4, 4, 8, cb + 4, 1, 0), 0));
        assertEquals(2, PointwiseKernel.units(pw(1, 4, 4, 8, 3 * cb + 4, 1, 0)));
        assertEquals(3, PointwiseKernel.unitVectors(pw(1, 4, 4, 8, 3 * cb + 4, 1, 0), 1));
        assertEquals(2, PointwiseKernel.unitVectors(pw(1, 4, 4, 8, 3 * cb, 1, 0), 1));
        assertEquals(4, PointwiseKernel.unitVectors(pw(1, 4, 4, 8, cb + vl + 1, 1, 0), 0));
        assertEquals(1, PointwiseKernel.unitVectors(pw(1, 4, 4, 8, 7, 1, 0), 0));
        if (ConvKernel.CB == 32) {
            assertEquals(5, PointwiseKernel.unitVectors(pw(1, 4, 4, 8, 66, 1, 0), 0));
            assertEquals(3, PointwiseKernel.unitVectors(pw(1, 4, 4, 8, 36, 1, 0), 0));
            assertEquals(3, PointwiseKernel.unitVectors(pw(1, 4, 4, 8, 42, 1, 0), 0));
        }
        // Every channel belongs to exactly one unit: the units' vectors cover outC, less than a vector over.
        for (int cout = 1; cout <= 300; cout++) {
            ConvShape s = pw(1, 2, 2, 8, cout, 1, 0);
            int covered = 0;
            for (int u = 0; u < PointwiseKernel.units(s); u++) covered = u * 2 * cb + PointwiseKernel.unitVectors(s, u) * vl;
            assertTrue(covered >= cout && covered - cout < vl, cout + " channels: units reach " + covered);
        }
    }

    @Test
    void shortReductionsOnLargerMapsTakeThePointwisePath() {
        VectorBackend v2 = (VectorBackend) VEC[1], v1 = (VectorBackend) VEC[0];
        // PAtt-Lite's pw1-pw4, LANMSFF's 66-channel pointwise, MA-Net's 56x56 and 28x28 stride-2 shortcuts.
        for (ConvShape s : new ConvShape[]{pw(1, 112, 112, 32, 64, 1, 0), pw(1, 56, 56, 64, 128, 1, 0), pw(1, 56, 56, 128, 128, 1, 0),
                pw(1, 28, 28, 128, 256, 1, 0), pw(1, 64, 64, 66, 66, 1, 0), pw(1, 56, 56, 64, 128, 2, 0), pw(1, 28, 28, 128, 256, 2, 0)}) {
            assertEquals(ConvAlgorithm.POINTWISE, v2.convAlgorithm(s), s.toString());
            assertEquals(ConvAlgorithm.POINTWISE, v1.convAlgorithm(s), s.toString());
        }
        // Long reductions on 14x14 maps too (PAtt-Lite's pw5-pw8, one and two threads); 7x7 outputs
        // at batch 1 (MA-Net's stride-2 shortcuts) stay direct, and at batch 4 are pointwise.
        assertEquals(ConvAlgorithm.POINTWISE, v2.convAlgorithm(pw(1, 14, 14, 512, 512, 1, 0)));
        assertEquals(ConvAlgorithm.POINTWISE, v1.convAlgorithm(pw(1, 28, 28, 256, 256, 1, 0)));
        assertEquals(ConvAlgorithm.DIRECT, v2.convAlgorithm(pw(1, 14, 14, 256, 512, 2, 0)));
        assertEquals(ConvAlgorithm.POINTWISE, v2.convAlgorithm(pw(4, 14, 14, 256, 512, 2, 0)));
        assertEquals(ConvAlgorithm.DIRECT, v2.convAlgorithm(pw(1, 14, 14, 128, 256, 2, 0)));
        assertEquals(ConvAlgorithm.POINTWISE, v2.convAlgorithm(pw(4, 14, 14, 128, 256, 2, 0)));
        // Tiny gates still run inline on two threads; padded 1x1, grouped 1x1 and 3x3 go elsewhere.
        assertEquals(ConvAlgorithm.INLINE, v2.convAlgorithm(pw(1, 1, 1, 512, 32, 1, 0)));
        assertEquals(ConvAlgorithm.DIRECT, v2.convAlgorithm(pw(1, 28, 28, 64, 64, 1, 1)));
        assertEquals(ConvAlgorithm.DIRECT, v2.convAlgorithm(new ConvShape(1, 28, 28, 64, 64, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 2)));
        assertNotEquals(ConvAlgorithm.POINTWISE, v2.convAlgorithm(new ConvShape(1, 28, 28, 64, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1)));
        // Forcing: allowed on any 1x1 one-group shape (padding included), refused with a reason elsewhere.
        assertNull(v2.refusal(pw(1, 28, 28, 64, 64, 1, 1), ConvAlgorithm.POINTWISE));
        assertTrue(v2.refusal(new ConvShape(1, 9, 9, 16, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1), ConvAlgorithm.POINTWISE).contains("1x1"));
        assertTrue(v2.refusal(new ConvShape(1, 9, 9, 16, 16, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 2), ConvAlgorithm.POINTWISE).contains("one group"));
        assertEquals(ConvAlgorithm.POINTWISE, ConvAlgorithm.parse("pointwise"));
    }
}
