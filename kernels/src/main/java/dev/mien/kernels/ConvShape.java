package dev.mien.kernels;

/**
 * Geometry of a 2-D convolution over NHWC tensors. Weights are HWIO:
 * {@code [kH][kW][inC/groups][outC]}; output channel {@code o} belongs to group
 * {@code o / (outC/groups)}. Padding is explicit and may be asymmetric (TF 'same').
 */
public record ConvShape(int n, int inH, int inW, int inC, int outC,
                        int kH, int kW, int strideH, int strideW, int dilH, int dilW,
                        int padTop, int padLeft, int padBottom, int padRight, int groups) {
    public ConvShape {
        if (n < 1 || inH < 1 || inW < 1 || inC < 1 || outC < 1 || kH < 1 || kW < 1
                || strideH < 1 || strideW < 1 || dilH < 1 || dilW < 1 || groups < 1
                || padTop < 0 || padLeft < 0 || padBottom < 0 || padRight < 0)
            throw new IllegalArgumentException("invalid convolution " + this);
        if (inC % groups != 0 || outC % groups != 0)
            throw new IllegalArgumentException("channels " + inC + "->" + outC + " not divisible by groups " + groups);
        // Fields are not assigned yet inside a compact constructor: use the parameters.
        if (span(inH, padTop, padBottom, dilH, kH) < 0 || span(inW, padLeft, padRight, dilW, kW) < 0)
            throw new IllegalArgumentException("convolution window larger than the padded input: in " + inH + "x" + inW
                    + ", kernel " + kH + "x" + kW + ", dilation " + dilH + "x" + dilW);
    }

    private static int span(int in, int p0, int p1, int d, int k) { return in + p0 + p1 - d * (k - 1) - 1; }

    public int outH() { return span(inH, padTop, padBottom, dilH, kH) / strideH + 1; }
    public int outW() { return span(inW, padLeft, padRight, dilW, kW) / strideW + 1; }
    public int inGroupC() { return inC / groups; }
    public int outGroupC() { return outC / groups; }
    public boolean isDepthwise() { return groups == inC && groups > 1 && inGroupC() == 1; }
    public boolean isPointwise() {
        return kH == 1 && kW == 1 && strideH == 1 && strideW == 1 && groups == 1
                && padTop == 0 && padLeft == 0 && padBottom == 0 && padRight == 0;
    }
    public long weightCount() { return (long) kH * kW * inGroupC() * outC; }
    public long inputSize() { return (long) n * inH * inW * inC; }
    public long outputSize() { return (long) n * outH() * outW() * outC; }
    /** Multiply-accumulates for the whole batch. */
    public long macs() { return (long) n * outH() * outW() * outC * kH * kW * inGroupC(); }
}
