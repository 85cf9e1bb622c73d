package dev.mien.kernels.simd;

import dev.mien.kernels.Activation;
import dev.mien.kernels.ConvShape;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

import java.lang.foreign.MemorySegment;

import static dev.mien.kernels.simd.ConvKernel.LE;
import static dev.mien.kernels.simd.ConvKernel.S;
import static dev.mien.kernels.simd.ConvKernel.VL;

/**
 * Depthwise convolution (one input channel per group, multiplier 1), vectorised along the
 * channels: every output pixel accumulates kH x kW contiguous channel vectors. HWIO weights
 * with one input channel per group are already [kh][kw][C], the layout this loop wants.
 * Whole vectors and the channel tail run in separate small loops so the hot one carries no
 * masks.
 */
final class DepthwiseKernel {
    private DepthwiseKernel() {}

    /**
     * Output rows [from, to) of the batch (row = n * outH + oy). The input is read in place, not
     * copied with its padding: interior pixels (window inside the image) take the unchecked fast
     * loops, border pixels a loop that skips the taps falling into the padding. Depthwise layers
     * do so little arithmetic per byte that the copy used to cost as much as the convolution.
     */
    static void run(ConvShape s, float[] x, int inOff, MemorySegment w, float[] taps, float[] bias, float[] res, int resOff,
                    Activation act, float alpha, float[] out, int outOff, int from, int to) {
        if (taps != null && Depthwise3x3.runs(s)) {
            Depthwise3x3.run(s, x, inOff, taps, bias, res, resOff, act, alpha, out, outOff, from, to);
            return;
        }
        int c = s.inC(), oh = s.outH(), ow = s.outW(), ih = s.inH(), iw = s.inW();
        int rowStride = iw * c, full = c - c % VL;
        int sh = s.strideH(), sw = s.strideW(), spanH = (s.kH() - 1) * s.dilH(), spanW = (s.kW() - 1) * s.dilW();
        // Output columns [ox0, ox1) have their whole window inside the image horizontally.
        int ox0 = Math.min(ow, (s.padLeft() + sw - 1) / sw);
        int ox1 = Math.max(ox0, Math.min(ow, Math.floorDiv(iw - 1 - spanW + s.padLeft(), sw) + 1));
        for (int r = from; r < to; r++) {
            int n = r / oh, oy = r % oh;
            int img = inOff + n * ih * rowStride;
            int y0 = oy * sh - s.padTop();
            boolean rowInside = y0 >= 0 && y0 + spanH < ih;
            int rowOut = outOff + (n * oh + oy) * ow * c;
            int ox = 0;
            if (rowInside) {
                for (; ox < ox0; ox++) border(s, x, img, y0, ox * sw - s.padLeft(), w, bias, res, resOff, out, rowOut + ox * c);
                // Four pixels at a time: four independent accumulator chains hide the FMA latency.
                for (; ox + 4 <= ox1 && full > 0; ox += 4) {
                    int o = rowOut + ox * c;
                    int base = img + y0 * rowStride + (ox * sw - s.padLeft()) * c;
                    pixels4(s, x, w, base, full, rowStride, c, bias, res, resOff, act, alpha, out, o);
                    if (full < c)
                        for (int t = 0; t < 4; t++)
                            tail(s, x, w, base + t * sw * c, full, rowStride, c, bias, res, resOff, act, alpha, out, o + t * c);
                }
                for (; ox < ox1; ox++) {
                    int o = rowOut + ox * c;
                    int base = img + y0 * rowStride + (ox * sw - s.padLeft()) * c;
                    if (full > 0) pixel(s, x, w, base, full, rowStride, c, bias, res, resOff, act, alpha, out, o);
                    if (full < c) tail(s, x, w, base, full, rowStride, c, bias, res, resOff, act, alpha, out, o);
                }
            }
            for (; ox < ow; ox++) border(s, x, img, y0, ox * sw - s.padLeft(), w, bias, res, resOff, out, rowOut + ox * c);
            // The row is still in cache: activate it in one pass (the pixel loops store raw sums).
            Activations.apply(act, alpha, out, rowOut, ow * c);
        }
    }

    /**
     * One output pixel whose window reaches into the padding: taps outside the image are
     * skipped. Masked vectors cover the channel tail too; border pixels are few.
     */
    private static void border(ConvShape s, float[] x, int img, int y0, int x0, MemorySegment w, float[] bias,
                               float[] res, int resOff, float[] out, int o) {
        int c = s.inC(), kW = s.kW(), rowStride = s.inW() * c;
        for (int ch = 0; ch < c; ch += VL) {
            VectorMask<Float> m = S.indexInRange(ch, c);
            FloatVector acc = FloatVector.zero(S);
            for (int kh = 0; kh < s.kH(); kh++) {
                int iy = y0 + kh * s.dilH();
                if (iy < 0 || iy >= s.inH()) continue;
                for (int kw = 0; kw < kW; kw++) {
                    int ix = x0 + kw * s.dilW();
                    if (ix < 0 || ix >= s.inW()) continue;
                    acc = FloatVector.fromArray(S, x, img + iy * rowStride + ix * c + ch, m)
                            .fma(FloatVector.fromMemorySegment(S, w, 4L * ((kh * kW + kw) * c + ch), LE, m), acc);
                }
            }
            if (bias != null) acc = acc.add(FloatVector.fromArray(S, bias, ch, m));
            if (res != null) acc = acc.add(FloatVector.fromArray(S, res, resOff + o + ch, m));
            acc.intoArray(out, o + ch, m);
        }
    }

    /**
     * Every whole channel vector of one output pixel. Vectors never cross a method boundary
     * here (a returned vector that C2 does not inline is boxed), so the loop stays in registers.
     */
    private static void pixel(ConvShape s, float[] x, MemorySegment w, int base, int full, int rowStride, int c, float[] bias,
                              float[] res, int resOff, Activation act, float alpha, float[] out, int o) {
        int kH = s.kH(), kW = s.kW(), dh = s.dilH() * rowStride, dw = s.dilW() * c;
        for (int ch = 0; ch < full; ch += VL) {
            FloatVector acc = FloatVector.zero(S);
            for (int kh = 0; kh < kH; kh++) {
                int p = base + ch + kh * dh, wk = kh * kW * c + ch;
                for (int kw = 0; kw < kW; kw++, p += dw, wk += c)
                    acc = FloatVector.fromArray(S, x, p).fma(FloatVector.fromMemorySegment(S, w, 4L * wk, LE), acc);
            }
            if (bias != null) acc = acc.add(FloatVector.fromArray(S, bias, ch));
            if (res != null) acc = acc.add(FloatVector.fromArray(S, res, resOff + o + ch));
            acc.intoArray(out, o + ch);
        }
    }

    /** Every whole channel vector of four consecutive output pixels. */
    private static void pixels4(ConvShape s, float[] x, MemorySegment w, int base, int full, int rowStride, int c, float[] bias,
                                float[] res, int resOff, Activation act, float alpha, float[] out, int o) {
        int kH = s.kH(), kW = s.kW(), dh = s.dilH() * rowStride, dw = s.dilW() * c, step = s.strideW() * c;
        for (int ch = 0; ch < full; ch += VL) {
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
            for (int kh = 0; kh < kH; kh++) {
                int p = base + ch + kh * dh, wk = kh * kW * c + ch;
                for (int kw = 0; kw < kW; kw++, p += dw, wk += c) {
                    FloatVector wv = FloatVector.fromMemorySegment(S, w, 4L * wk, LE);
                    a0 = FloatVector.fromArray(S, x, p).fma(wv, a0);
                    a1 = FloatVector.fromArray(S, x, p + step).fma(wv, a1);
                    a2 = FloatVector.fromArray(S, x, p + 2 * step).fma(wv, a2);
                    a3 = FloatVector.fromArray(S, x, p + 3 * step).fma(wv, a3);
                }
            }
            if (bias != null) {
                FloatVector b = FloatVector.fromArray(S, bias, ch);
                a0 = a0.add(b); a1 = a1.add(b); a2 = a2.add(b); a3 = a3.add(b);
            }
            if (res != null) {
                int r = resOff + o + ch;
                a0 = a0.add(FloatVector.fromArray(S, res, r));
                a1 = a1.add(FloatVector.fromArray(S, res, r + c));
                a2 = a2.add(FloatVector.fromArray(S, res, r + 2 * c));
                a3 = a3.add(FloatVector.fromArray(S, res, r + 3 * c));
            }
            a0.intoArray(out, o + ch);
            a1.intoArray(out, o + c + ch);
            a2.intoArray(out, o + 2 * c + ch);
            a3.intoArray(out, o + 3 * c + ch);
        }
    }

    /** The last, partial channel vector, with masked loads and store. */
    private static void tail(ConvShape s, float[] x, MemorySegment w, int base, int ch, int rowStride, int c, float[] bias,
                             float[] res, int resOff, Activation act, float alpha, float[] out, int o) {
        VectorMask<Float> m = S.indexInRange(ch, c);
        int kH = s.kH(), kW = s.kW(), dh = s.dilH() * rowStride, dw = s.dilW() * c;
        FloatVector acc = FloatVector.zero(S);
        for (int kh = 0; kh < kH; kh++) {
            int p = base + ch + kh * dh, wk = kh * kW * c + ch;
            for (int kw = 0; kw < kW; kw++, p += dw, wk += c)
                acc = FloatVector.fromArray(S, x, p, m).fma(FloatVector.fromMemorySegment(S, w, 4L * wk, LE, m), acc);
        }
        if (bias != null) acc = acc.add(FloatVector.fromArray(S, bias, ch, m));
        if (res != null) acc = acc.add(FloatVector.fromArray(S, res, resOff + o + ch, m));
        acc.intoArray(out, o + ch, m);
    }
}
