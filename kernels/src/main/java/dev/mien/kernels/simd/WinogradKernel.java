package dev.mien.kernels.simd;

import dev.mien.kernels.Activation;
import dev.mien.kernels.ConvShape;
import dev.mien.kernels.PackedLayouts;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static dev.mien.kernels.simd.ConvKernel.CB;
import static dev.mien.kernels.simd.ConvKernel.LE;
import static dev.mien.kernels.simd.ConvKernel.S;
import static dev.mien.kernels.simd.ConvKernel.VL;

/**
 * Winograd F(2x2, 3x3) for 3x3, stride-1, undilated, ungrouped convolutions: each 2x2 block of
 * output pixels comes from a 4x4 input tile through 16 element-wise products in the transformed
 * domain instead of 36 multiply-adds per channel pair, 2.25x fewer. With the usual matrices
 * <pre>
 *   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]   G = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1]   A^T = [1 1 1 0; 0 1 -1 -1]
 * </pre>
 * the weights become {@code U = G g G^T} (once per model, derived from the direct kernel's
 * packed weights), each input tile {@code V = B^T d B}, and the output {@code A^T (U . V) A},
 * where the products summed over input channels are 16 small matrix products computed by the
 * same register-blocked micro-kernel shape as the direct path (8 tiles x 2 vectors).
 *
 * <p>Work is split in chunks of {@link #T} tiles: one thread transforms a chunk's input tiles
 * into a buffer that stays in L1/L2, multiplies all 16 elements with every output-channel
 * block, and transforms back, fusing bias, residual and activation. That walks all transformed
 * weights once per chunk, which is cheap while they stay in the caches (16 x Cin x Cout floats:
 * 4 MB at 256 x 256). Larger layers (MA-Net's 7x7 512 -> 512 at batch 8: 16 MB, 16 chunks) go
 * {@linkplain #elementMajor element-major} instead, in three passes over the whole call: every
 * tile's input transform into a shared buffer, then one work item per (element, output block)
 * multiplying all tiles with that block's weights (read once per call, 64 KB at 512 input
 * channels, reused from L2 by every group of 8 tiles), then every tile's output transform.
 *
 * <p>The same machinery runs F(4x4, 3x3) ({@link WinogradF4}'s transforms: 36 elements per tile
 * of 4x4 output pixels from a 6x6 window) when a call's {@link Weights} are for m = 4: tiles,
 * windows, elements and the element-major walk's buffers all follow {@link Weights#m()}.
 *
 * <p>Non-finite values: the transforms mix several inputs into each product, so an infinity
 * that the direct convolution would carry as one term can meet its negation and turn into NaN.
 * When some chunk's transformed input is not all finite, {@link #run} says so and the caller
 * recomputes the call with the direct kernel; a layer whose weights are not finite is computed
 * by a plain direct loop. NaN and infinities come out as the direct convolution's.
 */
final class WinogradKernel {
    private WinogradKernel() {}

    /**
     * Input channels rounded up to whole vectors: the transformed input is stored per element in
     * groups of {@code VL} channels, each group holding its chunk's {@link #T} tiles one after the
     * other ({@code [element][chunk][channel group][tile][VL]}), so that the micro-kernel reads
     * the 8 tiles' values of one channel at constant distances (0, VL, ..., 7 VL) from one index.
     */
    static int paddedChannels(int cin) { return (cin + VL - 1) / VL * VL; }

    /** Tiles per chunk: the micro-kernel's width. */
    static final int T = 8;
    /** Transformed elements per tile of F(2x2, 3x3). */
    static final int E = 16;

    /**
     * The transformed weights {@code [element][block][Cin][CB]} of F(m x m, 3x3) (m = 2, or 4 for
     * {@link WinogradF4}), or {@code finite == false} when some weight is NaN or infinite.
     */
    record Weights(MemorySegment u, int blocks, boolean finite, int m) {
        /** Side of the input window a tile reads: m + 2. */
        int window() { return m + 2; }

        /** Transformed elements per tile: window^2. */
        int elements() { return window() * window(); }
    }

    /**
     * The transformed weights of one packed convolution, made on the first Winograd call and kept
     * with the packed weights (16/9 of their size, off-heap): a model packs each weight once for
     * every plan, and only plans that chose or forced Winograd pay for the transform.
     */
    static final class Lazy {
        private volatile Weights f2, f4;

        /** The weights of F(m x m, 3x3), m = 2 or 4, each transformed on first use. */
        Weights get(ConvKernel.Packed pk, int m) {
            Weights w = m == 4 ? f4 : f2;
            if (w == null) {
                synchronized (this) {
                    w = m == 4 ? f4 : f2;
                    if (w == null) {
                        w = m == 4 ? WinogradF4.transform(pk) : transform(pk);
                        if (m == 4) f4 = w;
                        else f2 = w;
                    }
                }
            }
            return w;
        }
    }

    /** {@code U = G g G^T} per (input channel, output channel) from the direct kernel's [block][kh][kw][ci][CB] weights. */
    static Weights transform(ConvKernel.Packed pk) {
        ConvShape s = pk.shape();
        int cin = s.inC(), nb = pk.blocks();
        MemorySegment w = pk.w();
        MemorySegment u = PackedLayouts.allocate((long) E * nb * cin * CB);
        boolean finite = true;
        float[] g = new float[9];
        for (int b = 0; b < nb; b++)
            for (int ci = 0; ci < cin; ci++)
                for (int j = 0; j < CB; j++) {
                    for (int k = 0; k < 9; k++) {
                        g[k] = w.getAtIndex(PackedLayouts.F32, (((long) b * 9 + k) * cin + ci) * CB + j);
                        finite &= Float.isFinite(g[k]);
                    }
                    // G g: rows of the 4x3 intermediate, then (G g) G^T along the columns.
                    float[] t = new float[12];
                    for (int c = 0; c < 3; c++) {
                        float g0 = g[c], g1 = g[3 + c], g2 = g[6 + c];
                        t[c] = g0;
                        t[3 + c] = 0.5f * (g0 + g1 + g2);
                        t[6 + c] = 0.5f * (g0 - g1 + g2);
                        t[9 + c] = g2;
                    }
                    for (int r = 0; r < 4; r++) {
                        float a0 = t[3 * r], a1 = t[3 * r + 1], a2 = t[3 * r + 2];
                        float[] row = {a0, 0.5f * (a0 + a1 + a2), 0.5f * (a0 - a1 + a2), a2};
                        for (int c = 0; c < 4; c++)
                            u.setAtIndex(PackedLayouts.F32, (((long) (r * 4 + c) * nb + b) * cin + ci) * CB + j, row[c]);
                    }
                }
        return new Weights(u, nb, finite, 2);
    }

    /** Tile rows and columns per image, tiles of m x m output pixels. */
    static int tilesH(ConvShape s, int m) { return (s.outH() + m - 1) / m; }
    static int tilesW(ConvShape s, int m) { return (s.outW() + m - 1) / m; }

    /** Work items of one call: chunks of {@link #T} tiles over the whole batch. */
    static int items(ConvShape s, int m) {
        long tiles = (long) s.n() * tilesH(s, m) * tilesW(s, m);
        return (int) ((tiles + T - 1) / T);
    }

    /**
     * One thread's buffers: the chunk's transformed input, its products, each tile's input window
     * (the input itself, or a zero-bordered copy of a border tile's window) and output offsets.
     */
    static final class Buffers {
        float[] v = new float[0], m = new float[0], patch = new float[0];
        final float[][] tileSrc = new float[T][];
        final int[] tileStride = new int[T], tileN = new int[T];
        /** The scalar channel tail's intermediate (up to 6x6). */
        final float[] tail = new float[36];
        /** The vector channels' intermediate (B^T d), one vector per element (up to 6x6). */
        final float[] tailV = new float[36 * VL];
        final int[] tileIn = new int[T], tileOut = new int[T], tileH = new int[T], tileW = new int[T];

        void size(int cin, int coutP, int elements) {
            patch(cin, elements);
            if (v.length < elements * T * paddedChannels(cin)) v = new float[elements * T * paddedChannels(cin)];
            if (m.length < elements * T * coutP) m = new float[elements * T * coutP];
        }

        void patch(int cin, int elements) {
            if (patch.length < T * elements * cin) patch = new float[T * elements * cin];
        }
    }

    /**
     * Computes chunks [from, to) of one call. The input is read in place: a tile whose 4x4 window
     * lies inside the image reads it there, a border tile reads a zero-bordered copy of its window
     * (no padded copy of the whole input, which would be a serial pass before the parallel work).
     */
    static boolean run(ConvShape s, ConvKernel.Packed pk, Weights uw, float[] x, int inOff, float[] bias, float[] res, int resDelta,
                       Activation act, float alpha, float[] out, int outOff, int from, int to, Buffers bf, boolean recompute) {
        boolean allFinite = true;
        int m = uw.m(), ne = uw.elements();
        int cin = s.inC(), coutP = uw.blocks() * CB, total = s.n() * tilesH(s, m) * tilesW(s, m), es = T * paddedChannels(cin);
        bf.size(cin, coutP, ne);
        for (int chunk = from; chunk < to; chunk++) {
            int t0 = chunk * T, count = Math.min(T, total - t0);
            boolean finite = uw.finite();
            for (int t = 0; t < T; t++) {
                locate(s, m, x, inOff, outOff, bf, t0, count, t);
                if (finite) finite = inputTransform(m, bf.tileSrc[t], bf.tileIn[t], bf.tileStride[t], cin, bf.v, t * VL, es, bf.tail, bf.tailV);
            }
            if (!finite) {
                // Non-finite weights (never in a trained model), or a caller that cannot recompute the
                // call: the plain loop, exact as the reference. Otherwise the caller recomputes the
                // whole call with the direct kernel.
                if (!uw.finite() || !recompute) direct(s, pk, m, x, inOff, bf, count, bias, res, resDelta, act, alpha, out);
                else allFinite = false;
                continue;
            }
            for (int e = 0; e < ne; e++)
                for (int b = 0; b < uw.blocks(); b++)
                    gemm(bf.v, e * es, uw.u(), 4L * ((long) (e * uw.blocks() + b) * cin) * CB, cin, bf.m, e * T * coutP + b * CB, coutP,
                            s.outC() - b * CB);
            outputTransform(s, m, bf, bf.m, 0, T * coutP, count, coutP, bias, res, resDelta, act, alpha, out);
        }
        return allFinite;
    }

    /**
     * Tile t of the chunk starting at tile t0 ({@code count} real tiles; a short last chunk
     * repeats its last tile, whose duplicates are computed but not stored): its image, output
     * position and offset, and where its 4x4 input window is read. A tile whose window lies inside
     * the image reads it in place, a border tile a zero-bordered copy in the thread's patch. With
     * {@code x} null only the output side is set (the element-major walk's output pass).
     */
    private static void locate(ConvShape s, int m, float[] x, int inOff, int outOff, Buffers bf, int t0, int count, int t) {
        int cin = s.inC(), tw = tilesW(s, m), tilesImg = tilesH(s, m) * tw, inH = s.inH(), inW = s.inW(), win = m + 2;
        int ti = t0 + Math.min(t, count - 1), n = ti / tilesImg, r = ti % tilesImg, ty = r / tw, tx = r % tw;
        int iy = m * ty - s.padTop(), ix = m * tx - s.padLeft();
        bf.tileN[t] = n;
        bf.tileH[t] = m * ty;
        bf.tileW[t] = m * tx;
        bf.tileOut[t] = outOff + ((n * s.outH() + m * ty) * s.outW() + m * tx) * s.outC();
        if (x == null) return;
        if (iy >= 0 && ix >= 0 && iy + win <= inH && ix + win <= inW) {
            bf.tileSrc[t] = x;
            bf.tileIn[t] = inOff + ((n * inH + iy) * inW + ix) * cin;
            bf.tileStride[t] = inW * cin;
        } else {
            int p = t * win * win * cin;
            for (int a = 0; a < win; a++)
                for (int b = 0; b < win; b++) {
                    int d = p + (win * a + b) * cin, y = iy + a, xx = ix + b;
                    if (y >= 0 && y < inH && xx >= 0 && xx < inW) System.arraycopy(x, inOff + ((n * inH + y) * inW + xx) * cin, bf.patch, d, cin);
                    else java.util.Arrays.fill(bf.patch, d, d + cin, 0f);
                }
            bf.tileSrc[t] = bf.patch;
            bf.tileIn[t] = p;
            bf.tileStride[t] = win * cin;
        }
    }

    // The element-major walk (see the class comment): three passes, each split over the team.

    /**
     * Whether a call walks its transformed weights once (element-major) rather than once per
     * chunk of tiles: above F(2x2)'s size at 256 x 256 channels ((m + 2)^2 x Cin x Cout floats)
     * they no longer stay in the caches between chunks.
     */
    static boolean elementMajor(ConvShape s, int m) { return (long) (m + 2) * (m + 2) * s.inC() * s.outC() > (long) E * 256 * 256; }

    /** Tiles of a call rounded up to whole chunks: the rows of the shared transformed buffers. */
    static int paddedTiles(ConvShape s, int m) { return items(s, m) * T; }

    /** Floats of the shared transformed input ({@code [element][chunk][channel group][tile][VL]}, see {@link #paddedChannels}) ... */
    static long inputFloats(ConvShape s, Weights uw) { return (long) uw.elements() * paddedTiles(s, uw.m()) * paddedChannels(s.inC()); }

    /** ... and of the shared products ({@code [element][tile][blocks x CB]}). */
    static long productFloats(ConvShape s, Weights uw) { return (long) uw.elements() * paddedTiles(s, uw.m()) * uw.blocks() * CB; }

    /** Pass 1: the input transform of chunks [from, to) into {@code v}; false when some transformed value is not finite. */
    static boolean transformInput(ConvShape s, Weights uw, float[] x, int inOff, float[] v, int from, int to, Buffers bf) {
        int m = uw.m(), cin = s.inC(), cinP = paddedChannels(cin), total = s.n() * tilesH(s, m) * tilesW(s, m), es = paddedTiles(s, m) * cinP;
        bf.patch(cin, uw.elements());
        boolean finite = true;
        for (int chunk = from; chunk < to; chunk++) {
            int t0 = chunk * T, count = Math.min(T, total - t0);
            for (int t = 0; t < T; t++) {
                locate(s, m, x, inOff, 0, bf, t0, count, t);
                finite &= inputTransform(m, bf.tileSrc[t], bf.tileIn[t], bf.tileStride[t], cin, v, t0 * cinP + t * VL, es, bf.tail, bf.tailV);
            }
        }
        return finite;
    }

    /** Work items of pass 2: one per (element, output block), element-major, so that a thread's consecutive items share an element's input rows. */
    static int productItems(Weights uw) { return uw.elements() * uw.blocks(); }

    /** Pass 2: items [from, to): element e times block b over every group of 8 tiles, into {@code m}. */
    static void multiply(ConvShape s, Weights uw, float[] v, float[] m, int from, int to) {
        int cin = s.inC(), cinP = paddedChannels(cin), blocks = uw.blocks(), coutP = blocks * CB, tiles = paddedTiles(s, uw.m());
        for (int item = from; item < to; item++) {
            int e = item / blocks, b = item % blocks;
            long wOff = 4L * ((long) (e * blocks + b) * cin) * CB;
            for (int g = 0; g < tiles; g += T) {
                int row = e * tiles + g;
                gemm(v, row * cinP, uw.u(), wOff, cin, m, row * coutP + b * CB, coutP, s.outC() - b * CB);
            }
        }
    }

    /** Pass 3: the output transform of chunks [from, to) from {@code m}, with bias, residual and activation. */
    static void transformOutput(ConvShape s, Weights uw, float[] m, float[] bias, float[] res, int resDelta, Activation act, float alpha,
                                float[] out, int outOff, int from, int to, Buffers bf) {
        int tm = uw.m(), coutP = uw.blocks() * CB, total = s.n() * tilesH(s, tm) * tilesW(s, tm), es = paddedTiles(s, tm) * coutP;
        for (int chunk = from; chunk < to; chunk++) {
            int t0 = chunk * T, count = Math.min(T, total - t0);
            for (int t = 0; t < count; t++) locate(s, tm, null, 0, outOff, bf, t0, count, t);
            outputTransform(s, tm, bf, m, t0 * coutP, es, count, coutP, bias, res, resDelta, act, alpha, out);
        }
    }

    /**
     * V = B^T d B for one tile whose window starts at {@code x[p]} (rows {@code rowStride} apart),
     * into element e's rows from {@code v[o + e * es]} (channel c of the tile at {@code o + (c - c % VL) * T + c % VL},
     * see {@link #paddedChannels}): channel vectors, then a scalar tail. Returns
     * false when some transformed value is NaN or infinite (their sum is then not finite).
     */
    private static boolean inputTransform(int m, float[] x, int p, int rowStride, int cin, float[] v, int o, int es, float[] tcol, float[] tcolV) {
        return m == 4 ? WinogradF4.inputTransform(x, p, rowStride, cin, v, o, es, tcol, tcolV)
                : inputTransform(x, p, rowStride, cin, v, o, es, tcol, tcolV);
    }

    /** F(2x2, 3x3)'s input transform (see {@link #inputTransform(int, float[], int, int, int, float[], int, int, float[], float[])}). */
    private static boolean inputTransform(float[] x, int p, int rowStride, int cin, float[] v, int o, int es, float[] tcol, float[] tcolV) {
        int full = cin - cin % VL, r1 = rowStride, r2 = 2 * rowStride, r3 = 3 * rowStride;
        // Two small passes per channel vector (columns of B^T d into a scratch, then the rows of
        // (B^T d) B into v) rather than one body with all 16 inputs live: the one-body version (~100
        // vector operations) was seen running with boxed vectors inside a whole MA-Net run (6-8 MB
        // a run; that run also recompiled it on non-finite inputs), and small bodies stay well
        // inside C2's inlining budget.
        FloatVector zero = FloatVector.zero(S), sum = zero;
        float tail = 0f;
        {
            for (int c = 0; c < full; c += VL) {
                int q = p + c;
                for (int j = 0; j < 4; j++) {
                    // Column j of B^T d (from rows d0..d3 of the window's column j): element (i, j) at tcolV[(4i + j) * VL].
                    int qj = q + j * cin;
                    FloatVector d0 = FloatVector.fromArray(S, x, qj), d1 = FloatVector.fromArray(S, x, qj + r1),
                            d2 = FloatVector.fromArray(S, x, qj + r2), d3 = FloatVector.fromArray(S, x, qj + r3);
                    d0.sub(d2).intoArray(tcolV, j * VL);
                    d1.add(d2).intoArray(tcolV, (4 + j) * VL);
                    d2.sub(d1).intoArray(tcolV, (8 + j) * VL);
                    d1.sub(d3).intoArray(tcolV, (12 + j) * VL);
                }
                int a = o + c * T;
                for (int i = 0; i < 4; i++) {
                    int ti = 4 * i * VL, ai = a + 4 * i * es;
                    FloatVector t0 = FloatVector.fromArray(S, tcolV, ti), t1 = FloatVector.fromArray(S, tcolV, ti + VL),
                            t2 = FloatVector.fromArray(S, tcolV, ti + 2 * VL), t3 = FloatVector.fromArray(S, tcolV, ti + 3 * VL);
                    FloatVector e0 = t0.sub(t2), e1 = t1.add(t2), e2 = t2.sub(t1), e3 = t1.sub(t3);
                    e0.intoArray(v, ai);
                    e1.intoArray(v, ai + es);
                    e2.intoArray(v, ai + 2 * es);
                    e3.intoArray(v, ai + 3 * es);
                    sum = e3.fma(zero, e2.fma(zero, e1.fma(zero, e0.fma(zero, sum))));
                }
            }
            for (int c = full; c < cin; c++) {
                int q = p + c;
                for (int j = 0; j < 4; j++) {
                    // Column j of B^T d, then that column's share of each row of (B^T d) B below.
                    int qj = q + j * cin;
                    float d0 = x[qj], d1 = x[qj + r1], d2 = x[qj + r2], d3 = x[qj + r3];
                    tcol[j] = d0 - d2;
                    tcol[4 + j] = d1 + d2;
                    tcol[8 + j] = d2 - d1;
                    tcol[12 + j] = d1 - d3;
                }
                for (int i = 0; i < 4; i++) {
                    float a0 = tcol[4 * i], a1 = tcol[4 * i + 1], a2 = tcol[4 * i + 2], a3 = tcol[4 * i + 3];
                    float e0 = a0 - a2, e1 = a1 + a2, e2 = a2 - a1, e3 = a1 - a3;
                    int a = o + (c - c % VL) * T + c % VL + 4 * i * es;
                    v[a] = e0;
                    v[a + es] = e1;
                    v[a + 2 * es] = e2;
                    v[a + 3 * es] = e3;
                    tail += e0 * 0f + e1 * 0f + e2 * 0f + e3 * 0f;
                }
            }
        }
        // x * 0 is 0 for every finite x and NaN for NaN and the infinities: the sums stay 0 (no
        // overflow from large finite values) unless some transformed value is not finite.
        // A lane comparison rather than reduceLanes(ADD), which C2 left as a call here (boxing the vector).
        return !sum.compare(VectorOperators.NE, sum).anyTrue() && !Float.isNaN(tail);
    }

    /**
     * One element of a chunk times one output block of which {@code valid} channels are real: a
     * block of at most one vector's real channels (the last block of LANMSFF's 66- and
     * 36-channel layers) computes only that vector, whose products are all the output transform
     * reads; the other lanes of the block's products are left as they were and never read.
     */
    private static void gemm(float[] x, int p, MemorySegment w, long wOff, int cin, float[] r, int o, int mStride, int valid) {
        if (valid <= VL) gemm8x1(x, p, w, wOff, cin, r, o, mStride);
        else if (ConvKernel.NARROW) {
            // 16 registers: tiles [0, 4) and [4, 8) of the chunk apart, 8 sums each.
            gemm4x2(x, p, w, wOff, cin, r, o, mStride);
            gemm4x2(x, p + 4 * VL, w, wOff, cin, r, o + 4 * mStride, mStride);
        }
        else gemm8x2(x, p, w, wOff, cin, r, o, mStride);
    }

    /** {@link #gemm8x2} for 4 of the chunk's tiles (those from x[p], sums from r[o]): half a chunk on a {@link ConvKernel#NARROW} machine. */
    private static void gemm4x2(float[] x, int p, MemorySegment w, long wOff, int cin, float[] r, int o, int mStride) {
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
        FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        long wk = wOff;
        for (int c0 = 0; c0 < cin; c0 += VL, p += T * VL) {
            int end = p + Math.min(VL, cin - c0);
            for (int q = p; q < end; q++, wk += 4L * CB) {
                FloatVector w0 = FloatVector.fromMemorySegment(S, w, wk, LE), w1 = FloatVector.fromMemorySegment(S, w, wk + 4L * VL, LE);
                FloatVector v;
                v = FloatVector.broadcast(S, x[q]); a0 = v.fma(w0, a0); b0 = v.fma(w1, b0);
                v = FloatVector.broadcast(S, x[q + VL]); a1 = v.fma(w0, a1); b1 = v.fma(w1, b1);
                v = FloatVector.broadcast(S, x[q + 2 * VL]); a2 = v.fma(w0, a2); b2 = v.fma(w1, b2);
                v = FloatVector.broadcast(S, x[q + 3 * VL]); a3 = v.fma(w0, a3); b3 = v.fma(w1, b3);
            }
        }
        a0.intoArray(r, o); b0.intoArray(r, o + VL);
        a1.intoArray(r, o + mStride); b1.intoArray(r, o + mStride + VL);
        a2.intoArray(r, o + 2 * mStride); b2.intoArray(r, o + 2 * mStride + VL);
        a3.intoArray(r, o + 3 * mStride); b3.intoArray(r, o + 3 * mStride + VL);
    }

    /**
     * m[o + t*mStride + (0..CB)] = sum over ci of (tile t's value of channel ci) * u[ci][CB], for the
     * 8 tiles t of one chunk whose transformed element starts at x[p] (channel groups of VL, each
     * holding the 8 tiles' VL values, see {@link #paddedChannels}): one element of the chunk times
     * one output-channel block. The 8 values of a channel lie at constant distances from one
     * index (with the tiles {@code cin} floats apart, each broadcast had its own address
     * computation and some offsets lived on the stack); that gained MA-Net only 1-5%, so the
     * products' ~50-65% of the ceiling is held by something else.
     */
    private static void gemm8x2(float[] x, int p, MemorySegment w, long wOff, int cin, float[] r, int o, int mStride) {
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0, b4 = a0, b5 = a0, b6 = a0, b7 = a0;
        long wk = wOff;
        for (int c0 = 0; c0 < cin; c0 += VL, p += T * VL) {
            int end = p + Math.min(VL, cin - c0);
            for (int q = p; q < end; q++, wk += 4L * CB) {
                FloatVector w0 = FloatVector.fromMemorySegment(S, w, wk, LE), w1 = FloatVector.fromMemorySegment(S, w, wk + 4L * VL, LE);
                FloatVector v;
                v = FloatVector.broadcast(S, x[q]); a0 = v.fma(w0, a0); b0 = v.fma(w1, b0);
                v = FloatVector.broadcast(S, x[q + VL]); a1 = v.fma(w0, a1); b1 = v.fma(w1, b1);
                v = FloatVector.broadcast(S, x[q + 2 * VL]); a2 = v.fma(w0, a2); b2 = v.fma(w1, b2);
                v = FloatVector.broadcast(S, x[q + 3 * VL]); a3 = v.fma(w0, a3); b3 = v.fma(w1, b3);
                v = FloatVector.broadcast(S, x[q + 4 * VL]); a4 = v.fma(w0, a4); b4 = v.fma(w1, b4);
                v = FloatVector.broadcast(S, x[q + 5 * VL]); a5 = v.fma(w0, a5); b5 = v.fma(w1, b5);
                v = FloatVector.broadcast(S, x[q + 6 * VL]); a6 = v.fma(w0, a6); b6 = v.fma(w1, b6);
                v = FloatVector.broadcast(S, x[q + 7 * VL]); a7 = v.fma(w0, a7); b7 = v.fma(w1, b7);
            }
        }
        a0.intoArray(r, o); b0.intoArray(r, o + VL);
        a1.intoArray(r, o + mStride); b1.intoArray(r, o + mStride + VL);
        a2.intoArray(r, o + 2 * mStride); b2.intoArray(r, o + 2 * mStride + VL);
        a3.intoArray(r, o + 3 * mStride); b3.intoArray(r, o + 3 * mStride + VL);
        a4.intoArray(r, o + 4 * mStride); b4.intoArray(r, o + 4 * mStride + VL);
        a5.intoArray(r, o + 5 * mStride); b5.intoArray(r, o + 5 * mStride + VL);
        a6.intoArray(r, o + 6 * mStride); b6.intoArray(r, o + 6 * mStride + VL);
        a7.intoArray(r, o + 7 * mStride); b7.intoArray(r, o + 7 * mStride + VL);
    }

    /** {@link #gemm8x2}'s first vector only: 8 accumulators, one weight load per step. */
    private static void gemm8x1(float[] x, int p, MemorySegment w, long wOff, int cin, float[] r, int o, int mStride) {
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        long wk = wOff;
        for (int c0 = 0; c0 < cin; c0 += VL, p += T * VL) {
            int end = p + Math.min(VL, cin - c0);
            for (int q = p; q < end; q++, wk += 4L * CB) {
                FloatVector w0 = FloatVector.fromMemorySegment(S, w, wk, LE);
                a0 = FloatVector.broadcast(S, x[q]).fma(w0, a0);
                a1 = FloatVector.broadcast(S, x[q + VL]).fma(w0, a1);
                a2 = FloatVector.broadcast(S, x[q + 2 * VL]).fma(w0, a2);
                a3 = FloatVector.broadcast(S, x[q + 3 * VL]).fma(w0, a3);
                a4 = FloatVector.broadcast(S, x[q + 4 * VL]).fma(w0, a4);
                a5 = FloatVector.broadcast(S, x[q + 5 * VL]).fma(w0, a5);
                a6 = FloatVector.broadcast(S, x[q + 6 * VL]).fma(w0, a6);
                a7 = FloatVector.broadcast(S, x[q + 7 * VL]).fma(w0, a7);
            }
        }
        a0.intoArray(r, o);
        a1.intoArray(r, o + mStride);
        a2.intoArray(r, o + 2 * mStride);
        a3.intoArray(r, o + 3 * mStride);
        a4.intoArray(r, o + 4 * mStride);
        a5.intoArray(r, o + 5 * mStride);
        a6.intoArray(r, o + 6 * mStride);
        a7.intoArray(r, o + 7 * mStride);
    }

    /**
     * Y = A^T M A per tile, plus bias and residual, stored for the tile's pixels inside the map, then
     * the activation. Tile t's products start at {@code m[mBase + t * coutP]}, elements {@code es} apart.
     */
    private static void outputTransform(ConvShape s, int tm, Buffers bf, float[] m, int mBase, int es, int count, int coutP, float[] bias,
                                        float[] res, int resDelta, Activation act, float alpha, float[] out) {
        if (tm == 4) {
            WinogradF4.outputTransform(s, bf, m, mBase, es, count, coutP, bias, res, resDelta, act, alpha, out);
            return;
        }
        int outC = s.outC(), full = outC - outC % VL, ow = s.outW(), oh = s.outH(), rowOut = ow * outC;
        for (int t = 0; t < count; t++) {
            int o = bf.tileOut[t], mo = mBase + t * coutP;
            boolean right = bf.tileW[t] + 1 < ow, down = bf.tileH[t] + 1 < oh;
            for (int c = 0; c < full; c += VL) {
                int a = mo + c;
                FloatVector m00 = FloatVector.fromArray(S, m, a), m01 = FloatVector.fromArray(S, m, a + es),
                        m02 = FloatVector.fromArray(S, m, a + 2 * es), m03 = FloatVector.fromArray(S, m, a + 3 * es);
                FloatVector m10 = FloatVector.fromArray(S, m, a + 4 * es), m11 = FloatVector.fromArray(S, m, a + 5 * es),
                        m12 = FloatVector.fromArray(S, m, a + 6 * es), m13 = FloatVector.fromArray(S, m, a + 7 * es);
                FloatVector m20 = FloatVector.fromArray(S, m, a + 8 * es), m21 = FloatVector.fromArray(S, m, a + 9 * es),
                        m22 = FloatVector.fromArray(S, m, a + 10 * es), m23 = FloatVector.fromArray(S, m, a + 11 * es);
                FloatVector m30 = FloatVector.fromArray(S, m, a + 12 * es), m31 = FloatVector.fromArray(S, m, a + 13 * es),
                        m32 = FloatVector.fromArray(S, m, a + 14 * es), m33 = FloatVector.fromArray(S, m, a + 15 * es);
                // A^T M: two rows of 4.
                FloatVector u0 = m00.add(m10).add(m20), u1 = m01.add(m11).add(m21), u2 = m02.add(m12).add(m22), u3 = m03.add(m13).add(m23);
                FloatVector l0 = m10.sub(m20).sub(m30), l1 = m11.sub(m21).sub(m31), l2 = m12.sub(m22).sub(m32), l3 = m13.sub(m23).sub(m33);
                FloatVector y00 = u0.add(u1).add(u2), y01 = u1.sub(u2).sub(u3), y10 = l0.add(l1).add(l2), y11 = l1.sub(l2).sub(l3);
                if (bias != null) {
                    FloatVector bv = FloatVector.fromArray(S, bias, c);
                    y00 = y00.add(bv); y01 = y01.add(bv); y10 = y10.add(bv); y11 = y11.add(bv);
                }
                int d = o + c;
                if (res != null) y00 = y00.add(FloatVector.fromArray(S, res, d + resDelta));
                y00.intoArray(out, d);
                if (right) {
                    if (res != null) y01 = y01.add(FloatVector.fromArray(S, res, d + outC + resDelta));
                    y01.intoArray(out, d + outC);
                }
                if (down) {
                    if (res != null) y10 = y10.add(FloatVector.fromArray(S, res, d + rowOut + resDelta));
                    y10.intoArray(out, d + rowOut);
                    if (right) {
                        if (res != null) y11 = y11.add(FloatVector.fromArray(S, res, d + rowOut + outC + resDelta));
                        y11.intoArray(out, d + rowOut + outC);
                    }
                }
            }
            for (int c = full; c < outC; c++) {
                int a = mo + c;
                float u0 = m[a] + m[a + 4 * es] + m[a + 8 * es], u1 = m[a + es] + m[a + 5 * es] + m[a + 9 * es];
                float u2 = m[a + 2 * es] + m[a + 6 * es] + m[a + 10 * es], u3 = m[a + 3 * es] + m[a + 7 * es] + m[a + 11 * es];
                float l0 = m[a + 4 * es] - m[a + 8 * es] - m[a + 12 * es], l1 = m[a + 5 * es] - m[a + 9 * es] - m[a + 13 * es];
                float l2 = m[a + 6 * es] - m[a + 10 * es] - m[a + 14 * es], l3 = m[a + 7 * es] - m[a + 11 * es] - m[a + 15 * es];
                float bv = bias != null ? bias[c] : 0f;
                int d = o + c;
                out[d] = u0 + u1 + u2 + bv + (res != null ? res[d + resDelta] : 0f);
                if (right) out[d + outC] = u1 - u2 - u3 + bv + (res != null ? res[d + outC + resDelta] : 0f);
                if (down) {
                    out[d + rowOut] = l0 + l1 + l2 + bv + (res != null ? res[d + rowOut + resDelta] : 0f);
                    if (right) out[d + rowOut + outC] = l1 - l2 - l3 + bv + (res != null ? res[d + rowOut + outC + resDelta] : 0f);
                }
            }
            if (act != Activation.NONE) {
                Activations.apply(act, alpha, out, o, outC);
                if (right) Activations.apply(act, alpha, out, o + outC, outC);
                if (down) {
                    Activations.apply(act, alpha, out, o + rowOut, outC);
                    if (right) Activations.apply(act, alpha, out, o + rowOut + outC, outC);
                }
            }
        }
    }

    /**
     * The chunk's output pixels by the plain direct sum over the packed weights: the path for
     * non-finite values, so that they propagate exactly as in the direct convolution.
     */
    private static void direct(ConvShape s, ConvKernel.Packed pk, int m, float[] x, int inOff, Buffers bf, int count, float[] bias,
                               float[] res, int resDelta, Activation act, float alpha, float[] out) {
        int cin = s.inC(), outC = s.outC(), ow = s.outW(), oh = s.outH(), inH = s.inH(), inW = s.inW();
        MemorySegment w = pk.w();
        for (int t = 0; t < count; t++)
            for (int dy = 0; dy < m; dy++)
                for (int dx = 0; dx < m; dx++) {
                    if (bf.tileH[t] + dy >= oh || bf.tileW[t] + dx >= ow) continue;
                    int o = bf.tileOut[t] + (dy * ow + dx) * outC;
                    for (int co = 0; co < outC; co++) {
                        int b = co / CB, j = co % CB;
                        float sum = 0f;
                        for (int kh = 0; kh < 3; kh++)
                            for (int kw = 0; kw < 3; kw++) {
                                // Taps in the padding are skipped, as the reference does (0 * Inf would be NaN).
                                int iy = bf.tileH[t] + dy + kh - s.padTop(), ix = bf.tileW[t] + dx + kw - s.padLeft();
                                if (iy < 0 || iy >= inH || ix < 0 || ix >= inW) continue;
                                int xp = inOff + ((bf.tileN[t] * inH + iy) * inW + ix) * cin;
                                for (int ci = 0; ci < cin; ci++)
                                    sum += x[xp + ci] * w.getAtIndex(PackedLayouts.F32, (((long) b * 9 + kh * 3 + kw) * cin + ci) * CB + j);
                            }
                        out[o + co] = act.apply(sum + (bias != null ? bias[co] : 0f) + (res != null ? res[o + co + resDelta] : 0f), alpha);
                    }
                }
    }
}
