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
 * The sliced convolution path (small maps, long reductions: MA-Net's 7x7x512 layers at batch 1)
 * against the scalar reference, over random small maps, batches, strides, row dilations,
 * paddings, partial last tiles and every epilogue; each generated shape is checked to really
 * take that path.
 */
class SlicedConvTest {
    final Random rnd = new Random(20261129);

    float[] random(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rnd.nextGaussian();
        return a;
    }

    @Test
    void slicedPathMatchesReference() {
        Backend ref = new ScalarBackend();
        Backend[] vec = {new VectorBackend(1), new VectorBackend(2), new VectorBackend(3)};
        int checked = 0;
        for (int t = 0; t < 40; t++) {
            int k = rnd.nextBoolean() ? 3 : 1 + 2 * rnd.nextInt(2);
            int cin = (2048 + k * k - 1) / (k * k) + rnd.nextInt(40);        // a reduction of at least 2048
            int cout = ConvKernel.CB * (1 + rnd.nextInt(3));
            int sh = 1 + rnd.nextInt(2), sw = 1 + rnd.nextInt(2), dh = 1 + rnd.nextInt(2);
            int pad = rnd.nextInt(2);
            int ih = dh * (k - 1) + 1 + rnd.nextInt(8), iw = k + rnd.nextInt(8);
            ConvShape s = new ConvShape(1 + rnd.nextInt(2), ih, iw, cin, cout, k, k, sh, sw, dh, 1, pad, pad, rnd.nextInt(2), pad, 1);
            if (ConvAlgorithm.choose(s, 2, ConvKernel.CB) != ConvAlgorithm.SLICED) continue;
            checked++;
            float[] w = random((int) s.weightCount()), x = random((int) s.inputSize());
            float[] bias = rnd.nextBoolean() ? random(cout) : null;
            float[] res = rnd.nextBoolean() ? random((int) s.outputSize()) : null;
            Activation act = Activation.values()[rnd.nextInt(Activation.values().length)];
            float alpha = rnd.nextFloat();
            float[] exp = new float[(int) s.outputSize()];
            ref.conv2d(s, x, 0, ref.packConv(s, w), bias, res, 0, act, alpha, exp, 0);
            double scale = Math.sqrt((double) s.kH() * s.kW() * s.inC()) * 4;
            for (Backend v : vec) {
                float[] got = new float[exp.length];
                v.conv2d(s, ConvAlgorithm.SLICED, x, 0, v.packConv(s, w), bias, res, 0, act, alpha, got, 0);
                for (int i = 0; i < exp.length; i++)
                    assertTrue(Math.abs(exp[i] - got[i]) <= 1e-5 * scale + 1e-5 * Math.abs(exp[i]),
                            v.threads() + "t " + s + " " + act + ": element " + i + " expected " + exp[i] + " got " + got[i]);
            }
        }
        assertTrue(checked >= 20, "only " + checked + " shapes took the sliced path");
    }

    private static boolean sliced(ConvShape s) { return ConvAlgorithm.choose(s, 2, ConvKernel.CB) == ConvAlgorithm.SLICED; }

    @Test
    void slicingIsChosenOnlyWhereItsKernelsApply() {
        // MA-Net's patch-branch layer at batch 1 and 8 (8 x 7 tiles is past the tile limit).
        assertTrue(sliced(new ConvShape(1, 7, 7, 512, 512, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1)));
        assertFalse(sliced(new ConvShape(8, 7, 7, 512, 512, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1)));
        // Dilation along W, groups and partial channel blocks go to the general kernels.
        assertFalse(sliced(new ConvShape(1, 7, 9, 512, 512, 3, 3, 1, 1, 1, 2, 1, 1, 1, 1, 1)));
        assertFalse(sliced(new ConvShape(1, 7, 7, 512, 512, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2)));
        assertFalse(sliced(new ConvShape(1, 7, 7, 512, 500, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1)));
        // Short reductions do not need it.
        assertFalse(sliced(new ConvShape(1, 7, 7, 64, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1)));
    }
}
