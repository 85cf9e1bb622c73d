package dev.mien.kernels.simd;

import dev.mien.kernels.Activation;
import dev.mien.kernels.ConvAlgorithm;
import dev.mien.kernels.ConvShape;
import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;

import static dev.mien.kernels.simd.ConvKernel.CB;
import static dev.mien.kernels.simd.ConvKernel.LE;
import static dev.mien.kernels.simd.ConvKernel.S;
import static dev.mien.kernels.simd.ConvKernel.VL;

/**
 * The first convolution of an image network: few input channels (RGB), a large map, stride 2
 * (MA-Net's 7x7 -> 64, PAtt-Lite's 3x3 -> 32). With Cin = 3 a kernel row's receptive field
 * is only kW x 3 floats, so the direct kernel's 8-pixel tiles spend much of their time
 * walking 8 arbitrary pixels with separate offsets, and their sums go through a buffer
 * before bias and activation. Here a tile is {@link ConvAlgorithm#STEM_PIXELS} evenly spaced
 * pixels of one output row (the last tile of a row shifted left to end at the row's end,
 * storing only its new pixels) times one 32-channel block; the reduction walks each kernel
 * row's contiguous kW x Cin run of the padded input; one tile runs every channel block while
 * its inputs are in L1; bias, residual and ReLU/ReLU6 are applied as the block is stored.
 * Weights are the direct kernel's blocked packing ([block][kh][kw][ci][CB]).
 * 8 pixels x 2 vectors measured best on Zen 5 (AVX-512): at 10 or 12 pixels (20 or 24
 * accumulators) MA-Net's 7x7 stem ran 15-40% slower, presumably from register spills.
 */
final class StemKernel {
    private StemKernel() {}

    static final int P = ConvAlgorithm.STEM_PIXELS;

    /** Work items: (image, output row, tile within the row), every channel block per item. */
    static int items(ConvShape s) { return s.n() * s.outH() * tilesPerRow(s); }

    private static int tilesPerRow(ConvShape s) { return (s.outW() + P - 1) / P; }

    static void run(ConvShape s, ConvKernel.Packed pk, ConvKernel.PaddedInput in, float[] bias, float[] res, int resOff,
                    Activation act, float alpha, float[] out, int outOff, int from, int to, ConvKernel.Job j) {
        int ow = s.outW(), oh = s.outH(), outC = s.outC(), inC = s.inC(), tpr = tilesPerRow(s);
        int rowStride = in.w * inC, step = s.strideW() * inC, run = s.kW() * inC, dh = s.dilH() * rowStride;
        long blockBytes = 4L * s.kH() * run * CB;
        float lo = act == Activation.RELU || act == Activation.RELU6 ? 0f : Float.NEGATIVE_INFINITY;
        float hi = act == Activation.RELU6 ? 6f : Float.POSITIVE_INFINITY;
        boolean later = act != Activation.NONE && act != Activation.RELU && act != Activation.RELU6;
        float[] acc = j.acc(P * CB);
        for (int item = from; item < to; item++) {
            int row = item / tpr, tx = item % tpr, n = row / oh, oy = row % oh;
            // A row's last tile is shifted left to end at the row's end; it stores only the pixels the previous tile did not.
            int ox = Math.min(tx * P, ow - P), skip = tx * P - ox;
            int q = in.off + n * in.h * rowStride + oy * s.strideH() * rowStride + ox * step;
            int o = outOff + ((n * oh + oy) * ow + ox) * outC;
            for (int b = 0; b < pk.blocks(); b++) {
                if (step == 6) tileStep6(in.data, q, s.kH(), run, dh, pk.w(), b * blockBytes, acc);
                else tile(in.data, q, step, s.kH(), run, dh, pk.w(), b * blockBytes, acc);
                // Pixels [skip, P) of the tile; a last block with fewer real channels (LANMSFF's 66) stores only those.
                ConvKernel.store(acc, skip * CB, CB, P - skip, Math.min(CB, outC - b * CB), b * CB, bias, res, resOff, lo, hi, out,
                        o + skip * outC + b * CB, outC);
            }
            if (later)
                for (int t = skip; t < P; t++) Activations.apply(act, alpha, out, o + t * outC, outC);
        }
    }

    /** Sums of P pixels (input at x[q + t * step]) x CB channels into acc[t * CB + c]. */
    private static void tile(float[] x, int q, int step, int kH, int run, int dh, MemorySegment w, long wOff, float[] acc) {
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0, b4 = a0, b5 = a0, b6 = a0, b7 = a0;
        long wk = wOff;
        for (int kh = 0; kh < kH; kh++) {
            int p = q + kh * dh;
            for (int i = 0; i < run; i++, p++, wk += 4L * CB) {
                FloatVector w0 = FloatVector.fromMemorySegment(S, w, wk, LE), w1 = FloatVector.fromMemorySegment(S, w, wk + 4L * VL, LE);
                FloatVector v;
                v = FloatVector.broadcast(S, x[p]); a0 = v.fma(w0, a0); b0 = v.fma(w1, b0);
                v = FloatVector.broadcast(S, x[p + step]); a1 = v.fma(w0, a1); b1 = v.fma(w1, b1);
                v = FloatVector.broadcast(S, x[p + 2 * step]); a2 = v.fma(w0, a2); b2 = v.fma(w1, b2);
                v = FloatVector.broadcast(S, x[p + 3 * step]); a3 = v.fma(w0, a3); b3 = v.fma(w1, b3);
                v = FloatVector.broadcast(S, x[p + 4 * step]); a4 = v.fma(w0, a4); b4 = v.fma(w1, b4);
                v = FloatVector.broadcast(S, x[p + 5 * step]); a5 = v.fma(w0, a5); b5 = v.fma(w1, b5);
                v = FloatVector.broadcast(S, x[p + 6 * step]); a6 = v.fma(w0, a6); b6 = v.fma(w1, b6);
                v = FloatVector.broadcast(S, x[p + 7 * step]); a7 = v.fma(w0, a7); b7 = v.fma(w1, b7);
            }
        }
        a0.intoArray(acc, 0); b0.intoArray(acc, 0 + VL);
        a1.intoArray(acc, CB); b1.intoArray(acc, CB + VL);
        a2.intoArray(acc, 2 * CB); b2.intoArray(acc, 2 * CB + VL);
        a3.intoArray(acc, 3 * CB); b3.intoArray(acc, 3 * CB + VL);
        a4.intoArray(acc, 4 * CB); b4.intoArray(acc, 4 * CB + VL);
        a5.intoArray(acc, 5 * CB); b5.intoArray(acc, 5 * CB + VL);
        a6.intoArray(acc, 6 * CB); b6.intoArray(acc, 6 * CB + VL);
        a7.intoArray(acc, 7 * CB); b7.intoArray(acc, 7 * CB + VL);
    }

    /**
     * As {@link #tile} for step 6 (3 channels at stride 2: both RGB stems). A constant step lets
     * C2 address the eight pixels as one base plus displacements; with the step in a register it
     * computed every pixel's address apart (see PlanarRows for the same effect in the other tiles).
     */
    private static void tileStep6(float[] x, int q, int kH, int run, int dh, MemorySegment w, long wOff, float[] acc) {
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0, b4 = a0, b5 = a0, b6 = a0, b7 = a0;
        long wk = wOff;
        for (int kh = 0; kh < kH; kh++) {
            int p = q + kh * dh;
            for (int i = 0; i < run; i++, p++, wk += 4L * CB) {
                FloatVector w0 = FloatVector.fromMemorySegment(S, w, wk, LE), w1 = FloatVector.fromMemorySegment(S, w, wk + 4L * VL, LE);
                FloatVector v;
                v = FloatVector.broadcast(S, x[p]); a0 = v.fma(w0, a0); b0 = v.fma(w1, b0);
                v = FloatVector.broadcast(S, x[p + 6]); a1 = v.fma(w0, a1); b1 = v.fma(w1, b1);
                v = FloatVector.broadcast(S, x[p + 12]); a2 = v.fma(w0, a2); b2 = v.fma(w1, b2);
                v = FloatVector.broadcast(S, x[p + 18]); a3 = v.fma(w0, a3); b3 = v.fma(w1, b3);
                v = FloatVector.broadcast(S, x[p + 24]); a4 = v.fma(w0, a4); b4 = v.fma(w1, b4);
                v = FloatVector.broadcast(S, x[p + 30]); a5 = v.fma(w0, a5); b5 = v.fma(w1, b5);
                v = FloatVector.broadcast(S, x[p + 36]); a6 = v.fma(w0, a6); b6 = v.fma(w1, b6);
                v = FloatVector.broadcast(S, x[p + 42]); a7 = v.fma(w0, a7); b7 = v.fma(w1, b7);
            }
        }
        a0.intoArray(acc, 0); b0.intoArray(acc, 0 + VL);
        a1.intoArray(acc, CB); b1.intoArray(acc, CB + VL);
        a2.intoArray(acc, 2 * CB); b2.intoArray(acc, 2 * CB + VL);
        a3.intoArray(acc, 3 * CB); b3.intoArray(acc, 3 * CB + VL);
        a4.intoArray(acc, 4 * CB); b4.intoArray(acc, 4 * CB + VL);
        a5.intoArray(acc, 5 * CB); b5.intoArray(acc, 5 * CB + VL);
        a6.intoArray(acc, 6 * CB); b6.intoArray(acc, 6 * CB + VL);
        a7.intoArray(acc, 7 * CB); b7.intoArray(acc, 7 * CB + VL);
    }
}
