package dev.mien.kernels.simd;

import dev.mien.kernels.Activation;
import dev.mien.kernels.ConvAlgorithm;
import dev.mien.kernels.ConvShape;
import dev.mien.kernels.ScalarBackend;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The tiles on the planar-rows copy ({@link RowTileKernel}, {@link PlanarRows}) against the scalar
 * reference: random kernels, strides and dilations along both axes, asymmetric paddings, groups,
 * channel counts that leave partial and one-vector blocks, rows that end in 8-, 7- and short
 * tiles, batches, every epilogue, offsets into larger arrays and NaN/Inf; and the copy itself
 * against its definition, for rows wide enough for the register transposes and narrower.
 */
class RowsConvTest {
    final Random rnd = new Random(20261130L);
    static final VectorBackend V1 = new VectorBackend(1), V2 = new VectorBackend(2), V3 = new VectorBackend(3);

    float[] random(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rnd.nextGaussian();
        return a;
    }

    ConvShape randomShape() {
        int kh = 1 + rnd.nextInt(4), kw = 1 + rnd.nextInt(4);
        int sh = 1 + rnd.nextInt(3), sw = 1 + rnd.nextInt(3), dh = 1 + rnd.nextInt(2), dw = 1 + rnd.nextInt(3);
        int groups = rnd.nextInt(4) == 0 ? 1 + rnd.nextInt(3) : 1;
        int cin = groups * (1 + rnd.nextInt(24)), cout = groups * (1 + rnd.nextInt(rnd.nextBoolean() ? 20 : 45));
        int pt = rnd.nextInt(3), pl = rnd.nextInt(3), pb = rnd.nextInt(3), pr = rnd.nextInt(3);
        int ih = dh * (kh - 1) + 1 + rnd.nextInt(9), iw = dw * (kw - 1) + 1 + rnd.nextInt(rnd.nextBoolean() ? 10 : 40);
        return new ConvShape(1 + rnd.nextInt(3), ih, iw, cin, cout, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr, groups);
    }

    @Test
    void randomShapesMatchTheReference() {
        ScalarBackend ref = new ScalarBackend();
        for (int t = 0; t < 120; t++) {
            ConvShape s = randomShape();
            if (ConvAlgorithm.depthwise(s)) continue;
            float[] w = random((int) s.weightCount()), x = random((int) s.inputSize());
            float[] bias = rnd.nextBoolean() ? random(s.outC()) : null;
            float[] res = rnd.nextBoolean() ? random((int) s.outputSize()) : null;
            Activation act = Activation.values()[rnd.nextInt(Activation.values().length)];
            float alpha = rnd.nextFloat();
            float[] exp = new float[(int) s.outputSize()];
            ref.conv2d(s, x, 0, ref.packConv(s, w), bias, res, 0, act, alpha, exp, 0);
            for (VectorBackend v : new VectorBackend[]{V1, V2, V3}) {
                float[] got = new float[exp.length];
                v.conv2d(s, ConvAlgorithm.ROWS, x, 0, v.packConv(s, w), bias, res, 0, act, alpha, got, 0);
                WinogradConvTest.assertClose(exp, got, 1e-4, v.threads() + "t " + s + " " + act);
            }
        }
    }

    @Test
    void realLayerShapes() {
        // MA-Net's 56x56 stride-2 entry and a 7x7 patch layer at batch 2 choose rows; LANMSFF's
        // dilated 32x32x36 (Winograd F(4x4) on its phases) and its 1 -> 66 stem (the stem kernel) are
        // forced onto it, which it must still compute.
        ConvShape[] shapes = {
                new ConvShape(1, 56, 56, 64, 128, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1),
                new ConvShape(2, 7, 7, 96, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1),
                new ConvShape(1, 32, 32, 36, 36, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 1),
                new ConvShape(1, 64, 64, 1, 66, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1)};
        ConvAlgorithm[] chosen = {ConvAlgorithm.ROWS, ConvAlgorithm.ROWS, ConvAlgorithm.WINOGRAD4, ConvAlgorithm.STEM};
        for (int i = 0; i < shapes.length; i++) {
            ConvShape s = shapes[i];
            assertEquals(chosen[i], V2.convAlgorithm(s), s.toString());
            ConvChecks.matchesReference(s, ConvAlgorithm.ROWS, V2, Activation.RELU, this::random);
            ConvChecks.offsetsIntoLargerArrays(s, ConvAlgorithm.ROWS, V2, this::random);
        }
    }

    @Test
    void nonFiniteInputsAndWeightsPropagateAsInTheReference() {
        for (int t = 0; t < 12; t++) {
            ConvShape s = randomShape();
            if (ConvAlgorithm.depthwise(s)) continue;
            ConvChecks.nonFiniteMatchesReference(s, ConvAlgorithm.ROWS, false, 1 + rnd.nextInt(4), Activation.NONE, this::random, rnd, V1, V2);
            // A non-finite weight on a tap that falls in the padding: the reference skips the tap,
            // the tiles skip it only where a narrower micro-kernel fits (tapsOverThePaddingAreSkipped)
            // and otherwise multiply the copy's zero border (as the direct kernel does); unpadded here.
            ConvShape unpadded = new ConvShape(s.n(), s.inH(), s.inW(), s.inC(), s.outC(), s.kH(), s.kW(), s.strideH(), s.strideW(),
                    s.dilH(), s.dilW(), 0, 0, 0, 0, s.groups());
            ConvChecks.nonFiniteMatchesReference(unpadded, ConvAlgorithm.ROWS, true, 1 + rnd.nextInt(3), Activation.RELU, this::random, rnd, V1, V2);
        }
    }

    /**
     * Taps over the padding are skipped, whole kernel rows and a tile's first or last pixels
     * (a 6- or 7-pixel micro-kernel started inside the tile): 7- and 8-pixel tiles, stride 2,
     * dilation 2 (two padded columns), a 5x5 kernel whose outermost taps leave 5 pixels (computed
     * whole), on the direct and the sliced walk. Where every padded tap is skipped (3x3 on 7-
     * and 8-pixel tiles of two-vector blocks), a non-finite weight on a tap that meets the
     * padding gives the reference's result exactly: it multiplies no padded zero (0 x Inf).
     */
    @Test
    void tapsOverThePaddingAreSkipped() {
        int[][] dims = {   // h, w, cin, cout, k, stride, dilation, pad
                {7, 7, 32, 64, 3, 1, 1, 1}, {16, 16, 24, 64, 3, 1, 1, 1}, {56, 56, 16, 64, 3, 2, 1, 1},
                {8, 8, 20, 64, 3, 1, 2, 2}, {14, 14, 17, 64, 5, 1, 1, 2}, {7, 7, 300, 96, 3, 1, 1, 1}};
        for (int[] d : dims) {
            ConvShape s = new ConvShape(1 + rnd.nextInt(2), d[0], d[1], d[2], d[3], d[4], d[4], d[5], d[5], d[6], d[6],
                    d[7], d[7], d[7], d[7], 1);
            for (ConvAlgorithm a : new ConvAlgorithm[]{ConvAlgorithm.ROWS, ConvAlgorithm.SLICED}) {
                if (V1.refusal(s, a) != null) continue;
                ConvChecks.matchesReference(s, a, V1, Activation.NONE, this::random);
                ConvChecks.matchesReference(s, a, V2, Activation.RELU, this::random);
                if (d[4] == 3 && d[6] == 1)
                    for (int k = 0; k < 4; k++)
                        ConvChecks.nonFiniteMatchesReference(s, a, true, 1 + rnd.nextInt(3), Activation.NONE, this::random, rnd, V1, V2);
            }
        }
    }

    @Test
    void slicedBlocksOnTheCopyMatchTheReference() {
        // The sliced walk (per tap, slices of 256 channels) on 7-, 8- and odd-wide maps, stride 1 and 2.
        for (int[] d : new int[][]{{7, 7, 512, 64, 1}, {9, 9, 300, 64, 1}, {14, 14, 260, 32, 2}, {5, 8, 600, 96, 1}}) {
            ConvShape s = new ConvShape(1, d[0], d[1], d[2], d[3], 3, 3, d[4], d[4], 1, 1, 1, 1, 1, 1, 1);
            assertEquals(ConvAlgorithm.SLICED, V2.convAlgorithm(s), s.toString());
            ConvChecks.matchesReference(s, ConvAlgorithm.SLICED, V1, Activation.RELU6, this::random);
            ConvChecks.matchesReference(s, ConvAlgorithm.SLICED, V3, Activation.NONE, this::random);
        }
    }

    @Test
    void theCopyHoldsEveryPaddedPixelWhereItsDefinitionSays() {
        // Widths below, at and above 16 columns per phase (the register transposes), channels
        // below, at and past multiples of 16, strides 1-3, paddings on either side.
        int[][] dims = {{3, 7, 5, 1, 1, 0}, {4, 16, 16, 1, 0, 1}, {2, 33, 19, 2, 1, 2}, {3, 40, 48, 2, 2, 0}, {2, 70, 35, 3, 1, 1}, {2, 17, 64, 1, 0, 0}};
        for (int[] d : dims) {
            int h = d[0], w = d[1], c = d[2], sw = d[3], pl = d[4], pr = d[5];
            ConvShape s = new ConvShape(2, h, w, c, 8, 1, 3, 1, sw, 1, 1, 1, pl, 0, pr, 1);
            float[] in = random((int) s.inputSize() + 5);
            float[] p = new float[PlanarRows.planarSize(s)];
            Arrays.fill(p, Float.NaN);
            PlanarRows.copy(s, in, 5, p, 0, PlanarRows.planarRows(s));
            int hp = PlanarRows.paddedH(s), u = PlanarRows.phaseLen(s), rl = PlanarRows.rowLen(s);
            for (int n = 0; n < s.n(); n++)
                for (int y = 0; y < hp; y++)
                    for (int ch = 0; ch < c; ch++)
                        for (int ph = 0; ph < sw; ph++)
                            for (int k = 0; k < u; k++) {
                                int x = k * sw + ph - pl, iy = y - s.padTop();
                                float want = iy >= 0 && iy < h && x >= 0 && x < w ? in[5 + ((n * h + iy) * w + x) * c + ch] : 0f;
                                assertEquals(want, p[((n * hp + y) * c + ch) * rl + ph * u + k], s + ": image " + n + " row " + y + " channel " + ch + " phase " + ph + " column " + k);
                            }
        }
    }
}
