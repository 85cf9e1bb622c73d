package dev.mien.kernels;

/**
 * Geometry of a 2-D transposed convolution over NHWC tensors (groups 1, dilation 1).
 * Weights follow Keras: {@code [kH][kW][outC][inC]}. Output size is given explicitly
 * (the importer resolves 'same'/'valid'/output_padding); {@code padTop/padLeft} is how much
 * of the full, uncropped output is cut off at the top/left.
 */
public record ConvTransposeShape(int n, int inH, int inW, int inC, int outC, int kH, int kW,
                                 int strideH, int strideW, int padTop, int padLeft, int outH, int outW) {
    public ConvTransposeShape {
        if (n < 1 || inH < 1 || inW < 1 || inC < 1 || outC < 1 || kH < 1 || kW < 1
                || strideH < 1 || strideW < 1 || padTop < 0 || padLeft < 0 || outH < 1 || outW < 1)
            throw new IllegalArgumentException("invalid transposed convolution " + this);
    }
    public long macs() { return (long) n * inH * inW * inC * kH * kW * outC; }
}
