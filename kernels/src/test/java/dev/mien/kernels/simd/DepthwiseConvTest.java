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
 * The depthwise kernels against the scalar reference: the 3x3 register-blocked path (strides
 * 1 to 3, dilations 1 and 2, every padding the edge code must skip, maps narrower than a
 * block, channel counts around the vector width such as LANMSFF's 66) and the generic path
 * (other kernel sizes, fewer channels than a vector), with bias, residual (also in the output buffer) and every activation,
 * on 1 and 3 threads; NaN and infinities in the input or the weights come out as the reference's.
 */
class DepthwiseConvTest {
    final Random rnd = new Random(20261130);
    static final ScalarBackend REF = new ScalarBackend();
    static final VectorBackend V1 = new VectorBackend(1), V3 = new VectorBackend(3);

    private ConvShape randomShape(boolean threeByThree) {
        int vl = ConvKernel.VL;
        int c = switch (rnd.nextInt(5)) {
            case 0 -> vl;
            case 1 -> 2 * vl + 1 + rnd.nextInt(vl - 1);   // a partial last vector
            case 2 -> 66;
            case 3 -> 2 + rnd.nextInt(vl - 1);             // narrower than a vector: the generic path
            default -> 2 + rnd.nextInt(3 * vl);
        };
        int k = threeByThree ? 3 : 1 + rnd.nextInt(5), kw = threeByThree ? 3 : 1 + rnd.nextInt(5);
        int sh = 1 + rnd.nextInt(3), sw = 1 + rnd.nextInt(3);
        int dh = rnd.nextInt(3) == 0 ? 2 : 1, dw = rnd.nextInt(3) == 0 ? 2 : 1;
        int h = 1 + rnd.nextInt(14), w = 1 + rnd.nextInt(19);
        int pt = rnd.nextInt(3), pl = rnd.nextInt(3), pb = rnd.nextInt(3), pr = rnd.nextInt(3);
        int spanH = (k - 1) * dh + 1, spanW = (kw - 1) * dw + 1;
        if (h + pt + pb < spanH) pb = spanH - h - pt;
        if (w + pl + pr < spanW) pr = spanW - w - pl;
        return new ConvShape(1 + rnd.nextInt(3), h, w, c, c, k, kw, sh, sw, dh, dw, pt, pl, pb, pr, c);
    }

    @Test
    void randomShapesMatchTheReference() {
        Activation[] acts = Activation.values();
        int runs = 0, fast = 0;
        for (int t = 0; t < 120; t++) {
            ConvShape s = randomShape(t % 4 != 0);
            if (Depthwise3x3.runs(s)) fast++;
            float[] wt = random((int) s.weightCount()), x = random((int) s.inputSize());
            float[] bias = rnd.nextBoolean() ? random(s.outC()) : null, res = rnd.nextBoolean() ? random((int) s.outputSize()) : null;
            Activation act = acts[rnd.nextInt(acts.length)];
            float alpha = 0.1f + rnd.nextFloat();
            float[] exp = new float[(int) s.outputSize()];
            REF.conv2d(s, x, 0, REF.packConv(s, wt), bias, res, 0, act, alpha, exp, 0);
            for (VectorBackend v : new VectorBackend[]{V1, V3}) {
                assertEquals(ConvAlgorithm.DEPTHWISE, v.convAlgorithm(s), s.toString());
                float[] got = new float[exp.length];
                v.conv2d(s, ConvAlgorithm.DEPTHWISE, x, 0, v.packConv(s, wt), bias, res, 0, act, alpha, got, 0);
                assertClose(exp, got, 1e-4, "depthwise " + v.threads() + "t " + s + " " + act);
                runs++;
            }
        }
        assertEquals(240, runs);
        assertTrue(fast >= 40, "only " + fast + " shapes took the 3x3 kernel");
    }

    @Test
    void theRealLayersMatchTheReference() {
        int[][] layers = {   // h, w, c, stride, pad top/left, pad bottom/right, dilation
                {112, 112, 32, 1, 1, 1, 1}, {112, 112, 64, 2, 0, 1, 1}, {14, 14, 512, 1, 1, 1, 1}, {64, 64, 66, 1, 1, 1, 1},
                {28, 28, 256, 2, 1, 1, 1}, {32, 32, 72, 1, 2, 2, 2}, {8, 8, 84, 1, 2, 2, 2}};   // ..., dilation
        for (int[] l : layers) {
            ConvShape s = new ConvShape(1, l[0], l[1], l[2], l[2], 3, 3, l[3], l[3], l[6], l[6], l[4], l[4], l[5], l[5], l[2]);
            assertTrue(Depthwise3x3.runs(s), s.toString());
            ConvChecks.matchesReference(s, ConvAlgorithm.DEPTHWISE, V3, Activation.RELU6, this::random);
        }
    }

    @Test
    void offsetsIntoLargerArraysAndAResidualElsewhere() {
        ConvShape s = new ConvShape(2, 9, 11, 37, 37, 3, 3, 2, 1, 1, 1, 1, 1, 1, 1, 37);
        ConvChecks.offsetsIntoLargerArrays(s, ConvAlgorithm.DEPTHWISE, V3, this::random);
    }

    /** A residual held in the output buffer is added once, also on the channel tail (which the kernel would otherwise recompute). */
    @Test
    void aResidualInTheOutputBufferIsAddedOnce() {
        for (int c : new int[]{ConvKernel.VL, 66, ConvKernel.VL + 3}) {
            ConvShape s = new ConvShape(2, 10, 13, c, c, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, c);
            float[] wt = random((int) s.weightCount()), bias = random(c), x = random((int) s.inputSize()), res = random((int) s.outputSize());
            float[] exp = new float[res.length];
            REF.conv2d(s, x, 0, REF.packConv(s, wt), bias, res, 0, Activation.RELU6, 0f, exp, 0);
            for (VectorBackend v : new VectorBackend[]{V1, V3}) {
                float[] inOut = res.clone();
                v.conv2d(s, ConvAlgorithm.DEPTHWISE, x, 0, v.packConv(s, wt), bias, inOut, 0, Activation.RELU6, 0f, inOut, 0);
                assertClose(exp, inOut, 1e-4, "in place, " + c + " channels, " + v.threads() + "t");
            }
        }
    }

    @Test
    void nonFiniteInputsAndWeightsComeOutAsTheReferences() {
        for (int t = 0; t < 30; t++) {
            ConvShape s = randomShape(t % 3 != 0);
            Activation act = t % 2 == 0 ? Activation.NONE : Activation.RELU6;
            ConvChecks.nonFiniteMatchesReference(s, ConvAlgorithm.DEPTHWISE, t % 4 == 3, 3, act, this::random, rnd, V1, V3);
        }
    }

    /**
     * Stride 1 and 2 with left padding 0 or 1 take the whole-row loops (steps of four, then single
     * pixels whose right columns may lie in the padding) and, at stride 1, the two-row loop where
     * four input rows are inside the image. Every width from 1 to 21 (no step, one step, steps and
     * single pixels), heights that give odd and even row counts, batch 2, and 3 threads that split
     * the rows at odd places; channel counts with a partial vector and with a residual.
     */
    @Test
    void wholeRowAndRowPairLoopsMatchTheReference() {
        int vl = ConvKernel.VL, cases = 0;
        for (int stride = 1; stride <= 2; stride++)
            for (int pl = 0; pl <= 1; pl++)
                for (int w = 1; w <= 21; w++) {
                    int c = switch (w % 4) { case 0 -> vl; case 1 -> 2 * vl; case 2 -> 66; default -> vl + 5; };
                    int h = 1 + (w * 7 + stride) % 9, pr = Math.max(1 - pl, 3 - w - pl), pb = Math.max(1, 3 - h - 1);
                    ConvShape s = new ConvShape(2, h, w, c, c, 3, 3, stride, stride, 1, 1, 1, pl, pb, pr, c);
                    assertTrue(Depthwise3x3.runs(s), s.toString());
                    float[] wt = random((int) s.weightCount()), x = random((int) s.inputSize()), bias = random(c);
                    float[] res = w % 3 == 0 ? random((int) s.outputSize()) : null;
                    Activation act = w % 2 == 0 ? Activation.RELU6 : Activation.NONE;
                    cases += ConvChecks.sameAsReference(s, ConvAlgorithm.DEPTHWISE, wt, x, bias, res, act, 0f, "depthwise", V1, V3);
                }
        assertEquals(2 * 2 * 21 * 2, cases);
    }

    /**
     * NaN and infinities in the first and last image rows and columns: the kernel reads a padding
     * row as an image row times zero taps only where that row is finite, and reads padding columns
     * as zeros only where every tap is finite, so neither may turn into NaN where the reference
     * skips the padding. Stride 1 (single rows and row pairs) and 2, with finite and infinite taps.
     */
    @Test
    void nonFiniteValuesAtTheImageEdgesComeOutAsTheReferences() {
        float[] specials = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
        int c = ConvKernel.VL + 2;
        for (int stride = 1; stride <= 2; stride++)
            for (int k = 0; k < 12; k++) {
                ConvShape s = new ConvShape(1, 8 + k % 3, 13 + k % 4, c, c, 3, 3, stride, stride, 1, 1, 1, 1, 1, 1, c);
                float[] wt = random((int) s.weightCount()), x = random((int) s.inputSize()), bias = random(c);
                int ih = s.inH(), iw = s.inW();
                int row = switch (k % 4) { case 0 -> 0; case 1 -> ih - 1; default -> rnd.nextInt(ih); };
                int col = switch (k % 4) { case 2 -> 0; case 3 -> iw - 1; default -> rnd.nextInt(iw); };
                x[(row * iw + col) * c + rnd.nextInt(c)] = specials[k % 3];
                if (k >= 6) wt[rnd.nextInt(wt.length)] = specials[(k + 1) % 3];
                float[] exp = new float[(int) s.outputSize()];
                REF.conv2d(s, x, 0, REF.packConv(s, wt), bias, null, 0, Activation.RELU6, 0f, exp, 0);
                for (VectorBackend v : new VectorBackend[]{V1, V3}) {
                    float[] got = new float[exp.length];
                    v.conv2d(s, ConvAlgorithm.DEPTHWISE, x, 0, v.packConv(s, wt), bias, null, 0, Activation.RELU6, 0f, got, 0);
                    assertClose(exp, got, 1e-4, "non-finite at row " + row + " column " + col + (k >= 6 ? " and in a tap " : " ") + v.threads() + "t " + s);
                }
            }
    }

    private float[] random(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = rnd.nextFloat() * 2 - 1;
        return a;
    }
}
