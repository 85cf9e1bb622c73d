package dev.mien.ort;

/**
 * A class of convolutions that cost the same: kernel, stride, dilation, input and output map,
 * channels in and out, depthwise or not, batch. The per-class profile adds up the time of every
 * convolution of a class and divides by the class's multiply-accumulates.
 */
public record ConvClass(int kH, int kW, int stride, int dilation, int inH, int inW, int outH, int outW, int cin, int cout, boolean depthwise,
                        boolean transposed, int batch) {

    /** Multiply-accumulates of one convolution of this class. */
    public long macs() {
        // A transposed convolution scatters every input pixel through the kernel; a depthwise
        // one reads one input channel per output channel.
        if (transposed) return (long) batch * inH * inW * cin * kH * kW * cout;
        return (long) batch * outH * outW * cout * kH * kW * (depthwise ? 1 : cin);
    }

    /** e.g. {@code 3x3/2 56x56 64->128}, {@code 3x3/1 dw 14x14 512}, {@code 3x3/1 d2 32x32 36->36}. */
    public String describe() {
        String k = kH + "x" + kW + "/" + stride + (dilation > 1 ? " d" + dilation : "") + (depthwise ? " dw" : "") + (transposed ? " T" : "");
        String ch = depthwise ? Integer.toString(cin) : cin + "->" + cout;
        return k + " " + inH + "x" + inW + " " + ch;
    }
}
