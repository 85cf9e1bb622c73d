package dev.mien.kernels.simd;

import dev.mien.kernels.Activation;
import dev.mien.kernels.ConvAlgorithm;
import dev.mien.kernels.ConvShape;
import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static dev.mien.kernels.simd.ConvKernel.LE;
import static dev.mien.kernels.simd.ConvKernel.S;
import static dev.mien.kernels.simd.ConvKernel.VL;

/**
 * 3x3 depthwise convolution (every depthwise layer of PAtt-Lite's MobileNet and LANMSFF's
 * separable and dilated blocks), NHWC, vectorised along the channels.
 *
 * <p>Depthwise layers do 9 multiply-adds per loaded output value, so they are bound by loads
 * and memory, not by the FMA units. Four neighbouring output pixels are computed together so
 * that each loaded input column serves every output whose window covers it (undilated: 6
 * columns per kernel row for 4 outputs at stride 1 instead of 12, 9 instead of 12 at stride 2;
 * dilated or wider strides load per output), and the epilogue (bias, residual, ReLU/ReLU6
 * clamp) is applied in registers as the sums are stored: the output is written once. A kernel row that falls into the top or bottom padding
 * reads a zero row with zero weights, so the interior loop has no row cases; pixels whose
 * window crosses the left or right edge (and the last few of a row) take a one-pixel loop that
 * checks columns.
 *
 * <p>A channel count that is not a multiple of the vector length (LANMSFF's 66) ends with one
 * whole vector overlapping the previous one, recomputing a few channels to the same values,
 * instead of masked loads. Where the residual is the output buffer that recomputation would
 * add the residual twice; those calls finish the last channels with scalar code.
 */
final class Depthwise3x3 {
    private Depthwise3x3() {}

    /** Shapes this kernel takes: 3x3 with at least one whole channel vector (any stride and dilation). */
    static boolean runs(ConvShape s) { return s.kH() == 3 && s.kW() == 3 && s.inC() >= VL; }

    /**
     * The weights as this kernel reads them: [kh][kw][C] on the heap (no segment checks in the
     * loop) followed by a fourth, zero kernel row that stands in for rows in the padding; null
     * where the kernel is not 3x3 or has fewer channels than a vector.
     */
    static float[] taps(ConvShape s, MemorySegment w) {
        if (s.kH() != 3 || s.kW() != 3 || s.inC() < VL || !ConvAlgorithm.depthwise(s)) return null;
        float[] t = new float[12 * s.inC()];
        MemorySegment.copy(w, FLOAT, 0, t, 0, 9 * s.inC());
        return t;
    }

    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);

    /** A read-only row of zeros standing for input rows in the padding; grown, never written. */
    private static volatile float[] zeros = new float[0];

    private static float[] zeros(int n) {
        float[] z = zeros;
        if (z.length < n) zeros = z = new float[n];
        return z;
    }

    /** Output rows [from, to) of the batch (row = n * outH + oy). */
    static void run(ConvShape s, float[] x, int inOff, float[] w, float[] bias, float[] res, int resOff,
                    Activation act, float alpha, float[] out, int outOff, int from, int to) {
        int c = s.inC(), oh = s.outH(), ow = s.outW(), ih = s.inH(), iw = s.inW();
        int rowStride = iw * c, full = c - c % VL, sh = s.strideH(), sw = s.strideW(), pl = s.padLeft();
        int dh = s.dilH(), dw = s.dilW(), step = sw * c, dil = dw * c;
        // Stride 1 and 2 without dilation share loaded columns between outputs; other shapes load per output.
        int kind = dw == 1 && sw <= 2 ? sw : 0;
        // ReLU and ReLU6 are clamps fused into the store; other activations run over the finished row.
        float lo = act == Activation.RELU || act == Activation.RELU6 ? 0f : Float.NEGATIVE_INFINITY;
        float hi = act == Activation.RELU6 ? 6f : Float.POSITIVE_INFINITY;
        boolean later = act != Activation.NONE && act != Activation.RELU && act != Activation.RELU6;
        // A partial last vector is recomputed as the whole vector ending at c (unless that would add an in-place residual twice).
        boolean overlap = full < c && res != out;
        int last = c - VL;
        float[] zero = zeros(rowStride);
        // Output columns [ox0, ox1) have all three input columns inside the image.
        int ox0 = Math.min(ow, (pl + sw - 1) / sw);
        int ox1 = Math.max(ox0, Math.min(ow, Math.floorDiv(iw - 1 - 2 * dw + pl, sw) + 1));
        for (int r = from; r < to; r++) {
            int n = r / oh, oy = r % oh;
            int img = inOff + n * ih * rowStride, y0 = oy * sh - s.padTop();
            int y1 = y0 + dh, y2 = y1 + dh;
            boolean h0 = y0 >= 0 && y0 < ih, h1 = y1 >= 0 && y1 < ih, h2 = y2 >= 0 && y2 < ih;
            float[] x0 = h0 ? x : zero, x1 = h1 ? x : zero, x2 = h2 ? x : zero;
            int p0 = h0 ? img + y0 * rowStride : 0, p1 = h1 ? img + y1 * rowStride : 0, p2 = h2 ? img + y2 * rowStride : 0;
            // Each kernel row's first tap; a row in the padding takes the zero row of weights.
            int t0 = h0 ? 0 : 9 * c, t1 = h1 ? 3 * c : 9 * c, t2 = h2 ? 6 * c : 9 * c;
            int o = outOff + r * ow * c;
            int ox = 0;
            for (; ox < ox0; ox++) {
                pixel(x0, p0, x1, p1, x2, p2, t0, t1, t2, ox * sw - pl, dw, iw, w, c, 0, full, bias, res, resOff, lo, hi, out, o + ox * c);
                if (overlap) pixel(x0, p0, x1, p1, x2, p2, t0, t1, t2, ox * sw - pl, dw, iw, w, c, last, last + 1, bias, res, resOff, lo, hi, out, o + ox * c);
            }
            for (; ox + 4 <= ox1; ox += 4) {
                int col = (ox * sw - pl) * c, oo = o + ox * c;
                if (kind == 1) {
                    quad1(x0, p0 + col, x1, p1 + col, x2, p2 + col, t0, t1, t2, w, c, 0, full, bias, res, resOff, lo, hi, out, oo);
                    if (overlap) quad1(x0, p0 + col, x1, p1 + col, x2, p2 + col, t0, t1, t2, w, c, last, last + 1, bias, res, resOff, lo, hi, out, oo);
                } else if (kind == 0) {
                    quad(x0, p0 + col, x1, p1 + col, x2, p2 + col, t0, t1, t2, step, dil, w, c, 0, full, bias, res, resOff, lo, hi, out, oo);
                    if (overlap) quad(x0, p0 + col, x1, p1 + col, x2, p2 + col, t0, t1, t2, step, dil, w, c, last, last + 1, bias, res, resOff, lo, hi, out, oo);
                } else {
                    quad2(x0, p0 + col, x1, p1 + col, x2, p2 + col, t0, t1, t2, w, c, 0, full, bias, res, resOff, lo, hi, out, oo);
                    if (overlap) quad2(x0, p0 + col, x1, p1 + col, x2, p2 + col, t0, t1, t2, w, c, last, last + 1, bias, res, resOff, lo, hi, out, oo);
                }
            }
            for (; ox < ow; ox++) {
                pixel(x0, p0, x1, p1, x2, p2, t0, t1, t2, ox * sw - pl, dw, iw, w, c, 0, full, bias, res, resOff, lo, hi, out, o + ox * c);
                if (overlap) pixel(x0, p0, x1, p1, x2, p2, t0, t1, t2, ox * sw - pl, dw, iw, w, c, last, last + 1, bias, res, resOff, lo, hi, out, o + ox * c);
            }
            if (full < c && !overlap)
                for (ox = 0; ox < ow; ox++)
                    for (int ch = full; ch < c; ch++)
                        out[o + ox * c + ch] = scalar(x, img, y0, dh, ox * sw - pl, dw, ih, iw, w, c, ch, bias, res, resOff, lo, hi, o + ox * c);
            if (later) Activations.apply(act, alpha, out, o, ow * c);
        }
    }

    // quad2 and quad keep the kernel rows a loop: written out, quad2 has ~100 vector operations,
    // past what C2 inlines into one method (the rest stay calls that box vectors). quad1 is
    // written out (fewer loads per row): measured 5-15% faster than its loop form on PAtt-Lite's
    // 28x28x256 and 14x14x512 layers, and allocation-free.

    /**
     * Four output pixels at stride 1, channel vectors starting at [ch0, ch1): kernel row k reads
     * input columns from xk[qk] and its taps from w[tk].
     */
    private static void quad1(float[] x0, int q0, float[] x1, int q1, float[] x2, int q2, int t0, int t1, int t2,
                              float[] w, int c, int ch0, int ch1, float[] bias, float[] res, int resOff, float lo, float hi,
                              float[] out, int o) {
        for (int ch = ch0; ch < ch1; ch += VL) {
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, k0, k1, k2, v;
            int p, t;
            p = q0 + ch; t = t0 + ch;
            k0 = FloatVector.fromArray(S, w, t); k1 = FloatVector.fromArray(S, w, t + c); k2 = FloatVector.fromArray(S, w, t + 2 * c);
            v = FloatVector.fromArray(S, x0, p);         a0 = v.fma(k0, a0);
            v = FloatVector.fromArray(S, x0, p + c);     a0 = v.fma(k1, a0); a1 = v.fma(k0, a1);
            v = FloatVector.fromArray(S, x0, p + 2 * c); a0 = v.fma(k2, a0); a1 = v.fma(k1, a1); a2 = v.fma(k0, a2);
            v = FloatVector.fromArray(S, x0, p + 3 * c); a1 = v.fma(k2, a1); a2 = v.fma(k1, a2); a3 = v.fma(k0, a3);
            v = FloatVector.fromArray(S, x0, p + 4 * c); a2 = v.fma(k2, a2); a3 = v.fma(k1, a3);
            v = FloatVector.fromArray(S, x0, p + 5 * c); a3 = v.fma(k2, a3);
            p = q1 + ch; t = t1 + ch;
            k0 = FloatVector.fromArray(S, w, t); k1 = FloatVector.fromArray(S, w, t + c); k2 = FloatVector.fromArray(S, w, t + 2 * c);
            v = FloatVector.fromArray(S, x1, p);         a0 = v.fma(k0, a0);
            v = FloatVector.fromArray(S, x1, p + c);     a0 = v.fma(k1, a0); a1 = v.fma(k0, a1);
            v = FloatVector.fromArray(S, x1, p + 2 * c); a0 = v.fma(k2, a0); a1 = v.fma(k1, a1); a2 = v.fma(k0, a2);
            v = FloatVector.fromArray(S, x1, p + 3 * c); a1 = v.fma(k2, a1); a2 = v.fma(k1, a2); a3 = v.fma(k0, a3);
            v = FloatVector.fromArray(S, x1, p + 4 * c); a2 = v.fma(k2, a2); a3 = v.fma(k1, a3);
            v = FloatVector.fromArray(S, x1, p + 5 * c); a3 = v.fma(k2, a3);
            p = q2 + ch; t = t2 + ch;
            k0 = FloatVector.fromArray(S, w, t); k1 = FloatVector.fromArray(S, w, t + c); k2 = FloatVector.fromArray(S, w, t + 2 * c);
            v = FloatVector.fromArray(S, x2, p);         a0 = v.fma(k0, a0);
            v = FloatVector.fromArray(S, x2, p + c);     a0 = v.fma(k1, a0); a1 = v.fma(k0, a1);
            v = FloatVector.fromArray(S, x2, p + 2 * c); a0 = v.fma(k2, a0); a1 = v.fma(k1, a1); a2 = v.fma(k0, a2);
            v = FloatVector.fromArray(S, x2, p + 3 * c); a1 = v.fma(k2, a1); a2 = v.fma(k1, a2); a3 = v.fma(k0, a3);
            v = FloatVector.fromArray(S, x2, p + 4 * c); a2 = v.fma(k2, a2); a3 = v.fma(k1, a3);
            v = FloatVector.fromArray(S, x2, p + 5 * c); a3 = v.fma(k2, a3);
            int d = o + ch;
            if (bias != null) {
                FloatVector b = FloatVector.fromArray(S, bias, ch);
                a0 = a0.add(b); a1 = a1.add(b); a2 = a2.add(b); a3 = a3.add(b);
            }
            if (res != null) {
                a0 = a0.add(FloatVector.fromArray(S, res, resOff + d));
                a1 = a1.add(FloatVector.fromArray(S, res, resOff + d + c));
                a2 = a2.add(FloatVector.fromArray(S, res, resOff + d + 2 * c));
                a3 = a3.add(FloatVector.fromArray(S, res, resOff + d + 3 * c));
            }
            a0.max(lo).min(hi).intoArray(out, d);
            a1.max(lo).min(hi).intoArray(out, d + c);
            a2.max(lo).min(hi).intoArray(out, d + 2 * c);
            a3.max(lo).min(hi).intoArray(out, d + 3 * c);
        }
    }

    /** As {@link #quad1} at stride 2: output t reads input columns 2t, 2t+1, 2t+2. */
    private static void quad2(float[] x0, int q0, float[] x1, int q1, float[] x2, int q2, int t0, int t1, int t2,
                              float[] w, int c, int ch0, int ch1, float[] bias, float[] res, int resOff, float lo, float hi,
                              float[] out, int o) {
        for (int ch = ch0; ch < ch1; ch += VL) {
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
            for (int k = 0; k < 3; k++) {
                float[] xr = k == 0 ? x0 : k == 1 ? x1 : x2;
                int p = (k == 0 ? q0 : k == 1 ? q1 : q2) + ch, t = (k == 0 ? t0 : k == 1 ? t1 : t2) + ch;
                FloatVector k0 = FloatVector.fromArray(S, w, t), k1 = FloatVector.fromArray(S, w, t + c),
                        k2 = FloatVector.fromArray(S, w, t + 2 * c), v;
                v = FloatVector.fromArray(S, xr, p);         a0 = v.fma(k0, a0);
                v = FloatVector.fromArray(S, xr, p + c);     a0 = v.fma(k1, a0);
                v = FloatVector.fromArray(S, xr, p + 2 * c); a0 = v.fma(k2, a0); a1 = v.fma(k0, a1);
                v = FloatVector.fromArray(S, xr, p + 3 * c); a1 = v.fma(k1, a1);
                v = FloatVector.fromArray(S, xr, p + 4 * c); a1 = v.fma(k2, a1); a2 = v.fma(k0, a2);
                v = FloatVector.fromArray(S, xr, p + 5 * c); a2 = v.fma(k1, a2);
                v = FloatVector.fromArray(S, xr, p + 6 * c); a2 = v.fma(k2, a2); a3 = v.fma(k0, a3);
                v = FloatVector.fromArray(S, xr, p + 7 * c); a3 = v.fma(k1, a3);
                v = FloatVector.fromArray(S, xr, p + 8 * c); a3 = v.fma(k2, a3);
            }
            int d = o + ch;
            if (bias != null) {
                FloatVector b = FloatVector.fromArray(S, bias, ch);
                a0 = a0.add(b); a1 = a1.add(b); a2 = a2.add(b); a3 = a3.add(b);
            }
            if (res != null) {
                a0 = a0.add(FloatVector.fromArray(S, res, resOff + d));
                a1 = a1.add(FloatVector.fromArray(S, res, resOff + d + c));
                a2 = a2.add(FloatVector.fromArray(S, res, resOff + d + 2 * c));
                a3 = a3.add(FloatVector.fromArray(S, res, resOff + d + 3 * c));
            }
            a0.max(lo).min(hi).intoArray(out, d);
            a1.max(lo).min(hi).intoArray(out, d + c);
            a2.max(lo).min(hi).intoArray(out, d + 2 * c);
            a3.max(lo).min(hi).intoArray(out, d + 3 * c);
        }
    }

    /** As {@link #quad1} for any stride and dilation along W: output t's tap kw reads column t * step + kw * dil (no shared loads). */
    private static void quad(float[] x0, int q0, float[] x1, int q1, float[] x2, int q2, int t0, int t1, int t2, int step, int dil,
                             float[] w, int c, int ch0, int ch1, float[] bias, float[] res, int resOff, float lo, float hi,
                             float[] out, int o) {
        for (int ch = ch0; ch < ch1; ch += VL) {
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
            for (int k = 0; k < 3; k++) {
                float[] xr = k == 0 ? x0 : k == 1 ? x1 : x2;
                int p = (k == 0 ? q0 : k == 1 ? q1 : q2) + ch, t = (k == 0 ? t0 : k == 1 ? t1 : t2) + ch;
                for (int kw = 0; kw < 3; kw++, p += dil, t += c) {
                    FloatVector tap = FloatVector.fromArray(S, w, t);
                    a0 = FloatVector.fromArray(S, xr, p).fma(tap, a0);
                    a1 = FloatVector.fromArray(S, xr, p + step).fma(tap, a1);
                    a2 = FloatVector.fromArray(S, xr, p + 2 * step).fma(tap, a2);
                    a3 = FloatVector.fromArray(S, xr, p + 3 * step).fma(tap, a3);
                }
            }
            int d = o + ch;
            if (bias != null) {
                FloatVector b = FloatVector.fromArray(S, bias, ch);
                a0 = a0.add(b); a1 = a1.add(b); a2 = a2.add(b); a3 = a3.add(b);
            }
            if (res != null) {
                a0 = a0.add(FloatVector.fromArray(S, res, resOff + d));
                a1 = a1.add(FloatVector.fromArray(S, res, resOff + d + c));
                a2 = a2.add(FloatVector.fromArray(S, res, resOff + d + 2 * c));
                a3 = a3.add(FloatVector.fromArray(S, res, resOff + d + 3 * c));
            }
            a0.max(lo).min(hi).intoArray(out, d);
            a1.max(lo).min(hi).intoArray(out, d + c);
            a2.max(lo).min(hi).intoArray(out, d + 2 * c);
            a3.max(lo).min(hi).intoArray(out, d + 3 * c);
        }
    }

    /**
     * One output pixel whose leftmost input column is {@code ix}, channel vectors starting at
     * [ch0, ch1); columns outside the image are skipped (the edges, and a row's last few pixels).
     */
    private static void pixel(float[] x0, int p0, float[] x1, int p1, float[] x2, int p2, int t0, int t1, int t2,
                              int ix, int dw, int iw, float[] w, int c, int ch0, int ch1, float[] bias, float[] res, int resOff,
                              float lo, float hi, float[] out, int o) {
        for (int ch = ch0; ch < ch1; ch += VL) {
            FloatVector a = FloatVector.zero(S);
            for (int kw = 0; kw < 3; kw++) {
                int xx = ix + kw * dw;
                if (xx < 0 || xx >= iw) continue;
                int q = xx * c + ch, t = kw * c + ch;
                a = FloatVector.fromArray(S, x0, p0 + q).fma(FloatVector.fromArray(S, w, t0 + t), a);
                a = FloatVector.fromArray(S, x1, p1 + q).fma(FloatVector.fromArray(S, w, t1 + t), a);
                a = FloatVector.fromArray(S, x2, p2 + q).fma(FloatVector.fromArray(S, w, t2 + t), a);
            }
            if (bias != null) a = a.add(FloatVector.fromArray(S, bias, ch));
            if (res != null) a = a.add(FloatVector.fromArray(S, res, resOff + o + ch));
            a.max(lo).min(hi).intoArray(out, o + ch);
        }
    }

    /** One channel of one pixel in scalar code: the channel tail when the residual is the output buffer. */
    private static float scalar(float[] x, int img, int y0, int dh, int ix, int dw, int ih, int iw, float[] w, int c, int ch,
                                float[] bias, float[] res, int resOff, float lo, float hi, int o) {
        float a = 0f;
        for (int kh = 0; kh < 3; kh++) {
            int iy = y0 + kh * dh;
            if (iy < 0 || iy >= ih) continue;
            for (int kw = 0; kw < 3; kw++) {
                int xx = ix + kw * dw;
                if (xx >= 0 && xx < iw) a += x[img + (iy * iw + xx) * c + ch] * w[(kh * 3 + kw) * c + ch];
            }
        }
        if (bias != null) a += bias[ch];
        if (res != null) a += res[resOff + o + ch];
        return Math.min(Math.max(a, lo), hi);
    }
}
