package dev.mien.kernels.simd;

import dev.mien.kernels.Activation;
import dev.mien.kernels.ConvAlgorithm;
import dev.mien.kernels.ConvShape;
import dev.mien.kernels.ScalarBackend;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static dev.mien.kernels.simd.WinogradConvTest.assertClose;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The stem kernel (few input channels, wide maps) against the scalar reference: random shapes
 * (kernels 1 to 7, strides 1 and 2, dilation along H, asymmetric padding, row widths that
 * are and are not a multiple of the tile, batches), bias, residual (also in the output
 * buffer) and every activation on 1 and 3 threads; NaN and infinities; which shapes choose it.
 */
class StemConvTest {
    final Random rnd = new Random(20261130);
    static final ScalarBackend REF = new ScalarBackend();
    static final VectorBackend V1 = new VectorBackend(1), V2 = new VectorBackend(2), V3 = new VectorBackend(3);

    private ConvShape randomShape() {
        int k = 1 + rnd.nextInt(7), kw = rnd.nextBoolean() ? k : 1 + rnd.nextInt(7);
        int cin = rnd.nextInt(4) == 0 ? 5 + rnd.nextInt(20) : 1 + rnd.nextInt(4);
        // Whole 32-channel blocks, or a last block with fewer real channels (LANMSFF's 66).
        int cout = rnd.nextBoolean() ? ConvKernel.CB * (1 + rnd.nextInt(3)) : 1 + rnd.nextInt(3 * ConvKernel.CB);
        int sh = 1 + rnd.nextInt(2), sw = 1 + rnd.nextInt(2), dh = 1 + rnd.nextInt(2);
        int pt = rnd.nextInt(4), pl = rnd.nextInt(4), pb = rnd.nextInt(4), pr = rnd.nextInt(4);
        int ow = ConvAlgorithm.STEM_PIXELS + rnd.nextInt(20);
        int w = Math.max(1, (ow - 1) * sw + kw - pl - pr);
        int h = Math.max(1, (k - 1) * dh + 1 - pt - pb) + rnd.nextInt(9);
        return new ConvShape(1 + rnd.nextInt(3), h, w, cin, cout, k, kw, sh, sw, dh, 1, pt, pl, pb, pr, 1);
    }

    @Test
    void randomShapesMatchTheReference() {
        Activation[] acts = Activation.values();
        int runs = 0;
        for (int t = 0; t < 60; t++) {
            ConvShape s = randomShape();
            assertNull(V1.refusal(s, ConvAlgorithm.STEM), s.toString());
            float[] wt = random((int) s.weightCount()), x = random((int) s.inputSize());
            float[] bias = rnd.nextBoolean() ? random(s.outC()) : null, res = rnd.nextBoolean() ? random((int) s.outputSize()) : null;
            Activation act = acts[rnd.nextInt(acts.length)];
            float alpha = 0.1f + rnd.nextFloat();
            runs += ConvChecks.sameAsReference(s, ConvAlgorithm.STEM, wt, x, bias, res, act, alpha, "stem", V1, V3);
        }
        assertEquals(120, runs);
    }

    @Test
    void theRealStemsMatchTheReference() {
        ConvShape manet = new ConvShape(1, 224, 224, 3, 64, 7, 7, 2, 2, 1, 1, 3, 3, 3, 3, 1);
        ConvShape patt = new ConvShape(2, 224, 224, 3, 32, 3, 3, 2, 2, 1, 1, 0, 0, 1, 1, 1);
        ConvShape lanmsff = new ConvShape(1, 64, 64, 1, 66, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1);
        for (ConvShape s : new ConvShape[]{manet, patt, lanmsff}) {
            ConvChecks.matchesReference(s, ConvAlgorithm.STEM, V2, Activation.RELU6, this::random);
        }
    }

    /** The shifted last tile of a row recomputes pixels the tile before stored: it must not add a residual held in the output twice. */
    @Test
    void aResidualInTheOutputBufferIsAddedOnce() {
        ConvShape s = new ConvShape(2, 9, 2 * (ConvAlgorithm.STEM_PIXELS + 3) + 1, 3, ConvKernel.CB, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1);
        assertNotEquals(0, s.outW() % ConvAlgorithm.STEM_PIXELS, "the row must end in a partial tile");
        float[] wt = random((int) s.weightCount()), bias = random(s.outC()), x = random((int) s.inputSize()), res = random((int) s.outputSize());
        float[] exp = new float[res.length];
        REF.conv2d(s, x, 0, REF.packConv(s, wt), bias, res, 0, Activation.NONE, 0f, exp, 0);
        for (VectorBackend v : new VectorBackend[]{V1, V3}) {
            float[] inOut = res.clone();
            v.conv2d(s, ConvAlgorithm.STEM, x, 0, v.packConv(s, wt), bias, inOut, 0, Activation.NONE, 0f, inOut, 0);
            assertClose(exp, inOut, 1e-4, "in place, " + v.threads() + "t");
        }
    }

    /** 3x3 on one input channel (gray stems) takes the row kernel with the weights in registers. */
    private ConvShape randomSingleChannel() {
        int sh = 1 + rnd.nextInt(2), sw = 1 + rnd.nextInt(2), dh = 1 + rnd.nextInt(2);
        int pt = rnd.nextInt(3), pl = rnd.nextInt(3), pb = rnd.nextInt(3), pr = rnd.nextInt(3);
        // Channels: under one vector, one vector, between one and a block, whole blocks, blocks and a tail (66).
        int vl = ConvKernel.VL, cb = ConvKernel.CB;
        int[] couts = {1 + rnd.nextInt(vl - 1), vl, vl + 1 + rnd.nextInt(cb - vl - 1), cb, 2 * cb, 2 * cb + 2, 1 + rnd.nextInt(3 * cb)};
        int cout = couts[rnd.nextInt(couts.length)];
        int ow = ConvAlgorithm.STEM_PIXELS + rnd.nextInt(20);
        int w = Math.max(1, (ow - 1) * sw + 3 - pl - pr);
        int h = Math.max(1, 2 * dh + 1 - pt - pb) + rnd.nextInt(9);
        return new ConvShape(1 + rnd.nextInt(3), h, w, 1, cout, 3, 3, sh, sw, dh, 1, pt, pl, pb, pr, 1);
    }

    @Test
    void singleChannelStemsMatchTheReference() {
        Activation[] acts = Activation.values();
        int runs = 0;
        for (int t = 0; t < 50; t++) {
            ConvShape s = randomSingleChannel();
            assertTrue(StemKernel.singleChannel(s), s.toString());
            assertNull(V1.refusal(s, ConvAlgorithm.STEM), s.toString());
            float[] wt = random((int) s.weightCount()), x = random((int) s.inputSize());
            if (t % 5 == 0) {
                x[rnd.nextInt(x.length)] = Float.NaN;
                x[rnd.nextInt(x.length)] = Float.POSITIVE_INFINITY;
            }
            float[] bias = rnd.nextBoolean() ? random(s.outC()) : null;
            boolean hasRes = rnd.nextBoolean(), inPlace = hasRes && rnd.nextBoolean();
            float[] res = hasRes ? random((int) s.outputSize()) : null;
            Activation act = acts[rnd.nextInt(acts.length)];
            float alpha = 0.1f + rnd.nextFloat();
            float[] exp = new float[(int) s.outputSize()];
            REF.conv2d(s, x, 0, REF.packConv(s, wt), bias, res, 0, act, alpha, exp, 0);
            for (VectorBackend v : new VectorBackend[]{V1, V2, V3}) {
                float[] got = inPlace ? res.clone() : new float[exp.length];
                v.conv2d(s, ConvAlgorithm.STEM, x, 0, v.packConv(s, wt), bias, inPlace ? got : res, 0, act, alpha, got, 0);
                assertClose(exp, got, 1e-4, "single-channel stem " + v.threads() + "t " + s + " " + act + (inPlace ? " residual in place" : ""));
                runs++;
            }
        }
        assertEquals(150, runs);
        assertFalse(StemKernel.singleChannel(new ConvShape(1, 64, 64, 3, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1)), "three channels");
        assertFalse(StemKernel.singleChannel(new ConvShape(1, 64, 64, 1, 32, 5, 5, 1, 1, 1, 1, 2, 2, 2, 2, 1)), "5x5");
        ConvChecks.offsetsIntoLargerArrays(new ConvShape(2, 13, 20, 1, 2 * ConvKernel.CB + 2, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1),
                ConvAlgorithm.STEM, V2, this::random);
        ConvChecks.nonFiniteMatchesReference(new ConvShape(2, 16, 12, 1, 2 * ConvKernel.CB + 2, 3, 3, 1, 1, 1, 1, 0, 0, 0, 0, 1),
                ConvAlgorithm.STEM, true, 2, Activation.RELU, this::random, rnd, V1, V3);
    }

    @Test
    void offsetsIntoLargerArrays() {
        ConvShape s = new ConvShape(2, 11, 30, 3, 2 * ConvKernel.CB, 5, 5, 2, 2, 1, 1, 2, 2, 2, 2, 1);
        ConvChecks.offsetsIntoLargerArrays(s, ConvAlgorithm.STEM, V3, this::random);
    }

    @Test
    void nonFiniteInputsAndWeightsComeOutAsTheReferences() {
        for (int t = 0; t < 16; t++) {
            boolean inWeights = t % 4 == 3;
            ConvShape s = randomShape();
            // Non-finite weights without padding: like the direct kernel, the stem multiplies the zero
            // border of its padded input copy (0 x Inf = NaN) where the reference skips the tap.
            if (inWeights)
                s = new ConvShape(s.n(), s.inH() + s.padTop() + s.padBottom(), s.inW() + s.padLeft() + s.padRight(), s.inC(), s.outC(),
                        s.kH(), s.kW(), s.strideH(), s.strideW(), s.dilH(), s.dilW(), 0, 0, 0, 0, 1);
            Activation act = t % 2 == 0 ? Activation.NONE : Activation.RELU;
            ConvChecks.nonFiniteMatchesReference(s, ConvAlgorithm.STEM, inWeights, 2, act, this::random, rnd, V1, V3);
        }
    }

    @Test
    void theStemsChooseItAndOtherShapesDoNot() {
        ConvShape manet = new ConvShape(1, 224, 224, 3, 64, 7, 7, 2, 2, 1, 1, 3, 3, 3, 3, 1);
        ConvShape patt = new ConvShape(1, 224, 224, 3, 32, 3, 3, 2, 2, 1, 1, 0, 0, 1, 1, 1);
        for (VectorBackend v : new VectorBackend[]{V1, V2}) {
            assertEquals(ConvAlgorithm.STEM, v.convAlgorithm(manet));
            assertEquals(ConvAlgorithm.STEM, v.convAlgorithm(patt));
            // LANMSFF's grayscale 3x3 -> 66: two whole 32-channel blocks and one with 2 real channels.
            assertEquals(ConvAlgorithm.STEM, v.convAlgorithm(new ConvShape(1, 64, 64, 1, 66, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1)));
            // Many input channels: the tiles on the planar copy.
            assertEquals(ConvAlgorithm.ROWS, v.convAlgorithm(new ConvShape(1, 56, 56, 64, 128, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1)));
        }
        // A CBAM-like 7x7x2 -> 1 gate: one output channel, a 7-wide map.
        assertEquals(ConvAlgorithm.ROWS, V1.convAlgorithm(new ConvShape(1, 7, 7, 2, 1, 7, 7, 1, 1, 1, 1, 3, 3, 3, 3, 1)));
        // Forced onto shapes it cannot take: refused with the reason.
        ConvShape narrow = new ConvShape(1, 5, 5, 3, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1);
        assertTrue(V1.refusal(narrow, ConvAlgorithm.STEM).contains("wide"));
        assertNull(V1.refusal(new ConvShape(1, 30, 30, 3, 48, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1), ConvAlgorithm.STEM));
        assertTrue(V1.refusal(new ConvShape(1, 30, 30, 32, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 32), ConvAlgorithm.STEM).contains("depthwise"));
        assertEquals(ConvAlgorithm.STEM, ConvAlgorithm.parse("stem"));
        // Forcing it onto a many-channel shape it can take computes the same result.
        ConvShape wide = new ConvShape(1, 12, 20, 40, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1);
        assertNull(V2.refusal(wide, ConvAlgorithm.STEM));
        float[] wt = random((int) wide.weightCount()), x = random((int) wide.inputSize());
        float[] exp = new float[(int) wide.outputSize()], got = new float[exp.length];
        REF.conv2d(wide, x, 0, REF.packConv(wide, wt), null, null, 0, Activation.NONE, 0f, exp, 0);
        V2.conv2d(wide, ConvAlgorithm.STEM, x, 0, V2.packConv(wide, wt), null, null, 0, Activation.NONE, 0f, got, 0);
        assertClose(exp, got, 1e-4, "forced");
    }

    private float[] random(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = rnd.nextFloat() * 2 - 1;
        return a;
    }
}
