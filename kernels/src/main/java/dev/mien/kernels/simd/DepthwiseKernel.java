package dev.mien.kernels.simd;

import dev.mien.kernels.Activation;
import dev.mien.kernels.ConvShape;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

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

    static boolean applies(ConvShape s) { return s.isDepthwise() && s.outC() == s.inC(); }

    /** Output rows [from, to) of the batch (row = n * outH + oy). */
    static void run(ConvShape s, ConvKernel.PaddedInput in, float[] w, float[] bias, float[] res, int resOff,
                    Activation act, float alpha, float[] out, int outOff, int from, int to) {
        int c = s.inC(), oh = s.outH(), ow = s.outW();
        int rowStride = in.w * c, full = c - c % VL;
        for (int r = from; r < to; r++) {
            int n = r / oh, oy = r % oh;
            int img = in.off + n * in.h * rowStride;
            for (int ox = 0; ox < ow; ox++) {
                int o = outOff + ((n * oh + oy) * ow + ox) * c;
                int base = img + (oy * s.strideH()) * rowStride + (ox * s.strideW()) * c;
                for (int ch = 0; ch < full; ch += VL) {
                    FloatVector acc = taps(s, in.data, w, base + ch, ch, rowStride, c);
                    if (bias != null) acc = acc.add(FloatVector.fromArray(S, bias, ch));
                    if (res != null) acc = acc.add(FloatVector.fromArray(S, res, resOff + o + ch));
                    Activations.apply(acc, act, alpha).intoArray(out, o + ch);
                }
                if (full < c) tail(s, in.data, w, base, full, rowStride, c, bias, res, resOff, act, alpha, out, o);
            }
        }
    }

    /** Sum over the kernel window of one whole channel vector. */
    private static FloatVector taps(ConvShape s, float[] x, float[] w, int p0, int ch, int rowStride, int c) {
        int kH = s.kH(), kW = s.kW(), dh = s.dilH() * rowStride, dw = s.dilW() * c;
        FloatVector acc = FloatVector.zero(S);
        for (int kh = 0; kh < kH; kh++) {
            int p = p0 + kh * dh, wk = kh * kW * c + ch;
            for (int kw = 0; kw < kW; kw++, p += dw, wk += c)
                acc = FloatVector.fromArray(S, x, p).fma(FloatVector.fromArray(S, w, wk), acc);
        }
        return acc;
    }

    /** The last, partial channel vector, with masked loads and store. */
    private static void tail(ConvShape s, float[] x, float[] w, int base, int ch, int rowStride, int c, float[] bias,
                             float[] res, int resOff, Activation act, float alpha, float[] out, int o) {
        VectorMask<Float> m = S.indexInRange(ch, c);
        int kH = s.kH(), kW = s.kW(), dh = s.dilH() * rowStride, dw = s.dilW() * c;
        FloatVector acc = FloatVector.zero(S);
        for (int kh = 0; kh < kH; kh++) {
            int p = base + ch + kh * dh, wk = kh * kW * c + ch;
            for (int kw = 0; kw < kW; kw++, p += dw, wk += c)
                acc = FloatVector.fromArray(S, x, p, m).fma(FloatVector.fromArray(S, w, wk, m), acc);
        }
        if (bias != null) acc = acc.add(FloatVector.fromArray(S, bias, ch, m));
        if (res != null) acc = acc.add(FloatVector.fromArray(S, res, resOff + o + ch, m));
        Activations.apply(acc, act, alpha).intoArray(out, o + ch, m);
    }
}
