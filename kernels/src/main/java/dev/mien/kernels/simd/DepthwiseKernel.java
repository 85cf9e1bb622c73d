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
 */
final class DepthwiseKernel {
    private DepthwiseKernel() {}

    static boolean applies(ConvShape s) { return s.isDepthwise() && s.outC() == s.inC(); }

    /** Output rows [from, to) of the batch (row = n * outH + oy). */
    static void run(ConvShape s, ConvKernel.PaddedInput in, float[] w, float[] bias, float[] res, int resOff,
                    Activation act, float alpha, float[] out, int outOff, int from, int to) {
        int c = s.inC(), oh = s.outH(), ow = s.outW(), kH = s.kH(), kW = s.kW();
        int rowStride = in.w * c;
        int full = c - c % VL;
        VectorMask<Float> tail = S.indexInRange(0, c - full);
        for (int r = from; r < to; r++) {
            int n = r / oh, oy = r % oh;
            int img = in.off + n * in.h * rowStride;
            for (int ox = 0; ox < ow; ox++) {
                int o = outOff + ((n * oh + oy) * ow + ox) * c;
                int base = img + (oy * s.strideH()) * rowStride + (ox * s.strideW()) * c;
                for (int ch = 0; ch < c; ch += VL) {
                    boolean whole = ch < full;
                    VectorMask<Float> m = whole ? null : tail;
                    FloatVector acc = FloatVector.zero(S);
                    for (int kh = 0; kh < kH; kh++) {
                        int p = base + kh * s.dilH() * rowStride + ch;
                        int wk = kh * kW * c + ch;
                        for (int kw = 0; kw < kW; kw++, p += s.dilW() * c, wk += c) {
                            FloatVector x = whole ? FloatVector.fromArray(S, in.data, p) : FloatVector.fromArray(S, in.data, p, m);
                            FloatVector wv = whole ? FloatVector.fromArray(S, w, wk) : FloatVector.fromArray(S, w, wk, m);
                            acc = x.fma(wv, acc);
                        }
                    }
                    if (whole) {
                        if (bias != null) acc = acc.add(FloatVector.fromArray(S, bias, ch));
                        if (res != null) acc = acc.add(FloatVector.fromArray(S, res, resOff + o + ch));
                        Activations.apply(acc, act, alpha).intoArray(out, o + ch);
                    } else {
                        if (bias != null) acc = acc.add(FloatVector.fromArray(S, bias, ch, m));
                        if (res != null) acc = acc.add(FloatVector.fromArray(S, res, resOff + o + ch, m));
                        Activations.apply(acc, act, alpha).intoArray(out, o + ch, m);
                    }
                }
            }
        }
    }
}
