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
import static dev.mien.kernels.simd.ConvKernel.TW;
import static dev.mien.kernels.simd.ConvKernel.VL;

/**
 * The direct and sliced convolutions on a <em>planar-rows</em> copy of the input: each padded
 * input row is stored channel by channel, every channel's columns contiguous (split into
 * {@code strideW} phases: even and odd columns apart at stride 2). A tile is up to 8
 * neighbouring output pixels of one output row times one 32-channel block; for every reduction
 * step (kernel tap, input channel) its pixels read {@code x[p], x[p + 1], ... x[p + 7]}, one
 * base index plus constant displacements, and the step advances {@code p} by one channel row.
 *
 * <p>Why: on NHWC input every pixel of a tile has its own offset. The former tiles kept eight
 * offsets live, so C2 spent an address computation per broadcast and spilled offsets to the
 * stack: about 42-55 instructions per 16 FMAs, which capped the 7x7-map layers of MA-Net at
 * ~60% of the FMA ceiling even with their weights in L1. With one base index the loop is the
 * 16 FMAs, 8 broadcasts, 2 weight loads and the loop step (a stand-alone loop of this form runs
 * at ~95% of the ceiling). The copy costs one pass over the input per call, split over the team.
 *
 * <p>Weights are the direct kernel's blocked packing ({@code [group][block][kh][kw][ci][CB]}),
 * read through a {@code long} offset that advances by a constant so that C2 hoists the
 * segment's bounds checks out of the loop. Sums go through the thread's buffer, so one
 * micro-kernel serves both the direct path (a tile's whole reduction at once) and the sliced
 * path (every tile of a block consumes one L1-sized slice of the weights before the next).
 * Partial tiles and one-vector blocks run a wider kernel whose extra lanes read beyond the
 * tile (into the copy's next row or its slack) and are never stored.
 */
final class RowTileKernel {
    private RowTileKernel() {}

    /**
     * Reduction steps per slice on the sliced path: 256 x 32 channels = 32 KB of weights, which
     * stay in L1 while every tile of the block consumes them. No software read-ahead of the
     * next slice: one extra load per step into it (in the second and third tile) made a cold
     * 7x7x512 layer slower, 1.48 -> 1.70 ms on one thread, with slices of 64 to 256; one load
     * every 20 bytes in every tile (the next slice at ~10 GB/s) also did, 1.29-1.32 -> 1.40-1.42 ms.
     * Loads that miss hold up retirement, and Java has no prefetch instruction.
     */
    static final int SLICE = 256;

    /** Output pixels per tile: 8, or 7 where 7 divides the row and 8 does not (7x7, 14x14, 28x28 maps). */
    static int tileWidth(ConvShape s) {
        int w = s.outW();
        return w % 8 != 0 && w % 7 == 0 ? 7 : 8;
    }

    static int tilesPerRow(ConvShape s) { return (s.outW() + tileWidth(s) - 1) / tileWidth(s); }

    /** Tiles of one call: every output row of every image, cut into tiles. */
    static int tiles(ConvShape s) { return s.n() * s.outH() * tilesPerRow(s); }

    /** Work items: (group, block) x tile, or one per (group, block) on the sliced path. */
    static int items(ConvShape s, ConvKernel.Packed pk, boolean sliced) {
        return s.groups() * pk.blocks() * (sliced ? 1 : tiles(s));
    }

    /** Packed weights up to this many bytes stay in a core's L2 (1 MB on Zen 5) next to the tiles' inputs. */
    static final long L2_WEIGHTS = 512 * 1024;

    /**
     * Whether the direct path's items go tile by tile (every block of one tile, then the next
     * tile) rather than block by block. Block-major reads each block's weights once and the
     * whole input once per block; where the input is the larger operand and all the weights
     * fit in L2 (LANMSFF's dilated 32x32x36 layers: 147 KB of input, 47 KB of weights),
     * tile-major reads the input once, and each thread's share of tiles is mostly the rows it
     * copied itself.
     */
    static boolean tileMajor(ConvShape s) {
        long weights = 4L * s.weightCount(), input = 4L * s.inputSize();
        return weights <= L2_WEIGHTS && input > weights;
    }

    /** One thread's state: the call's tap offsets, tile bases and the sums' buffer. */
    static final class Job {
        int[] taps = new int[9], bases = new int[4], counts = new int[4];
        /** Per kernel row: the output rows [rowLo, rowHi) whose input row is inside the image; per kernel column: the output columns [colLo, colHi) likewise. */
        int[] rowLo = new int[3], rowHi = new int[3], colLo = new int[3], colHi = new int[3];
        float[] acc = new float[TW * CB];
        int rl, cig, tpr, tw, kW;

        /** Offsets of every kernel tap (kh, kw) from a tile's base in the planar copy. */
        void bind(ConvShape s) {
            int u = PlanarRows.phaseLen(s), sw = s.strideW(), n = s.kH() * s.kW();
            rl = sw * u;
            cig = s.inGroupC();
            tw = tileWidth(s);
            tpr = tilesPerRow(s);
            if (taps.length < n) taps = new int[n];
            for (int kh = 0; kh < s.kH(); kh++)
                for (int kw = 0; kw < s.kW(); kw++) {
                    int dx = kw * s.dilW();
                    taps[kh * s.kW() + kw] = kh * s.dilH() * s.inC() * rl + (dx % sw) * u + dx / sw;
                }
            kW = s.kW();
            if (rowLo.length < s.kH()) { rowLo = new int[s.kH()]; rowHi = new int[s.kH()]; }
            if (colLo.length < s.kW()) { colLo = new int[s.kW()]; colHi = new int[s.kW()]; }
            // Output row oy reads input row oy * strideH + kh * dilH - padTop: inside for oy in [rowLo, rowHi).
            for (int kh = 0; kh < s.kH(); kh++) {
                int d = s.padTop() - kh * s.dilH();
                rowLo[kh] = Math.max(0, Math.ceilDiv(d, s.strideH()));
                rowHi[kh] = Math.min(s.outH(), Math.ceilDiv(s.inH() + d, s.strideH()));
            }
            for (int kw = 0; kw < s.kW(); kw++) {
                int d = s.padLeft() - kw * s.dilW();
                colLo[kw] = Math.max(0, Math.ceilDiv(d, sw));
                colHi[kw] = Math.min(s.outW(), Math.ceilDiv(s.inW() + d, sw));
            }
        }

        /** Whether tap row kh of tile t reads the image rather than the padding. */
        boolean rowInside(ConvShape s, int t, int kh) {
            int oy = row(t) % s.outH();
            return oy >= rowLo[kh] && oy < rowHi[kh];
        }

        float[] acc(int n) {
            if (acc.length < n) acc = new float[n];
            return acc;
        }

        /** Tile t's output row over the batch (image * outH + oy): tiles go row by row. */
        int row(int t) { return t / tpr; }

        /** Tile t's first output column. */
        int column(int t) { return (t % tpr) * tw; }

        /** Index in the copy of tile t's first pixel, tap (0, 0), first channel of group g. */
        int base(ConvShape s, int g, int t) {
            int n = row(t) / s.outH(), oy = row(t) % s.outH();
            return ((n * PlanarRows.paddedH(s) + oy * s.strideH()) * s.inC() + g * cig) * rl + column(t);
        }

        /** Pixels of tile t (the last tile of a row may be short). */
        int count(ConvShape s, int t) { return Math.min(tw, s.outW() - column(t)); }
    }

    static void run(ConvShape s, ConvKernel.Packed pk, boolean sliced, float[] x, float[] bias, float[] res, int resOff,
                    Activation act, float alpha, float[] out, int outOff, int from, int to, Job j) {
        j.bind(s);
        int blocks = pk.blocks(), nTaps = s.kH() * s.kW();
        if (sliced) {
            for (int gb = from; gb < to; gb++) slicedBlock(s, pk, j, gb / blocks, gb % blocks, x, bias, res, resOff, act, alpha, out, outOff);
            return;
        }
        int tiles = tiles(s), gbs = s.groups() * blocks;
        boolean tileMajor = tileMajor(s);
        float[] r = j.acc(TW * CB);
        for (int item = from; item < to; item++) {
            int gb = tileMajor ? item % gbs : item / tiles, t = tileMajor ? item / gbs : item % tiles, g = gb / blocks, b = gb % blocks;
            int valid = Math.min(CB, s.outGroupC() - b * CB), count = j.count(s, t);
            Arrays.fill(r, 0, TW * CB, 0f);
            long wk = 4L * gb * nTaps * j.cig * CB;
            int base = j.base(s, g, t), x0 = j.column(t), kW = s.kW();
            // The kernel rows that read the image are consecutive taps with consecutive weights.
            int kh0 = 0, kh1 = s.kH();
            while (kh0 < kh1 && !j.rowInside(s, t, kh0)) kh0++;
            while (kh1 > kh0 && !j.rowInside(s, t, kh1 - 1)) kh1--;
            // A tile with columns over the padding goes tap by tap where that skips work: a narrower
            // micro-kernel exists for it (two-vector blocks, 7- or 8-pixel tiles) and each tap's
            // reduction is long enough to pay for reloading the sums (not CBAM's 2-channel 7x7).
            boolean edge = false;
            for (int kw = 0; kw < kW; kw++) edge |= j.colLo[kw] > x0 || j.colHi[kw] < x0 + count;
            if (!edge || valid <= VL || count < 7 || j.cig < 16) {
                if (kh0 < kh1)
                    tile(x, base, j.taps, kh0 * kW, kh1 * kW, j.cig, j.rl, pk.w(), wk + 4L * kh0 * kW * j.cig * CB, r, 0, count, valid);
            } else {
                for (int kh = kh0; kh < kh1; kh++)
                    for (int kw = 0; kw < kW; kw++) {
                        int tap = kh * kW + kw;
                        insideTap(x, base, j.taps, tap, j.cig, j.rl, pk.w(), wk + 4L * tap * j.cig * CB, r, 0, count, valid,
                                j.colLo[kw] - x0, j.colHi[kw] - x0);
                    }
            }
            finish(s, j, r, 0, g, b, t, count, valid, bias, res, resOff, act, alpha, out, outOff);
        }
    }

    /** Every tile of one block; the reduction walked tap by tap in slices of at most {@link #SLICE} channels. */
    private static void slicedBlock(ConvShape s, ConvKernel.Packed pk, Job j, int g, int b, float[] x, float[] bias, float[] res,
                                    int resOff, Activation act, float alpha, float[] out, int outOff) {
        int tiles = tiles(s), nTaps = s.kH() * s.kW(), valid = Math.min(CB, s.outGroupC() - b * CB);
        float[] r = j.acc(tiles * TW * CB);
        Arrays.fill(r, 0, tiles * TW * CB, 0f);
        if (j.bases.length < tiles) {
            j.bases = new int[tiles];
            j.counts = new int[tiles];
        }
        int[] bases = j.bases, counts = j.counts;
        for (int t = 0; t < tiles; t++) {
            bases[t] = j.base(s, g, t);
            counts[t] = j.count(s, t);
        }
        long wBlock = 4L * (g * pk.blocks() + b) * nTaps * j.cig * CB;
        for (int tap = 0; tap < nTaps; tap++) {
            int kh = tap / j.kW, kw = tap % j.kW;
            for (int c0 = 0; c0 < j.cig; c0 += SLICE) {
                int steps = Math.min(SLICE, j.cig - c0), skip = c0 * j.rl;
                long wk = wBlock + 4L * ((long) tap * j.cig + c0) * CB;
                for (int t = 0; t < tiles; t++) {
                    if (!j.rowInside(s, t, kh)) continue;
                    int x0 = j.column(t);
                    insideTap(x, bases[t] + skip, j.taps, tap, steps, j.rl, pk.w(), wk, r, t * TW * CB, counts[t], valid,
                            j.colLo[kw] - x0, j.colHi[kw] - x0);
                }
            }
        }
        for (int t = 0; t < tiles; t++) finish(s, j, r, t * TW * CB, g, b, t, counts[t], valid, bias, res, resOff, act, alpha, out, outOff);
    }

    /** Adds taps [t0, t1), {@code steps} channels each, of one tile to its sums at r[ro..]. */
    private static void tile(float[] x, int base, int[] taps, int t0, int t1, int steps, int rl, MemorySegment w, long wk,
                             float[] r, int ro, int count, int valid) {
        if (valid <= VL) {
            acc8x1(x, base, taps, t0, t1, steps, rl, w, wk, r, ro);
            return;
        }
        for (int tap = t0; tap < t1; tap++, wk += 4L * steps * CB) {
            int p = base + taps[tap];
            if (count <= 4) acc4x2(x, p, steps, rl, w, wk, r, ro);
            else if (NARROW) {
                // 16 registers: the tile as pixels [0, 4) and [4, count), at most 8 sums each.
                acc4x2(x, p, steps, rl, w, wk, r, ro);
                if (count == 8) acc4x2(x, p + 4, steps, rl, w, wk, r, ro + 4 * CB);
                else acc3x2(x, p + 4, steps, rl, w, wk, r, ro + 4 * CB);
            }
            else if (count == 8) acc8x2(x, p, steps, rl, w, wk, r, ro);
            else acc7x2(x, p, steps, rl, w, wk, r, ro);
        }
    }

    /**
     * One tap of one tile, only for the tile's pixels [lo, hi) (clipped to the tile) whose input
     * column is inside the image: a tap over padding adds zeros. On a 7x7 map with a 3x3 kernel
     * 4 of every 21 row or column positions of a tap read padding, so skipping them saves 18% of
     * the multiplies (MA-Net's 7x7 layers: 1.30 -> 1.14 ms for a 7x7x512 layer with its weights
     * from memory, one thread). The pixels go to a micro-kernel as wide as they are, started at
     * pixel lo: 7 or 6 of a 7- or 8-pixel tile of two vectors, which reads no further than the
     * whole tile's kernel would; any other range computes the whole tile, padded zeros included.
     * Where every padded tap is skipped the sums are the reference's, which never multiplies a
     * padded zero (0 x Inf would be NaN).
     */
    private static void insideTap(float[] x, int base, int[] taps, int tap, int steps, int rl, MemorySegment w, long wk,
                                  float[] r, int ro, int count, int valid, int lo, int hi) {
        lo = Math.max(lo, 0);
        hi = Math.min(hi, count);
        if (lo >= hi) return;
        int n = hi - lo, width = count == 8 ? 8 : count > 4 ? 7 : 4;
        // A narrower kernel only for part of a two-vector tile, and only within the whole tile's reach.
        boolean narrower = n < count && valid > VL && lo + n <= width;
        int p = base + taps[tap] + lo;
        if (narrower && n == 7 && NARROW) {
            acc4x2(x, p, steps, rl, w, wk, r, ro + lo * CB);
            acc3x2(x, p + 4, steps, rl, w, wk, r, ro + (lo + 4) * CB);
        }
        else if (narrower && n == 7) acc7x2(x, p, steps, rl, w, wk, r, ro + lo * CB);
        else if (narrower && n == 6) acc6x2(x, p, steps, rl, w, wk, r, ro + lo * CB);
        else tile(x, base, taps, tap, tap + 1, steps, rl, w, wk, r, ro, count, valid);
    }

    /** Bias, residual and activation of one tile's sums, stored to its output pixels. */
    private static void finish(ConvShape s, Job j, float[] r, int ro, int g, int b, int t, int count, int valid, float[] bias,
                               float[] res, int resOff, Activation act, float alpha, float[] out, int outOff) {
        int outC = s.outC(), co0 = g * s.outGroupC() + b * CB;
        int o = outOff + (j.row(t) * s.outW() + j.column(t)) * outC + co0;
        ConvKernel.store(r, ro, count, valid, co0, bias, res, resOff, out, o, outC);
        if (act != Activation.NONE)
            for (int p = 0; p < count; p++) Activations.apply(act, alpha, out, o + p * outC, valid);
    }

    // The micro-kernels: small, branch-free bodies that C2 compiles with every vector in a
    // register. Each step: two weight vectors, one broadcast per pixel from p + constant.
    // The two-vector kernels walk one tap (a single loop over its channels); the caller loops
    // over taps. With the tap loop inside, C2 peeled its first iteration into a second copy of
    // the channel loop, and for a one-tap call (every call of the sliced walk) how well that copy
    // was compiled depended on which shapes had run first: a 7x7x512 layer took 2.85 ms on one
    // thread when it ran first, 4.5 ms after three calls of a 56x56 stride-2 layer (AMD EPYC,
    // AVX2; the peeled loop of acc6x2 kept a third of its sums on the stack). One loop per kernel
    // takes 2.85-2.95 ms in either order. Reloading the sums per tap costs 16 loads and stores
    // per tap against 16 FMAs per input channel: little where a tap reduces dozens of channels
    // (the few-channel stems have their own kernel; acc8x1, for one-vector blocks such as CBAM's
    // 2 -> 1 gate, keeps its tap loop).

    private static void acc8x2(float[] x, int p, int steps, int rl, MemorySegment w, long wk, float[] r, int ro) {
        FloatVector a0 = FloatVector.fromArray(S, r, ro), a1 = FloatVector.fromArray(S, r, ro + CB),
                a2 = FloatVector.fromArray(S, r, ro + 2 * CB), a3 = FloatVector.fromArray(S, r, ro + 3 * CB),
                a4 = FloatVector.fromArray(S, r, ro + 4 * CB), a5 = FloatVector.fromArray(S, r, ro + 5 * CB),
                a6 = FloatVector.fromArray(S, r, ro + 6 * CB), a7 = FloatVector.fromArray(S, r, ro + 7 * CB);
        FloatVector b0 = FloatVector.fromArray(S, r, ro + VL), b1 = FloatVector.fromArray(S, r, ro + CB + VL),
                b2 = FloatVector.fromArray(S, r, ro + 2 * CB + VL), b3 = FloatVector.fromArray(S, r, ro + 3 * CB + VL),
                b4 = FloatVector.fromArray(S, r, ro + 4 * CB + VL), b5 = FloatVector.fromArray(S, r, ro + 5 * CB + VL),
                b6 = FloatVector.fromArray(S, r, ro + 6 * CB + VL), b7 = FloatVector.fromArray(S, r, ro + 7 * CB + VL);
        for (int c = 0; c < steps; c++, p += rl, wk += 4 * CB) {
            FloatVector w0 = FloatVector.fromMemorySegment(S, w, wk, LE), w1 = FloatVector.fromMemorySegment(S, w, wk + 4 * VL, LE);
            FloatVector v;
            v = FloatVector.broadcast(S, x[p]); a0 = v.fma(w0, a0); b0 = v.fma(w1, b0);
            v = FloatVector.broadcast(S, x[p + 1]); a1 = v.fma(w0, a1); b1 = v.fma(w1, b1);
            v = FloatVector.broadcast(S, x[p + 2]); a2 = v.fma(w0, a2); b2 = v.fma(w1, b2);
            v = FloatVector.broadcast(S, x[p + 3]); a3 = v.fma(w0, a3); b3 = v.fma(w1, b3);
            v = FloatVector.broadcast(S, x[p + 4]); a4 = v.fma(w0, a4); b4 = v.fma(w1, b4);
            v = FloatVector.broadcast(S, x[p + 5]); a5 = v.fma(w0, a5); b5 = v.fma(w1, b5);
            v = FloatVector.broadcast(S, x[p + 6]); a6 = v.fma(w0, a6); b6 = v.fma(w1, b6);
            v = FloatVector.broadcast(S, x[p + 7]); a7 = v.fma(w0, a7); b7 = v.fma(w1, b7);
        }
        a0.intoArray(r, ro); b0.intoArray(r, ro + VL);
        a1.intoArray(r, ro + CB); b1.intoArray(r, ro + CB + VL);
        a2.intoArray(r, ro + 2 * CB); b2.intoArray(r, ro + 2 * CB + VL);
        a3.intoArray(r, ro + 3 * CB); b3.intoArray(r, ro + 3 * CB + VL);
        a4.intoArray(r, ro + 4 * CB); b4.intoArray(r, ro + 4 * CB + VL);
        a5.intoArray(r, ro + 5 * CB); b5.intoArray(r, ro + 5 * CB + VL);
        a6.intoArray(r, ro + 6 * CB); b6.intoArray(r, ro + 6 * CB + VL);
        a7.intoArray(r, ro + 7 * CB); b7.intoArray(r, ro + 7 * CB + VL);
    }

    /** As {@link #acc8x2} for 5-7 pixels: a row of 7 (MA-Net's 7x7, 14x14 and 28x28 maps) without a wasted eighth. */
    private static void acc7x2(float[] x, int p, int steps, int rl, MemorySegment w, long wk, float[] r, int ro) {
        FloatVector a0 = FloatVector.fromArray(S, r, ro), a1 = FloatVector.fromArray(S, r, ro + CB),
                a2 = FloatVector.fromArray(S, r, ro + 2 * CB), a3 = FloatVector.fromArray(S, r, ro + 3 * CB),
                a4 = FloatVector.fromArray(S, r, ro + 4 * CB), a5 = FloatVector.fromArray(S, r, ro + 5 * CB),
                a6 = FloatVector.fromArray(S, r, ro + 6 * CB);
        FloatVector b0 = FloatVector.fromArray(S, r, ro + VL), b1 = FloatVector.fromArray(S, r, ro + CB + VL),
                b2 = FloatVector.fromArray(S, r, ro + 2 * CB + VL), b3 = FloatVector.fromArray(S, r, ro + 3 * CB + VL),
                b4 = FloatVector.fromArray(S, r, ro + 4 * CB + VL), b5 = FloatVector.fromArray(S, r, ro + 5 * CB + VL),
                b6 = FloatVector.fromArray(S, r, ro + 6 * CB + VL);
        for (int c = 0; c < steps; c++, p += rl, wk += 4 * CB) {
            FloatVector w0 = FloatVector.fromMemorySegment(S, w, wk, LE), w1 = FloatVector.fromMemorySegment(S, w, wk + 4 * VL, LE);
            FloatVector v;
            v = FloatVector.broadcast(S, x[p]); a0 = v.fma(w0, a0); b0 = v.fma(w1, b0);
            v = FloatVector.broadcast(S, x[p + 1]); a1 = v.fma(w0, a1); b1 = v.fma(w1, b1);
            v = FloatVector.broadcast(S, x[p + 2]); a2 = v.fma(w0, a2); b2 = v.fma(w1, b2);
            v = FloatVector.broadcast(S, x[p + 3]); a3 = v.fma(w0, a3); b3 = v.fma(w1, b3);
            v = FloatVector.broadcast(S, x[p + 4]); a4 = v.fma(w0, a4); b4 = v.fma(w1, b4);
            v = FloatVector.broadcast(S, x[p + 5]); a5 = v.fma(w0, a5); b5 = v.fma(w1, b5);
            v = FloatVector.broadcast(S, x[p + 6]); a6 = v.fma(w0, a6); b6 = v.fma(w1, b6);
        }
        a0.intoArray(r, ro); b0.intoArray(r, ro + VL);
        a1.intoArray(r, ro + CB); b1.intoArray(r, ro + CB + VL);
        a2.intoArray(r, ro + 2 * CB); b2.intoArray(r, ro + 2 * CB + VL);
        a3.intoArray(r, ro + 3 * CB); b3.intoArray(r, ro + 3 * CB + VL);
        a4.intoArray(r, ro + 4 * CB); b4.intoArray(r, ro + 4 * CB + VL);
        a5.intoArray(r, ro + 5 * CB); b5.intoArray(r, ro + 5 * CB + VL);
        a6.intoArray(r, ro + 6 * CB); b6.intoArray(r, ro + 6 * CB + VL);
    }

    /** As {@link #acc8x2} for 6 pixels: a 7-pixel tile's tap whose first or last pixel reads padding. */
    private static void acc6x2(float[] x, int p, int steps, int rl, MemorySegment w, long wk, float[] r, int ro) {
        FloatVector a0 = FloatVector.fromArray(S, r, ro), a1 = FloatVector.fromArray(S, r, ro + CB),
                a2 = FloatVector.fromArray(S, r, ro + 2 * CB), a3 = FloatVector.fromArray(S, r, ro + 3 * CB),
                a4 = FloatVector.fromArray(S, r, ro + 4 * CB), a5 = FloatVector.fromArray(S, r, ro + 5 * CB);
        FloatVector b0 = FloatVector.fromArray(S, r, ro + VL), b1 = FloatVector.fromArray(S, r, ro + CB + VL),
                b2 = FloatVector.fromArray(S, r, ro + 2 * CB + VL), b3 = FloatVector.fromArray(S, r, ro + 3 * CB + VL),
                b4 = FloatVector.fromArray(S, r, ro + 4 * CB + VL), b5 = FloatVector.fromArray(S, r, ro + 5 * CB + VL);
        for (int c = 0; c < steps; c++, p += rl, wk += 4 * CB) {
            FloatVector w0 = FloatVector.fromMemorySegment(S, w, wk, LE), w1 = FloatVector.fromMemorySegment(S, w, wk + 4 * VL, LE);
            FloatVector v;
            v = FloatVector.broadcast(S, x[p]); a0 = v.fma(w0, a0); b0 = v.fma(w1, b0);
            v = FloatVector.broadcast(S, x[p + 1]); a1 = v.fma(w0, a1); b1 = v.fma(w1, b1);
            v = FloatVector.broadcast(S, x[p + 2]); a2 = v.fma(w0, a2); b2 = v.fma(w1, b2);
            v = FloatVector.broadcast(S, x[p + 3]); a3 = v.fma(w0, a3); b3 = v.fma(w1, b3);
            v = FloatVector.broadcast(S, x[p + 4]); a4 = v.fma(w0, a4); b4 = v.fma(w1, b4);
            v = FloatVector.broadcast(S, x[p + 5]); a5 = v.fma(w0, a5); b5 = v.fma(w1, b5);
        }
        a0.intoArray(r, ro); b0.intoArray(r, ro + VL);
        a1.intoArray(r, ro + CB); b1.intoArray(r, ro + CB + VL);
        a2.intoArray(r, ro + 2 * CB); b2.intoArray(r, ro + 2 * CB + VL);
        a3.intoArray(r, ro + 3 * CB); b3.intoArray(r, ro + 3 * CB + VL);
        a4.intoArray(r, ro + 4 * CB); b4.intoArray(r, ro + 4 * CB + VL);
        a5.intoArray(r, ro + 5 * CB); b5.intoArray(r, ro + 5 * CB + VL);
    }

    /** As {@link #acc8x2} for at most 4 pixels (a row's short last tile). */
    private static void acc4x2(float[] x, int p, int steps, int rl, MemorySegment w, long wk, float[] r, int ro) {
        FloatVector a0 = FloatVector.fromArray(S, r, ro), a1 = FloatVector.fromArray(S, r, ro + CB),
                a2 = FloatVector.fromArray(S, r, ro + 2 * CB), a3 = FloatVector.fromArray(S, r, ro + 3 * CB);
        FloatVector b0 = FloatVector.fromArray(S, r, ro + VL), b1 = FloatVector.fromArray(S, r, ro + CB + VL),
                b2 = FloatVector.fromArray(S, r, ro + 2 * CB + VL), b3 = FloatVector.fromArray(S, r, ro + 3 * CB + VL);
        for (int c = 0; c < steps; c++, p += rl, wk += 4 * CB) {
            FloatVector w0 = FloatVector.fromMemorySegment(S, w, wk, LE), w1 = FloatVector.fromMemorySegment(S, w, wk + 4 * VL, LE);
            FloatVector v;
            v = FloatVector.broadcast(S, x[p]); a0 = v.fma(w0, a0); b0 = v.fma(w1, b0);
            v = FloatVector.broadcast(S, x[p + 1]); a1 = v.fma(w0, a1); b1 = v.fma(w1, b1);
            v = FloatVector.broadcast(S, x[p + 2]); a2 = v.fma(w0, a2); b2 = v.fma(w1, b2);
            v = FloatVector.broadcast(S, x[p + 3]); a3 = v.fma(w0, a3); b3 = v.fma(w1, b3);
        }
        a0.intoArray(r, ro); b0.intoArray(r, ro + VL);
        a1.intoArray(r, ro + CB); b1.intoArray(r, ro + CB + VL);
        a2.intoArray(r, ro + 2 * CB); b2.intoArray(r, ro + 2 * CB + VL);
        a3.intoArray(r, ro + 3 * CB); b3.intoArray(r, ro + 3 * CB + VL);
    }

    /** As {@link #acc4x2} for 3 pixels: the second half of a 7-pixel tile on a {@link ConvKernel#NARROW} machine. */
    private static void acc3x2(float[] x, int p, int steps, int rl, MemorySegment w, long wk, float[] r, int ro) {
        FloatVector a0 = FloatVector.fromArray(S, r, ro), a1 = FloatVector.fromArray(S, r, ro + CB),
                a2 = FloatVector.fromArray(S, r, ro + 2 * CB);
        FloatVector b0 = FloatVector.fromArray(S, r, ro + VL), b1 = FloatVector.fromArray(S, r, ro + CB + VL),
                b2 = FloatVector.fromArray(S, r, ro + 2 * CB + VL);
        for (int c = 0; c < steps; c++, p += rl, wk += 4 * CB) {
            FloatVector w0 = FloatVector.fromMemorySegment(S, w, wk, LE), w1 = FloatVector.fromMemorySegment(S, w, wk + 4 * VL, LE);
            FloatVector v;
            v = FloatVector.broadcast(S, x[p]); a0 = v.fma(w0, a0); b0 = v.fma(w1, b0);
            v = FloatVector.broadcast(S, x[p + 1]); a1 = v.fma(w0, a1); b1 = v.fma(w1, b1);
            v = FloatVector.broadcast(S, x[p + 2]); a2 = v.fma(w0, a2); b2 = v.fma(w1, b2);
        }
        a0.intoArray(r, ro); b0.intoArray(r, ro + VL);
        a1.intoArray(r, ro + CB); b1.intoArray(r, ro + CB + VL);
        a2.intoArray(r, ro + 2 * CB); b2.intoArray(r, ro + 2 * CB + VL);
    }

    /** One vector of output channels (a block's last 16 or fewer), 8 pixels. */
    private static void acc8x1(float[] x, int base, int[] taps, int t0, int t1, int steps, int rl, MemorySegment w, long wk,
                               float[] r, int ro) {
        FloatVector a0 = FloatVector.fromArray(S, r, ro), a1 = FloatVector.fromArray(S, r, ro + CB),
                a2 = FloatVector.fromArray(S, r, ro + 2 * CB), a3 = FloatVector.fromArray(S, r, ro + 3 * CB),
                a4 = FloatVector.fromArray(S, r, ro + 4 * CB), a5 = FloatVector.fromArray(S, r, ro + 5 * CB),
                a6 = FloatVector.fromArray(S, r, ro + 6 * CB), a7 = FloatVector.fromArray(S, r, ro + 7 * CB);
        for (int tap = t0; tap < t1; tap++) {
            int p = base + taps[tap];
            for (int c = 0; c < steps; c++, p += rl, wk += 4 * CB) {
                FloatVector w0 = FloatVector.fromMemorySegment(S, w, wk, LE);
                a0 = FloatVector.broadcast(S, x[p]).fma(w0, a0);
                a1 = FloatVector.broadcast(S, x[p + 1]).fma(w0, a1);
                a2 = FloatVector.broadcast(S, x[p + 2]).fma(w0, a2);
                a3 = FloatVector.broadcast(S, x[p + 3]).fma(w0, a3);
                a4 = FloatVector.broadcast(S, x[p + 4]).fma(w0, a4);
                a5 = FloatVector.broadcast(S, x[p + 5]).fma(w0, a5);
                a6 = FloatVector.broadcast(S, x[p + 6]).fma(w0, a6);
                a7 = FloatVector.broadcast(S, x[p + 7]).fma(w0, a7);
            }
        }
        a0.intoArray(r, ro);
        a1.intoArray(r, ro + CB);
        a2.intoArray(r, ro + 2 * CB);
        a3.intoArray(r, ro + 3 * CB);
        a4.intoArray(r, ro + 4 * CB);
        a5.intoArray(r, ro + 5 * CB);
        a6.intoArray(r, ro + 6 * CB);
        a7.intoArray(r, ro + 7 * CB);
    }
}
