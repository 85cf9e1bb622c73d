package dev.mien.kernels.simd;

import dev.mien.kernels.ConvShape;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * The planar-rows copy of a convolution's NHWC input that {@link RowTileKernel} reads: every
 * padded input row stored channel by channel, each channel's columns contiguous and split
 * into {@code strideW} phases (at stride 2, the even columns, then the odd ones), so that
 * neighbouring output pixels read neighbouring floats for every kernel tap:
 * {@code p[((n * Hp + y) * inC + c) * rowLen + ph * phaseLen + u]} is padded pixel
 * (y, u * strideW + ph), channel c, and zero in the padding.
 *
 * <p>The copy is a transpose of each row (pixels x channels to channels x pixels). Done one
 * float at a time it cost ~0.5 ns per float, 15-20% of a 1x1 convolution; blocks of 16 pixels
 * x 16 channels transposed in registers (four rounds of two-vector lane rearrangements) bring
 * that to ~0.2 ns. Rows with fewer than 16 pixels per phase (7x7 maps) go pixel by pixel,
 * reading each pixel's channels in order.
 */
final class PlanarRows {
    private PlanarRows() {}

    /** Floats past the copy's end that a partial tile's unused pixels may read. */
    static final int SLACK = ConvKernel.TW;

    static final VectorSpecies<Float> S16 = FloatVector.SPECIES_512;
    /** Block side of the register transpose: one 512-bit vector of floats. */
    static final int B = 16;
    /**
     * Lane selections of the four transpose rounds (round k swaps bit 8 >> k of the row with the
     * same bit of the column): LOW[k] keeps the first row's lanes with the bit clear and takes the
     * second row's shifted ones (exceptional, negative indexes select from the second vector),
     * HIGH[k] the converse.
     */
    private static final VectorShuffle<Float>[] LOW = shuffles(true), HIGH = shuffles(false);

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Float>[] shuffles(boolean low) {
        VectorShuffle<Float>[] r = new VectorShuffle[4];
        for (int k = 0; k < 4; k++) {
            int bit = 8 >> k;
            int[] idx = new int[B];
            for (int col = 0; col < B; col++)
                idx[col] = low ? ((col & bit) == 0 ? col : col - bit - B) : ((col & bit) == 0 ? col + bit : col - B);
            r[k] = VectorShuffle.fromArray(S16, idx, 0);
        }
        return r;
    }

    /** Whether this machine's vectors are 16 floats wide (AVX-512): otherwise every row goes pixel by pixel. */
    private static final boolean TRANSPOSES = ConvKernel.VL == B;

    static int paddedH(ConvShape s) { return s.inH() + s.padTop() + s.padBottom(); }

    /** Columns per phase of a padded row. */
    static int phaseLen(ConvShape s) {
        int wp = s.inW() + s.padLeft() + s.padRight();
        return (wp + s.strideW() - 1) / s.strideW();
    }

    /** Floats per channel of a padded row: every phase's columns. */
    static int rowLen(ConvShape s) { return s.strideW() * phaseLen(s); }

    /** Floats of the copy of one call's input (batch included), slack included. */
    static int planarSize(ConvShape s) { return s.n() * paddedH(s) * s.inC() * rowLen(s) + SLACK; }

    /** Padded rows of the copy (over the batch): its work items. */
    static int planarRows(ConvShape s) { return s.n() * paddedH(s); }

    /** Writes padded rows [from, to) of the copy. */
    static void copy(ConvShape s, float[] in, int inOff, float[] p, int from, int to) {
        int hp = paddedH(s), inC = s.inC(), inW = s.inW(), sw = s.strideW(), pl = s.padLeft(), u = phaseLen(s), rl = sw * u;
        for (int r = from; r < to; r++) {
            int n = r / hp, y = r % hp - s.padTop(), d = r * inC * rl;
            if (y < 0 || y >= s.inH()) {
                Arrays.fill(p, d, d + inC * rl, 0f);
                continue;
            }
            int src = inOff + (n * s.inH() + y) * inW * inC;
            for (int ph = 0; ph < sw; ph++) {
                // Columns u of this phase with a real pixel: pl <= u * sw + ph < pl + inW.
                int lo = Math.max(0, (pl - ph + sw - 1) / sw), hi = Math.min(u, Math.max(lo, (pl + inW - ph + sw - 1) / sw));
                int first = src + (lo * sw + ph - pl) * inC, step = sw * inC, dph = d + ph * u;
                if (lo > 0 || hi < u)   // the padding columns of every channel: a few floats each, plain loops
                    for (int c = 0, dc = dph; c < inC; c++, dc += rl) {
                        for (int k = 0; k < lo; k++) p[dc + k] = 0f;
                        for (int k = hi; k < u; k++) p[dc + k] = 0f;
                    }
                if (TRANSPOSES && hi - lo >= B) blocks(in, first, step, inC, p, dph, rl, lo, hi);
                else pixels(in, first, step, inC, p, dph, rl, lo, hi);
            }
        }
    }

    /** Columns [lo, hi) of one phase, pixel by pixel: each pixel's channels read in order. */
    private static void pixels(float[] in, int first, int step, int inC, float[] p, int dph, int rl, int lo, int hi) {
        for (int k = lo, i = first; k < hi; k++, i += step)
            for (int c = 0, o = dph + k; c < inC; c++, o += rl) p[o] = in[i + c];
    }

    /**
     * Columns [lo, hi) of one phase (at least 16) in 16 x 16 blocks; the last block overlaps the
     * one before it (rewriting the same values) instead of a scalar tail. Channels past the last
     * multiple of 16 go one by one.
     */
    private static void blocks(float[] in, int first, int step, int inC, float[] p, int dph, int rl, int lo, int hi) {
        int whole = inC - inC % B;
        for (int k0 = lo; k0 < hi; k0 += B) {
            int k = Math.min(k0, hi - B), i0 = first + (k - lo) * step;
            for (int c = 0; c < whole; c += B) transpose16(in, i0 + c, step, p, dph + c * rl + k, rl);
            for (int c = whole; c < inC; c++)
                for (int q = 0, i = i0 + c, o = dph + c * rl + k; q < B; q++, i += step) p[o + q] = in[i];
        }
    }

    /**
     * The 16 x 16 block at in[i + row * step + col] (rows: pixels, columns: channels) written
     * transposed to p[o + col * rl + row]. Each round pairs rows a bit apart and exchanges their
     * off-diagonal halves; all sixteen rows stay in registers.
     */
    private static void transpose16(float[] in, int i, int step, float[] p, int o, int rl) {
        FloatVector r0 = FloatVector.fromArray(S16, in, i), r1 = FloatVector.fromArray(S16, in, i + step),
                r2 = FloatVector.fromArray(S16, in, i + 2 * step), r3 = FloatVector.fromArray(S16, in, i + 3 * step),
                r4 = FloatVector.fromArray(S16, in, i + 4 * step), r5 = FloatVector.fromArray(S16, in, i + 5 * step),
                r6 = FloatVector.fromArray(S16, in, i + 6 * step), r7 = FloatVector.fromArray(S16, in, i + 7 * step),
                r8 = FloatVector.fromArray(S16, in, i + 8 * step), r9 = FloatVector.fromArray(S16, in, i + 9 * step),
                r10 = FloatVector.fromArray(S16, in, i + 10 * step), r11 = FloatVector.fromArray(S16, in, i + 11 * step),
                r12 = FloatVector.fromArray(S16, in, i + 12 * step), r13 = FloatVector.fromArray(S16, in, i + 13 * step),
                r14 = FloatVector.fromArray(S16, in, i + 14 * step), r15 = FloatVector.fromArray(S16, in, i + 15 * step);
        VectorShuffle<Float> lo = LOW[0], hi = HIGH[0];
        FloatVector t;
        t = r0.rearrange(lo, r8); r8 = r0.rearrange(hi, r8); r0 = t;
        t = r1.rearrange(lo, r9); r9 = r1.rearrange(hi, r9); r1 = t;
        t = r2.rearrange(lo, r10); r10 = r2.rearrange(hi, r10); r2 = t;
        t = r3.rearrange(lo, r11); r11 = r3.rearrange(hi, r11); r3 = t;
        t = r4.rearrange(lo, r12); r12 = r4.rearrange(hi, r12); r4 = t;
        t = r5.rearrange(lo, r13); r13 = r5.rearrange(hi, r13); r5 = t;
        t = r6.rearrange(lo, r14); r14 = r6.rearrange(hi, r14); r6 = t;
        t = r7.rearrange(lo, r15); r15 = r7.rearrange(hi, r15); r7 = t;
        lo = LOW[1];
        hi = HIGH[1];
        t = r0.rearrange(lo, r4); r4 = r0.rearrange(hi, r4); r0 = t;
        t = r1.rearrange(lo, r5); r5 = r1.rearrange(hi, r5); r1 = t;
        t = r2.rearrange(lo, r6); r6 = r2.rearrange(hi, r6); r2 = t;
        t = r3.rearrange(lo, r7); r7 = r3.rearrange(hi, r7); r3 = t;
        t = r8.rearrange(lo, r12); r12 = r8.rearrange(hi, r12); r8 = t;
        t = r9.rearrange(lo, r13); r13 = r9.rearrange(hi, r13); r9 = t;
        t = r10.rearrange(lo, r14); r14 = r10.rearrange(hi, r14); r10 = t;
        t = r11.rearrange(lo, r15); r15 = r11.rearrange(hi, r15); r11 = t;
        lo = LOW[2];
        hi = HIGH[2];
        t = r0.rearrange(lo, r2); r2 = r0.rearrange(hi, r2); r0 = t;
        t = r1.rearrange(lo, r3); r3 = r1.rearrange(hi, r3); r1 = t;
        t = r4.rearrange(lo, r6); r6 = r4.rearrange(hi, r6); r4 = t;
        t = r5.rearrange(lo, r7); r7 = r5.rearrange(hi, r7); r5 = t;
        t = r8.rearrange(lo, r10); r10 = r8.rearrange(hi, r10); r8 = t;
        t = r9.rearrange(lo, r11); r11 = r9.rearrange(hi, r11); r9 = t;
        t = r12.rearrange(lo, r14); r14 = r12.rearrange(hi, r14); r12 = t;
        t = r13.rearrange(lo, r15); r15 = r13.rearrange(hi, r15); r13 = t;
        lo = LOW[3];
        hi = HIGH[3];
        t = r0.rearrange(lo, r1); r1 = r0.rearrange(hi, r1); r0 = t;
        t = r2.rearrange(lo, r3); r3 = r2.rearrange(hi, r3); r2 = t;
        t = r4.rearrange(lo, r5); r5 = r4.rearrange(hi, r5); r4 = t;
        t = r6.rearrange(lo, r7); r7 = r6.rearrange(hi, r7); r6 = t;
        t = r8.rearrange(lo, r9); r9 = r8.rearrange(hi, r9); r8 = t;
        t = r10.rearrange(lo, r11); r11 = r10.rearrange(hi, r11); r10 = t;
        t = r12.rearrange(lo, r13); r13 = r12.rearrange(hi, r13); r12 = t;
        t = r14.rearrange(lo, r15); r15 = r14.rearrange(hi, r15); r14 = t;
        r0.intoArray(p, o); r1.intoArray(p, o + rl); r2.intoArray(p, o + 2 * rl); r3.intoArray(p, o + 3 * rl);
        r4.intoArray(p, o + 4 * rl); r5.intoArray(p, o + 5 * rl); r6.intoArray(p, o + 6 * rl); r7.intoArray(p, o + 7 * rl);
        r8.intoArray(p, o + 8 * rl); r9.intoArray(p, o + 9 * rl); r10.intoArray(p, o + 10 * rl); r11.intoArray(p, o + 11 * rl);
        r12.intoArray(p, o + 12 * rl); r13.intoArray(p, o + 13 * rl); r14.intoArray(p, o + 14 * rl); r15.intoArray(p, o + 15 * rl);
    }
}
