package dev.mien.kernels;

/**
 * Geometry of a 2-D max/avg pooling window over NHWC tensors. Padding is explicit; ceil mode
 * is folded into {@code outH/outW} by the caller (use {@link #of}). For average pooling,
 * {@code countIncludePad} selects whether padded cells count in the divisor (PyTorch default
 * true; Keras/TF 'same' pooling counts only real cells). Cells past the padded input (ceil
 * mode) never count.
 */
public record PoolShape(int n, int inH, int inW, int c, int kH, int kW, int strideH, int strideW,
                        int padTop, int padLeft, int padBottom, int padRight, int outH, int outW,
                        boolean countIncludePad) {
    public PoolShape {
        if (n < 1 || inH < 1 || inW < 1 || c < 1 || kH < 1 || kW < 1 || strideH < 1 || strideW < 1
                || padTop < 0 || padLeft < 0 || padBottom < 0 || padRight < 0 || outH < 1 || outW < 1)
            throw new IllegalArgumentException("invalid pooling " + this);
    }

    /** Output size as PyTorch computes it, including its rule that a window may not start in the right/bottom padding. */
    public static PoolShape of(int n, int inH, int inW, int c, int kH, int kW, int strideH, int strideW,
                               int padTop, int padLeft, int padBottom, int padRight, boolean ceilMode,
                               boolean countIncludePad) {
        int outH = outSize(inH, kH, strideH, padTop, padBottom, ceilMode);
        int outW = outSize(inW, kW, strideW, padLeft, padRight, ceilMode);
        return new PoolShape(n, inH, inW, c, kH, kW, strideH, strideW, padTop, padLeft, padBottom, padRight,
                outH, outW, countIncludePad);
    }

    static int outSize(int in, int k, int s, int p0, int p1, boolean ceil) {
        int span = in + p0 + p1 - k;
        if (span < 0) throw new IllegalArgumentException("pool window " + k + " larger than padded input " + (in + p0 + p1));
        int out = (ceil ? (span + s - 1) / s : span / s) + 1;
        if (ceil && (out - 1) * s >= in + p0) out--;
        return out;
    }
}
