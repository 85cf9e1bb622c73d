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
 * A 3x3 convolution of one input channel takes a row kernel of its own ({@link #singleChannel}).
 */
final class StemKernel {
    private StemKernel() {}

    static final int P = ConvAlgorithm.STEM_PIXELS;

    /** Work items: (image, output row, tile within the row), every channel block per item; a whole row for {@link #singleChannel}. */
    static int items(ConvShape s) { return s.n() * s.outH() * (singleChannel(s) ? 1 : tilesPerRow(s)); }

    /**
     * A 3x3 convolution of a one-channel input (LANMSFF's and the default emotion network's
     * 64x64 gray stems) runs {@link #singleChannelRow}: its 9 taps x 2 weight vectors fit in
     * registers, so they are loaded once per output row and block, and each pixel's sums go
     * from the registers to the output with bias, residual and clamp. The tiles below reload the
     * weights every 8 pixels and pass their sums through a buffer, which for a 9-step reduction
     * was most of the time (LANMSFF's 64x64 1 -> 66 alone on one thread: 0.083 ms in the tiles
     * and 0.053 in the stores of 0.142).
     */
    static boolean singleChannel(ConvShape s) {
        return s.inC() == 1 && s.kH() == 3 && s.kW() == 3;
    }

    private static int tilesPerRow(ConvShape s) { return (s.outW() + P - 1) / P; }

    static void run(ConvShape s, ConvKernel.Packed pk, ConvKernel.PaddedInput in, float[] bias, float[] res, int resOff,
                    Activation act, float alpha, float[] out, int outOff, int from, int to, ConvKernel.Job j) {
        int ow = s.outW(), oh = s.outH(), outC = s.outC(), inC = s.inC(), tpr = tilesPerRow(s);
        int rowStride = in.w * inC, step = s.strideW() * inC, run = s.kW() * inC, dh = s.dilH() * rowStride;
        long blockBytes = 4L * s.kH() * run * CB;
        float lo = act == Activation.RELU || act == Activation.RELU6 ? 0f : Float.NEGATIVE_INFINITY;
        float hi = act == Activation.RELU6 ? 6f : Float.POSITIVE_INFINITY;
        boolean later = act != Activation.NONE && act != Activation.RELU && act != Activation.RELU6;
        if (singleChannel(s)) {
            float[] buf = j.acc((ow + 1) * VL);
            for (int row = from; row < to; row++) {
                int n = row / oh, oy = row % oh;
                int q = in.off + n * in.h * rowStride + oy * s.strideH() * rowStride, o = outOff + row * ow * outC;
                for (int b = 0; b < pk.blocks(); b++)
                    singleChannelRow(in.data, q, step, dh, s.dilW(), ow, pk.w(), b * blockBytes, Math.min(CB, outC - b * CB), b * CB, bias, res,
                            resOff, lo, hi, out, o, outC, buf);
                if (later)
                    for (int t = 0; t < ow; t++) Activations.apply(act, alpha, out, o + t * outC, outC);
            }
            return;
        }
        float[] acc = j.acc(P * CB);
        for (int item = from; item < to; item++) {
            int row = item / tpr, tx = item % tpr, n = row / oh, oy = row % oh;
            // A row's last tile is shifted left to end at the row's end; it stores only the pixels the previous tile did not.
            int ox = Math.min(tx * P, ow - P), skip = tx * P - ox;
            int q = in.off + n * in.h * rowStride + oy * s.strideH() * rowStride + ox * step;
            int o = outOff + ((n * oh + oy) * ow + ox) * outC;
            for (int b = 0; b < pk.blocks(); b++) {
                int valid = Math.min(CB, outC - b * CB);
                if (valid <= VL) tileOneVector(in.data, q, step, s.kH(), run, dh, pk.w(), b * blockBytes, acc);
                else if (ConvKernel.NARROW) {
                    // 16 registers: pixels [0, 4) and [4, 8) apart, 8 sums each.
                    if (step == 6) {
                        tile4Step6(in.data, q, s.kH(), run, dh, pk.w(), b * blockBytes, acc, 0);
                        tile4Step6(in.data, q + 24, s.kH(), run, dh, pk.w(), b * blockBytes, acc, 4 * CB);
                    } else {
                        tile4(in.data, q, step, s.kH(), run, dh, pk.w(), b * blockBytes, acc, 0);
                        tile4(in.data, q + 4 * step, step, s.kH(), run, dh, pk.w(), b * blockBytes, acc, 4 * CB);
                    }
                }
                else if (step == 6) tileStep6(in.data, q, s.kH(), run, dh, pk.w(), b * blockBytes, acc);
                else tile(in.data, q, step, s.kH(), run, dh, pk.w(), b * blockBytes, acc);
                // Pixels [skip, P) of the tile; a last block with fewer real channels (LANMSFF's 66) stores only those.
                ConvKernel.store(acc, skip * CB, CB, P - skip, valid, b * CB, bias, res, resOff, lo, hi, out, o + skip * outC + b * CB, outC);
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

    /** As {@link #tile} for 4 pixels, sums into acc[at + t * CB + c]: half a tile on a {@link ConvKernel#NARROW} machine. */
    private static void tile4(float[] x, int q, int step, int kH, int run, int dh, MemorySegment w, long wOff, float[] acc, int at) {
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
        FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0;
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
            }
        }
        a0.intoArray(acc, at); b0.intoArray(acc, at + VL);
        a1.intoArray(acc, at + CB); b1.intoArray(acc, at + CB + VL);
        a2.intoArray(acc, at + 2 * CB); b2.intoArray(acc, at + 2 * CB + VL);
        a3.intoArray(acc, at + 3 * CB); b3.intoArray(acc, at + 3 * CB + VL);
    }

    /** {@link #tile4} for step 6 (constant displacements, as {@link #tileStep6}), sums into acc[at + t * CB + c]: half a tile on a {@link ConvKernel#NARROW} machine. */
    private static void tile4Step6(float[] x, int q, int kH, int run, int dh, MemorySegment w, long wOff, float[] acc, int at) {
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
        FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0;
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
            }
        }
        a0.intoArray(acc, at); b0.intoArray(acc, at + VL);
        a1.intoArray(acc, at + CB); b1.intoArray(acc, at + CB + VL);
        a2.intoArray(acc, at + 2 * CB); b2.intoArray(acc, at + 2 * CB + VL);
        a3.intoArray(acc, at + 3 * CB); b3.intoArray(acc, at + 3 * CB + VL);
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

    /**
     * As {@link #tile} for a last block of at most one vector of real channels (LANMSFF's 66 =
     * 64 + 2): one weight vector and half the multiplies. Sums into acc[t * CB + c], c < VL.
     */
    private static void tileOneVector(float[] x, int q, int step, int kH, int run, int dh, MemorySegment w, long wOff, float[] acc) {
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        long wk = wOff;
        for (int kh = 0; kh < kH; kh++) {
            int p = q + kh * dh;
            for (int i = 0; i < run; i++, p++, wk += 4L * CB) {
                FloatVector w0 = FloatVector.fromMemorySegment(S, w, wk, LE);
                a0 = FloatVector.broadcast(S, x[p]).fma(w0, a0);
                a1 = FloatVector.broadcast(S, x[p + step]).fma(w0, a1);
                a2 = FloatVector.broadcast(S, x[p + 2 * step]).fma(w0, a2);
                a3 = FloatVector.broadcast(S, x[p + 3 * step]).fma(w0, a3);
                a4 = FloatVector.broadcast(S, x[p + 4 * step]).fma(w0, a4);
                a5 = FloatVector.broadcast(S, x[p + 5 * step]).fma(w0, a5);
                a6 = FloatVector.broadcast(S, x[p + 6 * step]).fma(w0, a6);
                a7 = FloatVector.broadcast(S, x[p + 7 * step]).fma(w0, a7);
            }
        }
        a0.intoArray(acc, 0);
        a1.intoArray(acc, CB);
        a2.intoArray(acc, 2 * CB);
        a3.intoArray(acc, 3 * CB);
        a4.intoArray(acc, 4 * CB);
        a5.intoArray(acc, 5 * CB);
        a6.intoArray(acc, 6 * CB);
        a7.intoArray(acc, 7 * CB);
    }

    /**
     * One output row of {@link #singleChannel}, channels [co, co + valid) (valid <= CB): pixel x
     * reads x[q + x * step + kh * dh + kw * dw] for tap (kh, kw). A partial vector (a last
     * block's) goes to {@code buf} (pixel px at px * VL) and {@link ConvKernel#store} adds the
     * residual and stores it lane by lane after the row, so no lane beyond the real channels is
     * written. Lane by lane right after its vector store, it cost half as much as the two full
     * blocks (LANMSFF's 2 channels of 66: 0.031 of 0.091 ms), the loads waiting on the store;
     * with masked loads and stores instead, the loop took 5 ms rather than 0.1 (measured, not
     * dissected). {@code buf}: (ow + 1) * VL floats, the last VL for the bias.
     */
    private static void singleChannelRow(float[] x, int q, int step, int dh, int dw, int ow, MemorySegment w, long wOff, int valid, int co,
                                         float[] bias, float[] res, int resOff, float lo, float hi, float[] out, int o, int outC, float[] buf) {
        int t0 = 0, t1 = dw, t2 = 2 * dw, t3 = dh, t4 = dh + dw, t5 = dh + 2 * dw, t6 = 2 * dh, t7 = 2 * dh + dw, t8 = 2 * dh + 2 * dw;
        long k = 4L * CB;
        FloatVector w0 = FloatVector.fromMemorySegment(S, w, wOff, LE), w1 = FloatVector.fromMemorySegment(S, w, wOff + k, LE),
                w2 = FloatVector.fromMemorySegment(S, w, wOff + 2 * k, LE), w3 = FloatVector.fromMemorySegment(S, w, wOff + 3 * k, LE),
                w4 = FloatVector.fromMemorySegment(S, w, wOff + 4 * k, LE), w5 = FloatVector.fromMemorySegment(S, w, wOff + 5 * k, LE),
                w6 = FloatVector.fromMemorySegment(S, w, wOff + 6 * k, LE), w7 = FloatVector.fromMemorySegment(S, w, wOff + 7 * k, LE),
                w8 = FloatVector.fromMemorySegment(S, w, wOff + 8 * k, LE);
        FloatVector bias0 = bias == null ? FloatVector.zero(S) : FloatVector.fromArray(S, lanes(bias, co, Math.min(valid, VL), buf, ow * VL), ow * VL);
        if (valid <= VL) {
            for (int px = 0, p = q; px < ow; px++, p += step) {
                FloatVector a = FloatVector.broadcast(S, x[p + t0]).mul(w0);
                a = FloatVector.broadcast(S, x[p + t1]).fma(w1, a);
                a = FloatVector.broadcast(S, x[p + t2]).fma(w2, a);
                a = FloatVector.broadcast(S, x[p + t3]).fma(w3, a);
                a = FloatVector.broadcast(S, x[p + t4]).fma(w4, a);
                a = FloatVector.broadcast(S, x[p + t5]).fma(w5, a);
                a = FloatVector.broadcast(S, x[p + t6]).fma(w6, a);
                a = FloatVector.broadcast(S, x[p + t7]).fma(w7, a);
                a = FloatVector.broadcast(S, x[p + t8]).fma(w8, a).add(bias0);
                int d = o + px * outC + co;
                if (valid == VL) {
                    if (res != null) a = a.add(FloatVector.fromArray(S, res, resOff + d));
                    a.max(lo).min(hi).intoArray(out, d);
                } else {
                    a.intoArray(buf, px * VL);
                }
            }
            if (valid < VL) ConvKernel.store(buf, 0, VL, ow, valid, co, null, res, resOff, lo, hi, out, o + co, outC);
            return;
        }
        long v = 4L * VL;
        FloatVector u0 = FloatVector.fromMemorySegment(S, w, wOff + v, LE), u1 = FloatVector.fromMemorySegment(S, w, wOff + k + v, LE),
                u2 = FloatVector.fromMemorySegment(S, w, wOff + 2 * k + v, LE), u3 = FloatVector.fromMemorySegment(S, w, wOff + 3 * k + v, LE),
                u4 = FloatVector.fromMemorySegment(S, w, wOff + 4 * k + v, LE), u5 = FloatVector.fromMemorySegment(S, w, wOff + 5 * k + v, LE),
                u6 = FloatVector.fromMemorySegment(S, w, wOff + 6 * k + v, LE), u7 = FloatVector.fromMemorySegment(S, w, wOff + 7 * k + v, LE),
                u8 = FloatVector.fromMemorySegment(S, w, wOff + 8 * k + v, LE);
        FloatVector bias1 = bias == null ? FloatVector.zero(S) : FloatVector.fromArray(S, lanes(bias, co + VL, valid - VL, buf, ow * VL), ow * VL);
        for (int px = 0, p = q; px < ow; px++, p += step) {
            FloatVector e = FloatVector.broadcast(S, x[p + t0]), a = e.mul(w0), c = e.mul(u0);
            e = FloatVector.broadcast(S, x[p + t1]); a = e.fma(w1, a); c = e.fma(u1, c);
            e = FloatVector.broadcast(S, x[p + t2]); a = e.fma(w2, a); c = e.fma(u2, c);
            e = FloatVector.broadcast(S, x[p + t3]); a = e.fma(w3, a); c = e.fma(u3, c);
            e = FloatVector.broadcast(S, x[p + t4]); a = e.fma(w4, a); c = e.fma(u4, c);
            e = FloatVector.broadcast(S, x[p + t5]); a = e.fma(w5, a); c = e.fma(u5, c);
            e = FloatVector.broadcast(S, x[p + t6]); a = e.fma(w6, a); c = e.fma(u6, c);
            e = FloatVector.broadcast(S, x[p + t7]); a = e.fma(w7, a); c = e.fma(u7, c);
            e = FloatVector.broadcast(S, x[p + t8]); a = e.fma(w8, a).add(bias0); c = e.fma(u8, c).add(bias1);
            int d = o + px * outC + co;
            if (res != null) a = a.add(FloatVector.fromArray(S, res, resOff + d));
            a.max(lo).min(hi).intoArray(out, d);
            if (valid == CB) {
                if (res != null) c = c.add(FloatVector.fromArray(S, res, resOff + d + VL));
                c.max(lo).min(hi).intoArray(out, d + VL);
            } else {
                c.intoArray(buf, px * VL);
            }
        }
        if (valid < CB) ConvKernel.store(buf, 0, VL, ow, valid - VL, co + VL, null, res, resOff, lo, hi, out, o + co + VL, outC);
    }

    /** a[from, from + n) in buf[at, at + VL), zeros after (n <= VL). */
    private static float[] lanes(float[] a, int from, int n, float[] buf, int at) {
        java.util.Arrays.fill(buf, at, at + VL, 0f);
        System.arraycopy(a, from, buf, at, n);
        return buf;
    }
}
