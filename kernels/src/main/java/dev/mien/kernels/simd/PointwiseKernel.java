package dev.mien.kernels.simd;

import dev.mien.kernels.Activation;
import dev.mien.kernels.ConvShape;
import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import static dev.mien.kernels.simd.ConvKernel.CB;
import static dev.mien.kernels.simd.ConvKernel.LE;
import static dev.mien.kernels.simd.ConvKernel.S;
import static dev.mien.kernels.simd.ConvKernel.VL;

/**
 * 1x1 convolutions as a matrix product: output pixels x input channels times input channels x
 * output channels, on the direct kernel's packed weights ({@code [block][ci][CB]}, so .mien
 * files and shared packed weights work unchanged). The reduction is short (Cin), so the
 * direct kernel's per-tile set-up (pixel addresses per tile, one 32-channel block per tile)
 * weighs as much as the multiplies; here a micro-tile is {@value #ROWS} pixels x two channel
 * blocks (four vectors, 20 accumulators, 4 weight loads and 5 broadcasts per 20 FMAs), and
 * its epilogue adds bias, residual and the clamp activations in one pass over its sums.
 *
 * <p>The work is split in (pixel chunk, channel unit) items. Where the input is the larger
 * operand they go chunk-major, so that the team's contiguous shares of items walk several
 * units of one chunk: a chunk's input rows are read once from memory and then from the cache.
 * Where the weights are larger (more output channels than pixels: 14x14x512 -> 512, 7x7 maps)
 * they go unit-major: each unit's weights come from memory once and serve every chunk, and
 * the smaller input is the one read again. A unit is two full channel blocks, or one block
 * (an odd block count, or a partial last block such as 66 = 2 x 32 + 2). Strided or padded
 * inputs are first gathered into a contiguous per-thread panel of the chunk's pixels
 * (zero rows for padding, as the direct kernel's padded copy); a stride-1 unpadded input is
 * already that panel and is read in place.
 */
final class PointwiseKernel {
    /**
     * Pixels per micro-tile: 5 x 4 accumulators + 4 weight vectors + 5 broadcasts fit AVX-512's 32
     * registers however C2 schedules the loop. With 6 pixels (34 registers when C2 loads every
     * broadcast first, which it does in some compilations, e.g. without loop strip mining under
     * the parallel collector) two accumulators lived on the stack and the layer ran at 0.72 ms
     * instead of 0.51 (56x56x128 -> 128, one thread); 5 pixels run at 0.53-0.55 in every compilation.
     */
    static final int ROWS = 5;
    /**
     * A chunk's input rows are sized to stay in L2 next to a unit's weights while every unit of the
     * chunk walks them: at most this many floats ({@code -Dmien.pointwise.panelFloats}).
     */
    static final int PANEL_FLOATS = Integer.getInteger("mien.pointwise.panelFloats", 24 * 1024);
    /** Fewer pixels per chunk than this make the weights the traffic (each unit's are read once per chunk). */
    static final int MIN_CHUNK = 4 * ROWS;

    private PointwiseKernel() {}

    /** Whether the input must be gathered: strided or padded pixels are not contiguous rows. */
    static boolean gathers(ConvShape s) {
        return s.strideH() != 1 || s.strideW() != 1 || s.padTop() != 0 || s.padLeft() != 0 || s.padBottom() != 0 || s.padRight() != 0;
    }

    static int fullBlocks(ConvShape s) { return s.outC() / CB; }

    /**
     * Pair units: pairs of full blocks, and one partial pair when more than one block's channels
     * are left after them (LANMSFF's 36 and 42 channels: the pair's 5 x 4 tile with its extra
     * lanes unstored costs less than a single block's tile plus a one-vector tile after it).
     */
    static int pairUnits(ConvShape s) {
        int pairs = fullBlocks(s) / 2;
        return pairs + (s.outC() - 2 * pairs * CB > CB ? 1 : 0);
    }

    /** Channel units: the pair units, then a lone full block, then a partial block (each where channels are left for it). */
    static int units(ConvShape s) {
        int pairs = pairUnits(s), left = Math.max(0, s.outC() - 2 * pairs * CB);
        return pairs + (left == CB ? 1 : 0) + (left > 0 && left < CB ? 1 : 0);
    }

    /**
     * Pixels per chunk for this call on {@code threads} threads: a multiple of {@link #ROWS}, the
     * chunk's rows within {@link #PANEL_FLOATS}, and enough items for every thread (on a 7x7 map
     * there is one chunk and the units alone are shared out).
     */
    static int chunkPixels(ConvShape s, int threads) {
        long pixels = (long) s.n() * s.outH() * s.outW();
        int units = units(s);
        long chunk = Math.max(MIN_CHUNK, PANEL_FLOATS / s.inC());
        // Enough items that the team's shares (about four per thread) can balance.
        long wantChunks = (4L * threads + units - 1) / units;
        if (threads > 1 && wantChunks > 1) chunk = Math.min(chunk, Math.max(MIN_CHUNK, pixels / wantChunks));
        long chunks = Math.max(1, (pixels + chunk - 1) / chunk);
        long even = (pixels + chunks - 1) / chunks;
        return (int) Math.min(Integer.MAX_VALUE / 2, (even + ROWS - 1) / ROWS * ROWS);
    }

    /** Whether items go unit-major: the weights (Cin x Cout) outweigh the input (pixels x Cin). */
    static boolean unitMajor(ConvShape s) {
        return s.outC() > (long) s.n() * s.outH() * s.outW();
    }

    static int items(ConvShape s, int chunkPixels) {
        long pixels = (long) s.n() * s.outH() * s.outW();
        return Math.toIntExact((pixels + chunkPixels - 1) / chunkPixels * units(s));
    }

    /** One thread's state: its panel and the tile's sums. */
    static final class Job {
        float[] panel = new float[0];
        float[] acc = new float[ROWS * 2 * CB];

        float[] panel(int n) {
            if (panel.length < n) panel = new float[n];
            return panel;
        }
    }

    /**
     * Computes items [from, to): item = chunk * units + unit, or unit * chunks + chunk where
     * {@link #unitMajor}. {@code resDelta}: residual index minus output index. The panel is
     * trusted within one share only (chunk-major, a share's items are consecutive, so it
     * gathers each of its chunks once).
     */
    static void run(ConvShape s, ConvKernel.Packed pk, int chunkPixels, float[] in, int inOff, float[] bias, float[] res, int resDelta,
                    Activation act, float alpha, float[] out, int outOff, int from, int to, Job j) {
        int units = units(s), cin = s.inC(), outC = s.outC();
        long pixels = (long) s.n() * s.outH() * s.outW();
        int chunks = (int) ((pixels + chunkPixels - 1) / chunkPixels);
        boolean unitMajor = unitMajor(s);
        boolean gather = gathers(s);
        int gathered = -1;
        // Clamps are done in the epilogue's pass; the other activations are applied to the stored rows afterwards.
        boolean clamp = act == Activation.NONE || act == Activation.RELU || act == Activation.RELU6;
        float lo = act == Activation.RELU || act == Activation.RELU6 ? 0f : Float.NEGATIVE_INFINITY;
        float hi = act == Activation.RELU6 ? 6f : Float.POSITIVE_INFINITY;
        int pairs = pairUnits(s);
        MemorySegment w = pk.w();
        for (int item = from; item < to; item++) {
            int chunk = unitMajor ? item % chunks : item / units, unit = unitMajor ? item / chunks : item % units;
            int p0 = Math.toIntExact((long) chunk * chunkPixels);
            int count = (int) Math.min(chunkPixels, pixels - p0);
            float[] x;
            int xBase;
            if (gather) {
                if (gathered != chunk) {
                    gather(s, in, inOff, p0, count, j.panel(count * cin));
                    gathered = chunk;
                }
                x = j.panel;
                xBase = 0;
            } else {
                x = in;
                xBase = inOff + p0 * cin;
            }
            int b = unit < pairs ? 2 * unit : 2 * pairs + (unit - pairs);
            int co = b * CB;
            long wOff = (long) b * cin * CB;
            int o = outOff + p0 * outC + co;
            if (unit < pairs) {
                int valid = Math.min(2 * CB, outC - co);
                for (int t = 0; t < count; t += ROWS) {
                    int n = Math.min(ROWS, count - t);
                    pair5x4(j, w, wOff, cin, x, xBase + t * cin, n);
                    ConvKernel.store(j.acc, 0, 2 * CB, n, valid, co, bias, res, resDelta, lo, hi, out, o + t * outC, outC);
                }
                if (!clamp)
                    for (int t = 0; t < count; t++) Activations.apply(act, alpha, out, o + t * outC, valid);
            } else {
                int valid = Math.min(CB, outC - co);
                for (int t = 0; t < count; t += ROWS) {
                    int n = Math.min(ROWS, count - t);
                    if (valid > VL) one5x2(j, w, wOff, cin, x, xBase + t * cin, n);
                    else one5x1(j, w, wOff, cin, x, xBase + t * cin, n);
                    int d = o + t * outC;
                    ConvKernel.store(j.acc, 0, n, valid, co, bias, res, resDelta, out, d, outC);
                    if (act != Activation.NONE)
                        for (int r = 0; r < n; r++) Activations.apply(act, alpha, out, d + r * outC, valid);
                }
            }
        }
    }

    /** The chunk's input pixels as contiguous rows of Cin floats: zero rows where the pixel is padding. */
    static void gather(ConvShape s, float[] in, int inOff, int p0, int count, float[] panel) {
        int cin = s.inC(), ow = s.outW(), hw = s.outH() * ow;
        for (int t = 0; t < count; t++) {
            int p = p0 + t, n = p / hw, r = p % hw, oy = r / ow, ox = r % ow;
            int iy = oy * s.strideH() - s.padTop(), ix = ox * s.strideW() - s.padLeft();
            if (iy < 0 || iy >= s.inH() || ix < 0 || ix >= s.inW()) Arrays.fill(panel, t * cin, (t + 1) * cin, 0f);
            else System.arraycopy(in, inOff + ((n * s.inH() + iy) * s.inW() + ix) * cin, panel, t * cin, cin);
        }
    }

    // The micro-kernels: small and branch-free in their loops, so that C2 inlines every Vector API
    // call and keeps the accumulators in registers. A short tile (n < ROWS) repeats its last
    // pixel: the repeats compute and store the same values to the same place.

    /** Blocks b and b+1 (weights at wOff and wOff + cin * CB) for n <= ROWS pixels at x[q]: raw sums into the job's buffer, [pixel][2 * CB]. */
    private static void pair5x4(Job j, MemorySegment w, long wOff, int cin, float[] x, int q, int n) {
        int q0 = q, q1 = q + Math.min(1, n - 1) * cin, q2 = q + Math.min(2, n - 1) * cin,
                q3 = q + Math.min(3, n - 1) * cin, q4 = q + Math.min(4, n - 1) * cin;
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, a4 = a0;
        FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0, b4 = a0;
        FloatVector c0 = a0, c1 = a0, c2 = a0, c3 = a0, c4 = a0;
        FloatVector d0 = a0, d1 = a0, d2 = a0, d3 = a0, d4 = a0;
        long wk = 4 * wOff, next = 4L * cin * CB;
        for (int c = 0; c < cin; c++, wk += 4 * CB) {
            FloatVector w0 = FloatVector.fromMemorySegment(S, w, wk, LE), w1 = FloatVector.fromMemorySegment(S, w, wk + 4 * VL, LE);
            FloatVector w2 = FloatVector.fromMemorySegment(S, w, wk + next, LE), w3 = FloatVector.fromMemorySegment(S, w, wk + next + 4 * VL, LE);
            FloatVector v;
            v = FloatVector.broadcast(S, x[q0 + c]); a0 = v.fma(w0, a0); b0 = v.fma(w1, b0); c0 = v.fma(w2, c0); d0 = v.fma(w3, d0);
            v = FloatVector.broadcast(S, x[q1 + c]); a1 = v.fma(w0, a1); b1 = v.fma(w1, b1); c1 = v.fma(w2, c1); d1 = v.fma(w3, d1);
            v = FloatVector.broadcast(S, x[q2 + c]); a2 = v.fma(w0, a2); b2 = v.fma(w1, b2); c2 = v.fma(w2, c2); d2 = v.fma(w3, d2);
            v = FloatVector.broadcast(S, x[q3 + c]); a3 = v.fma(w0, a3); b3 = v.fma(w1, b3); c3 = v.fma(w2, c3); d3 = v.fma(w3, d3);
            v = FloatVector.broadcast(S, x[q4 + c]); a4 = v.fma(w0, a4); b4 = v.fma(w1, b4); c4 = v.fma(w2, c4); d4 = v.fma(w3, d4);
        }
        float[] r = j.acc;
        a0.intoArray(r, 0); b0.intoArray(r, VL); c0.intoArray(r, 2 * VL); d0.intoArray(r, 3 * VL);
        a1.intoArray(r, 4 * VL); b1.intoArray(r, 5 * VL); c1.intoArray(r, 6 * VL); d1.intoArray(r, 7 * VL);
        a2.intoArray(r, 8 * VL); b2.intoArray(r, 9 * VL); c2.intoArray(r, 10 * VL); d2.intoArray(r, 11 * VL);
        a3.intoArray(r, 12 * VL); b3.intoArray(r, 13 * VL); c3.intoArray(r, 14 * VL); d3.intoArray(r, 15 * VL);
        a4.intoArray(r, 16 * VL); b4.intoArray(r, 17 * VL); c4.intoArray(r, 18 * VL); d4.intoArray(r, 19 * VL);
    }

    /**
     * The pair's epilogue: sums [pixel][2 * CB] from the job's buffer plus bias and residual,
     * clamped to [lo, hi], into n output pixels from out[o]. A loop, not 24 unrolled stores: a
     * method of ~150 vector operations loses its intrinsics inside a whole network's compilation.
     */
    /** One block (weights at wOff) for n <= ROWS pixels at x[q]: raw sums into the job's buffer, [pixel][CB]. */
    private static void one5x2(Job j, MemorySegment w, long wOff, int cin, float[] x, int q, int n) {
        int q0 = q, q1 = q + Math.min(1, n - 1) * cin, q2 = q + Math.min(2, n - 1) * cin,
                q3 = q + Math.min(3, n - 1) * cin, q4 = q + Math.min(4, n - 1) * cin;
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, a4 = a0;
        FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0, b4 = a0;
        long wk = 4 * wOff;
        for (int c = 0; c < cin; c++, wk += 4 * CB) {
            FloatVector w0 = FloatVector.fromMemorySegment(S, w, wk, LE), w1 = FloatVector.fromMemorySegment(S, w, wk + 4 * VL, LE);
            FloatVector v;
            v = FloatVector.broadcast(S, x[q0 + c]); a0 = v.fma(w0, a0); b0 = v.fma(w1, b0);
            v = FloatVector.broadcast(S, x[q1 + c]); a1 = v.fma(w0, a1); b1 = v.fma(w1, b1);
            v = FloatVector.broadcast(S, x[q2 + c]); a2 = v.fma(w0, a2); b2 = v.fma(w1, b2);
            v = FloatVector.broadcast(S, x[q3 + c]); a3 = v.fma(w0, a3); b3 = v.fma(w1, b3);
            v = FloatVector.broadcast(S, x[q4 + c]); a4 = v.fma(w0, a4); b4 = v.fma(w1, b4);
        }
        float[] r = j.acc;
        a0.intoArray(r, 0); b0.intoArray(r, VL);
        a1.intoArray(r, CB); b1.intoArray(r, CB + VL);
        a2.intoArray(r, 2 * CB); b2.intoArray(r, 2 * CB + VL);
        a3.intoArray(r, 3 * CB); b3.intoArray(r, 3 * CB + VL);
        a4.intoArray(r, 4 * CB); b4.intoArray(r, 4 * CB + VL);
    }

    /** As {@link #one5x2} for a block of at most VL channels (66 = 2 x 32 + 2): half the multiplies. */
    private static void one5x1(Job j, MemorySegment w, long wOff, int cin, float[] x, int q, int n) {
        int q0 = q, q1 = q + Math.min(1, n - 1) * cin, q2 = q + Math.min(2, n - 1) * cin,
                q3 = q + Math.min(3, n - 1) * cin, q4 = q + Math.min(4, n - 1) * cin;
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, a4 = a0;
        long wk = 4 * wOff;
        for (int c = 0; c < cin; c++, wk += 4 * CB) {
            FloatVector w0 = FloatVector.fromMemorySegment(S, w, wk, LE);
            a0 = FloatVector.broadcast(S, x[q0 + c]).fma(w0, a0);
            a1 = FloatVector.broadcast(S, x[q1 + c]).fma(w0, a1);
            a2 = FloatVector.broadcast(S, x[q2 + c]).fma(w0, a2);
            a3 = FloatVector.broadcast(S, x[q3 + c]).fma(w0, a3);
            a4 = FloatVector.broadcast(S, x[q4 + c]).fma(w0, a4);
        }
        float[] r = j.acc;
        a0.intoArray(r, 0);
        a1.intoArray(r, CB);
        a2.intoArray(r, 2 * CB);
        a3.intoArray(r, 3 * CB);
        a4.intoArray(r, 4 * CB);
    }
}
