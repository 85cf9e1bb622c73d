package dev.mien.kernels;

/** A resize of an NHWC batch: both axes' source maps, and whether it interpolates (bilinear) or picks (nearest). */
public record ResizeShape(int n, int c, boolean bilinear, ResizeAxis ys, ResizeAxis xs) {
    public int inH() { return ys.in(); }
    public int inW() { return xs.in(); }
    public int outH() { return ys.out(); }
    public int outW() { return xs.out(); }

    /** Doubles of scratch a call needs: two rows interpolated along x (bilinear only). */
    public int scratchLength() { return bilinear ? 2 * outW() * c : 0; }
}
