package dev.mien.kernels.simd;

import dev.mien.kernels.Activation;
import dev.mien.kernels.ConvShape;
import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import static dev.mien.kernels.simd.ConvKernel.CB;
import static dev.mien.kernels.simd.ConvKernel.LE;
import static dev.mien.kernels.simd.ConvKernel.NARROW;
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
 * the smaller input is the one read again. A unit is a pair of channel blocks; the channels left
 * after the pairs either widen the last pair's tile by one vector (66 = 64 + 2) or form a unit
 * of their own, of as many vectors as they fill ({@link #unitVectors}). Strided or padded
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
     * With 16 registers ({@link ConvKernel#NARROW}) a unit is one block (two vectors) and a tile
     * 6 pixels: 12 sums, 2 weight vectors and a broadcast.
     */
    static final int ROWS = NARROW ? 6 : 5;
    /** Output channels of a full unit: a pair of blocks, or one block on a {@link ConvKernel#NARROW} machine. */
    static final int UNIT = NARROW ? CB : 2 * CB;
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

    /** Full units of {@link #UNIT} channels: pairs of channel blocks (single blocks where {@link ConvKernel#NARROW}). */
    static int pairs(ConvShape s) { return s.outC() / UNIT; }

    /** Channels left after the full units. */
    static int left(ConvShape s) { return s.outC() - UNIT * pairs(s); }

    /**
     * Whether the channels left after the full pairs (one vector's worth at most: LANMSFF's 66,
     * 72 and 78) ride on the last pair's tile as a fifth vector, so that their pixels are
     * broadcast once rather than again for a one-vector tile of their own, whose 5 broadcasts
     * and 1 weight load per 5 multiplies made it load-bound.
     */
    static boolean widensLastPair(ConvShape s) {
        int l = left(s);
        return !NARROW && pairs(s) > 0 && l > 0 && l <= VL;
    }

    /** Channel units: the pairs (the last one widened where {@link #widensLastPair}), then one unit for any channels left. */
    static int units(ConvShape s) {
        return pairs(s) + (left(s) > 0 && !widensLastPair(s) ? 1 : 0);
    }

    /**
     * Output-channel vectors of a unit's tile: 4 for a pair, 5 for a widened last pair, and for
     * the channels left after the pairs as many as they fill (1-4: LANMSFF's 36 and 42 run 3
     * vectors, 48 channels, instead of a pair's 64).
     */
    static int unitVectors(ConvShape s, int unit) {
        int p = pairs(s);
        if (unit < p) return NARROW ? 2 : unit == p - 1 && widensLastPair(s) ? 5 : 4;
        return (left(s) + VL - 1) / VL;
    }

    /** Floats of the largest tile's sums ({@link #tileRows} x vectors x VL, over units of 1 to 5 vectors). */
    static final int MAX_TILE_FLOATS = java.util.stream.IntStream.rangeClosed(1, 5).map(v -> tileRows(v) * v * VL).max().orElseThrow();

    /** Pixels per tile of a unit of {@code vectors} vectors: the most that keep the tile's sums, weights and a broadcast in 32 registers. */
    static int tileRows(int vectors) {
        if (NARROW) return vectors == 1 ? 5 : ROWS;   // one5x1, one6x2
        return switch (vectors) {
            case 5 -> 4;    // 20 sums + 5 weight vectors
            case 3 -> 7;    // 21 sums + 3 weight vectors
            default -> ROWS;
        };
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
        /** A tile's raw sums, [pixel][vectors * VL]: room for the largest tile. */
        float[] acc = new float[MAX_TILE_FLOATS];

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
            int vectors = unitVectors(s, unit), rows = tileRows(vectors), co = unit * UNIT;
            int valid = Math.min(vectors * VL, outC - co);
            long wOff = (long) (co / CB) * cin * CB;
            int o = outOff + p0 * outC + co;
            for (int t = 0; t < count; t += rows) {
                int n = Math.min(rows, count - t), q = xBase + t * cin;
                switch (vectors) {
                    case 5 -> wide4x5(j, w, wOff, cin, x, q, n);
                    case 4 -> pair5x4(j, w, wOff, cin, x, q, n);
                    case 3 -> three7x3(j, w, wOff, cin, x, q, n);
                    case 2 -> {
                        if (NARROW) one6x2(j, w, wOff, cin, x, q, n);
                        else one5x2(j, w, wOff, cin, x, q, n);
                    }
                    default -> one5x1(j, w, wOff, cin, x, q, n);
                }
                ConvKernel.store(j.acc, 0, vectors * VL, n, valid, co, bias, res, resDelta, lo, hi, out, o + t * outC, outC);
            }
            if (!clamp)
                for (int t = 0; t < count; t++) Activations.apply(act, alpha, out, o + t * outC, valid);
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

    /** A pair and the first vector of the block after it (weights at wOff), 4 pixels: raw sums into the job's buffer, [pixel][5 * VL]. */
    private static void wide4x5(Job j, MemorySegment w, long wOff, int cin, float[] x, int q, int n) {
        int q0 = q, q1 = q + Math.min(1, n - 1) * cin, q2 = q + Math.min(2, n - 1) * cin, q3 = q + Math.min(3, n - 1) * cin;
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
        FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        FloatVector c0 = a0, c1 = a0, c2 = a0, c3 = a0;
        FloatVector d0 = a0, d1 = a0, d2 = a0, d3 = a0;
        FloatVector e0 = a0, e1 = a0, e2 = a0, e3 = a0;
        long wk = 4 * wOff, next = 4L * cin * CB;
        for (int c = 0; c < cin; c++, wk += 4 * CB) {
            FloatVector w0 = FloatVector.fromMemorySegment(S, w, wk, LE), w1 = FloatVector.fromMemorySegment(S, w, wk + 4 * VL, LE);
            FloatVector w2 = FloatVector.fromMemorySegment(S, w, wk + next, LE), w3 = FloatVector.fromMemorySegment(S, w, wk + next + 4 * VL, LE);
            FloatVector w4 = FloatVector.fromMemorySegment(S, w, wk + 2 * next, LE);
            FloatVector v;
            v = FloatVector.broadcast(S, x[q0 + c]); a0 = v.fma(w0, a0); b0 = v.fma(w1, b0); c0 = v.fma(w2, c0); d0 = v.fma(w3, d0); e0 = v.fma(w4, e0);
            v = FloatVector.broadcast(S, x[q1 + c]); a1 = v.fma(w0, a1); b1 = v.fma(w1, b1); c1 = v.fma(w2, c1); d1 = v.fma(w3, d1); e1 = v.fma(w4, e1);
            v = FloatVector.broadcast(S, x[q2 + c]); a2 = v.fma(w0, a2); b2 = v.fma(w1, b2); c2 = v.fma(w2, c2); d2 = v.fma(w3, d2); e2 = v.fma(w4, e2);
            v = FloatVector.broadcast(S, x[q3 + c]); a3 = v.fma(w0, a3); b3 = v.fma(w1, b3); c3 = v.fma(w2, c3); d3 = v.fma(w3, d3); e3 = v.fma(w4, e3);
        }
        float[] r = j.acc;
        a0.intoArray(r, 0); b0.intoArray(r, VL); c0.intoArray(r, 2 * VL); d0.intoArray(r, 3 * VL); e0.intoArray(r, 4 * VL);
        a1.intoArray(r, 5 * VL); b1.intoArray(r, 6 * VL); c1.intoArray(r, 7 * VL); d1.intoArray(r, 8 * VL); e1.intoArray(r, 9 * VL);
        a2.intoArray(r, 10 * VL); b2.intoArray(r, 11 * VL); c2.intoArray(r, 12 * VL); d2.intoArray(r, 13 * VL); e2.intoArray(r, 14 * VL);
        a3.intoArray(r, 15 * VL); b3.intoArray(r, 16 * VL); c3.intoArray(r, 17 * VL); d3.intoArray(r, 18 * VL); e3.intoArray(r, 19 * VL);
    }

    /** A block and the first vector of the next (weights at wOff), 7 pixels: raw sums into the job's buffer, [pixel][3 * VL]. */
    private static void three7x3(Job j, MemorySegment w, long wOff, int cin, float[] x, int q, int n) {
        int q0 = q, q1 = q + Math.min(1, n - 1) * cin, q2 = q + Math.min(2, n - 1) * cin, q3 = q + Math.min(3, n - 1) * cin,
                q4 = q + Math.min(4, n - 1) * cin, q5 = q + Math.min(5, n - 1) * cin, q6 = q + Math.min(6, n - 1) * cin;
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0;
        FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0, b4 = a0, b5 = a0, b6 = a0;
        FloatVector c0 = a0, c1 = a0, c2 = a0, c3 = a0, c4 = a0, c5 = a0, c6 = a0;
        long wk = 4 * wOff, next = 4L * cin * CB;
        for (int c = 0; c < cin; c++, wk += 4 * CB) {
            FloatVector w0 = FloatVector.fromMemorySegment(S, w, wk, LE), w1 = FloatVector.fromMemorySegment(S, w, wk + 4 * VL, LE);
            FloatVector w2 = FloatVector.fromMemorySegment(S, w, wk + next, LE);
            FloatVector v;
            v = FloatVector.broadcast(S, x[q0 + c]); a0 = v.fma(w0, a0); b0 = v.fma(w1, b0); c0 = v.fma(w2, c0);
            v = FloatVector.broadcast(S, x[q1 + c]); a1 = v.fma(w0, a1); b1 = v.fma(w1, b1); c1 = v.fma(w2, c1);
            v = FloatVector.broadcast(S, x[q2 + c]); a2 = v.fma(w0, a2); b2 = v.fma(w1, b2); c2 = v.fma(w2, c2);
            v = FloatVector.broadcast(S, x[q3 + c]); a3 = v.fma(w0, a3); b3 = v.fma(w1, b3); c3 = v.fma(w2, c3);
            v = FloatVector.broadcast(S, x[q4 + c]); a4 = v.fma(w0, a4); b4 = v.fma(w1, b4); c4 = v.fma(w2, c4);
            v = FloatVector.broadcast(S, x[q5 + c]); a5 = v.fma(w0, a5); b5 = v.fma(w1, b5); c5 = v.fma(w2, c5);
            v = FloatVector.broadcast(S, x[q6 + c]); a6 = v.fma(w0, a6); b6 = v.fma(w1, b6); c6 = v.fma(w2, c6);
        }
        float[] r = j.acc;
        a0.intoArray(r, 0); b0.intoArray(r, VL); c0.intoArray(r, 2 * VL);
        a1.intoArray(r, 3 * VL); b1.intoArray(r, 4 * VL); c1.intoArray(r, 5 * VL);
        a2.intoArray(r, 6 * VL); b2.intoArray(r, 7 * VL); c2.intoArray(r, 8 * VL);
        a3.intoArray(r, 9 * VL); b3.intoArray(r, 10 * VL); c3.intoArray(r, 11 * VL);
        a4.intoArray(r, 12 * VL); b4.intoArray(r, 13 * VL); c4.intoArray(r, 14 * VL);
        a5.intoArray(r, 15 * VL); b5.intoArray(r, 16 * VL); c5.intoArray(r, 17 * VL);
        a6.intoArray(r, 18 * VL); b6.intoArray(r, 19 * VL); c6.intoArray(r, 20 * VL);
    }

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

    /** As {@link #one5x2} for 6 pixels: the unit of a {@link ConvKernel#NARROW} machine (12 sums, 2 weight vectors, a broadcast). */
    private static void one6x2(Job j, MemorySegment w, long wOff, int cin, float[] x, int q, int n) {
        int q0 = q, q1 = q + Math.min(1, n - 1) * cin, q2 = q + Math.min(2, n - 1) * cin,
                q3 = q + Math.min(3, n - 1) * cin, q4 = q + Math.min(4, n - 1) * cin, q5 = q + Math.min(5, n - 1) * cin;
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
        FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0, b4 = a0, b5 = a0;
        long wk = 4 * wOff;
        for (int c = 0; c < cin; c++, wk += 4 * CB) {
            FloatVector w0 = FloatVector.fromMemorySegment(S, w, wk, LE), w1 = FloatVector.fromMemorySegment(S, w, wk + 4 * VL, LE);
            FloatVector v;
            v = FloatVector.broadcast(S, x[q0 + c]); a0 = v.fma(w0, a0); b0 = v.fma(w1, b0);
            v = FloatVector.broadcast(S, x[q1 + c]); a1 = v.fma(w0, a1); b1 = v.fma(w1, b1);
            v = FloatVector.broadcast(S, x[q2 + c]); a2 = v.fma(w0, a2); b2 = v.fma(w1, b2);
            v = FloatVector.broadcast(S, x[q3 + c]); a3 = v.fma(w0, a3); b3 = v.fma(w1, b3);
            v = FloatVector.broadcast(S, x[q4 + c]); a4 = v.fma(w0, a4); b4 = v.fma(w1, b4);
            v = FloatVector.broadcast(S, x[q5 + c]); a5 = v.fma(w0, a5); b5 = v.fma(w1, b5);
        }
        float[] r = j.acc;
        a0.intoArray(r, 0); b0.intoArray(r, VL);
        a1.intoArray(r, CB); b1.intoArray(r, CB + VL);
        a2.intoArray(r, 2 * CB); b2.intoArray(r, 2 * CB + VL);
        a3.intoArray(r, 3 * CB); b3.intoArray(r, 3 * CB + VL);
        a4.intoArray(r, 4 * CB); b4.intoArray(r, 4 * CB + VL);
        a5.intoArray(r, 5 * CB); b5.intoArray(r, 5 * CB + VL);
    }

    /** As {@link #one5x2} for at most VL channels (a layer of 16 or fewer): half the multiplies. Sums [pixel][VL]. */
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
        a1.intoArray(r, VL);
        a2.intoArray(r, 2 * VL);
        a3.intoArray(r, 3 * VL);
        a4.intoArray(r, 4 * VL);
    }
}
