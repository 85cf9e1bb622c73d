package dev.mien.kernels.simd;

import dev.mien.kernels.Activation;
import dev.mien.kernels.ConvShape;
import dev.mien.kernels.PackedLayouts;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * Direct NHWC convolution as a register-blocked micro-kernel: a tile of 8 output pixels
 * along W times two vectors of output channels stays in 16 accumulators while the loop
 * walks kernel rows, columns and input channels, broadcasting one input value per pixel and
 * multiplying it with a packed weight vector. Padding is materialised once per call in a
 * zero-bordered copy, so the inner loops carry no bounds checks; bias, residual and
 * activation are applied as the tile is stored.
 */
final class ConvKernel {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int VL = S.length();
    static final int CB = 2 * VL;   // output channels per block
    static final int TW = 8;        // output pixels per tile

    /**
     * Vector registers the micro-kernels plan for: 32 with AVX-512 and on AArch64, 16 on x86
     * without AVX-512 (AVX2: 256-bit vectors, 16 ymm registers). A tile of 8 pixels x 2 vectors
     * needs 16 sums, 2 weight vectors and a broadcast: it fits 32 registers, but with 16 C2
     * keeps some sums on the stack, and an AMD EPYC (Zen 3, AVX2) ran MA-Net's, PAtt-Lite's and
     * LANMSFF's convolutions at 1.4-2.9x ONNX Runtime's time. Where {@link #NARROW}, every such
     * tile runs as halves of at most 12 sums. {@code -Dmien.vectorRegisters=16|32} overrides
     * the detection (the tests run both layouts of tiles on any machine).
     */
    static final int REGISTERS = Integer.getInteger("mien.vectorRegisters", detectRegisters());
    /** Whether the tiles must fit 16 vector registers ({@link #REGISTERS}). */
    static final boolean NARROW = REGISTERS < 32;

    private static int detectRegisters() {
        String arch = System.getProperty("os.arch", "");
        boolean x86 = arch.equals("amd64") || arch.equals("x86_64") || arch.equals("x86") || arch.equals("i386");
        return x86 && S.vectorByteSize() < 64 ? 16 : 32;
    }

    private ConvKernel() {}

    /**
     * Weights packed as [group][block][kh][kw][ci][CB], zero-padded past the group's channels, in a segment (heap or mapped);
     * {@code winograd} holds their Winograd transform once a call has needed it.
     */
    record Packed(ConvShape shape, MemorySegment w, int blocks, WinogradKernel.Lazy winograd) implements dev.mien.kernels.PackedWeights {
        Packed(ConvShape shape, MemorySegment w, int blocks) { this(shape, w, blocks, new WinogradKernel.Lazy()); }

        @Override public String backend() { return "vector"; }
        @Override public String layout() { return LAYOUT; }
        @Override public MemorySegment segment() { return w.asReadOnly(); }
    }

    /** This machine's blocked layout: the block is two vectors, so the id carries the vector length. */
    static final String LAYOUT = PackedLayouts.blocked(CB);

    static Packed pack(ConvShape s, float[] hwio) {
        return new Packed(s, PackedLayouts.packBlocked(s, hwio, CB), blocks(s));
    }

    /** Weights already packed in {@link #LAYOUT} (a mapped file), used in place; null for another layout. */
    static Packed adopt(ConvShape s, String layout, MemorySegment packed) {
        if (!LAYOUT.equals(layout)) return null;
        if (packed.byteSize() != 4 * PackedLayouts.floats(layout, s))
            throw new IllegalArgumentException("packed weights of " + packed.byteSize() + " bytes do not fit " + s);
        return new Packed(s, packed, blocks(s));
    }

    private static int blocks(ConvShape s) { return (s.outGroupC() + CB - 1) / CB; }

    /** Input with its padding materialised: [n][inH+pt+pb][inW+pl+pr][inC]. Mutable, reused per calling thread. */
    static final class PaddedInput {
        float[] data;
        int off, h, w;

        PaddedInput set(float[] data, int off, int h, int w) {
            this.data = data;
            this.off = off;
            this.h = h;
            this.w = w;
            return this;
        }
    }

    /** Points {@code to} at the input, copied with its padding into {@code scratch} where it has any. */
    static PaddedInput pad(ConvShape s, float[] in, int inOff, Scratch scratch, PaddedInput to) {
        if (s.padTop() == 0 && s.padLeft() == 0 && s.padBottom() == 0 && s.padRight() == 0)
            return to.set(in, inOff, s.inH(), s.inW());
        int hp = s.inH() + s.padTop() + s.padBottom(), wp = s.inW() + s.padLeft() + s.padRight(), c = s.inC();
        float[] buf = scratch.padded(s.n() * hp * wp * c);
        int row = wp * c;
        for (int n = 0; n < s.n(); n++) {
            int base = n * hp * row;
            java.util.Arrays.fill(buf, base, base + s.padTop() * row, 0f);
            java.util.Arrays.fill(buf, base + (s.padTop() + s.inH()) * row, base + hp * row, 0f);
            for (int y = 0; y < s.inH(); y++) {
                int d = base + (y + s.padTop()) * row;
                java.util.Arrays.fill(buf, d, d + s.padLeft() * c, 0f);
                System.arraycopy(in, inOff + ((n * s.inH() + y) * s.inW()) * c, buf, d + s.padLeft() * c, s.inW() * c);
                java.util.Arrays.fill(buf, d + (s.padLeft() + s.inW()) * c, d + row, 0f);
            }
        }
        return to.set(buf, 0, hp, wp);
    }

    /** Tiles of TW output pixels per image: pixels are flattened over (oy, ox), so narrow maps fill tiles too. */
    static int tilesPerImage(ConvShape s) { return (s.outH() * s.outW() + TW - 1) / TW; }

    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /**
     * Work items of one call: every (group, channel block), times every pixel tile of every image.
     * {@code s} is the call's shape (batch and image size); the packed weights are shared by every
     * plan of a model and only fix the kernel and channels.
     */
    static int items(ConvShape s, Packed pk) {
        return s.groups() * pk.blocks() * s.n() * tilesPerImage(s);
    }

    /** Computes items [from, to): item = (group*blocks + block) * tiles + tile, so neighbours share weights. */
    static void run(ConvShape s, Packed pk, PaddedInput in, float[] bias, float[] res, int resOff, Activation act, float alpha,
                    float[] out, int outOff, int from, int to, Job j) {
        int tilesImg = tilesPerImage(s), tiles = s.n() * tilesImg;
        j.bind(s, pk, in);
        j.acc(TW * CB);
        for (int item = from; item < to; item++) {
            int gb = item / tiles, t = item % tiles;
            int g = gb / pk.blocks(), b = gb % pk.blocks();
            int n = t / tilesImg, p0 = (t % tilesImg) * TW;
            int count = j.place(g, b, n, p0);
            compute(j, count);
            finish(j, g, b, n, p0, count, bias, res, resOff, act, alpha, out, outOff);
        }
    }

    /**
     * One thread's working state: the call's geometry and the tile being computed (its input
     * offsets, its block's weights and valid channels, its sums). Mutable and per thread: the micro-kernels
     * are not inlined into their caller, so an object per tile would be a real allocation.
     * Held by the thread's {@link ThreadState}.
     */
    static final class Job {
        ConvShape s;
        MemorySegment w;
        float[] x;
        int xBase, xH, inRowStride, blocks;
        int wBase, valid;
        boolean oneRow;
        final int[] q = new int[TW];
        float[] acc = new float[TW * CB];

        void bind(ConvShape shape, Packed pk, PaddedInput in) {
            s = shape;
            w = pk.w();
            x = in.data;
            xBase = in.off;
            xH = in.h;
            blocks = pk.blocks();
            inRowStride = in.w * s.inC();
        }

        float[] acc(int n) {
            if (acc.length < n) acc = new float[n];
            return acc;
        }

        /** Sets up the tile of image n starting at flattened output pixel p0; returns its pixel count. */
        int place(int g, int b, int n, int p0) {
            int inC = s.inC(), ow = s.outW(), pixels = s.outH() * ow, count = Math.min(TW, pixels - p0);
            int img = xBase + n * xH * inRowStride + g * s.inGroupC();
            for (int t = 0; t < TW; t++) {
                // A partial last tile repeats its last pixel; the duplicates are computed but not stored.
                int p = p0 + Math.min(t, count - 1), oy = p / ow, ox = p % ow;
                q[t] = img + oy * s.strideH() * inRowStride + ox * s.strideW() * inC;
            }
            wBase = (g * blocks + b) * s.kH() * s.kW() * s.inGroupC() * CB;
            valid = Math.min(CB, s.outGroupC() - b * CB);
            // A full tile within one output row has evenly spaced input pixels: the cheaper addressing.
            oneRow = count == TW && p0 / ow == (p0 + TW - 1) / ow;
            return count;
        }
    }

    /** Adds the current tile's products over the job's reduction range to its sums. */
    private static void compute(Job j, int count) {
        if (j.valid > VL) {
            if (count <= TW / 2) tile4x2(j, 0);  // a short last tile: half the work
            else if (NARROW) {                   // two halves of 8 sums each
                tile4x2(j, 0);
                tile4x2(j, 4);
            }
            else if (j.oneRow) row8x2(j, j.s.strideW() * j.s.inC());
            else tile8x2(j);
        }
        else tile8x1(j);
    }

    /** Epilogue of one tile: its sums plus bias and residual, then the activation. */
    private static void finish(Job j, int g, int b, int n, int p0, int count, float[] bias, float[] res, int resOff,
                               Activation act, float alpha, float[] out, int outOff) {
        ConvShape s = j.s;
        int outC = s.outC(), co0 = g * s.outGroupC() + b * CB;   // j.valid: set by place() for this block
        int o = outOff + (n * s.outH() * s.outW() + p0) * outC + co0;
        store(j.acc, 0, count, j.valid, co0, bias, res, resOff, out, o, outC);
        if (act != Activation.NONE)
            for (int t = 0; t < count; t++) Activations.apply(act, alpha, out, o + t * outC, j.valid);
    }

    /** out = acc + bias + residual for {@code count} pixels of {@code valid} channels, pixel t's sums at {@code acc[accOff + t * CB]}. */
    static void store(float[] acc, int accOff, int count, int valid, int co, float[] bias, float[] res, int resOff,
                      float[] out, int o, int outC) {
        store(acc, accOff, CB, count, valid, co, bias, res, resOff, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, out, o, outC);
    }

    /**
     * out = acc + bias + residual, clamped to [lo, hi] (ReLU and ReLU6 fused; the infinities for
     * none), for {@code count} pixels {@code outC} apart from {@code out[o]}, of {@code valid}
     * channels from channel {@code co}: whole vectors, then a scalar tail (a partial last block).
     * Pixel t's sums start at {@code acc[accOff + t * accStride]}. Lane-wise max/min follow
     * Math.max/min: NaN stays NaN, as in the reference activations.
     */
    static void store(float[] acc, int accOff, int accStride, int count, int valid, int co, float[] bias, float[] res, int resOff,
                      float lo, float hi, float[] out, int o, int outC) {
        int full = valid - valid % VL;
        for (int t = 0; t < count; t++) {
            int d = o + t * outC, a = accOff + t * accStride;
            for (int c = 0; c < full; c += VL) {
                FloatVector v = FloatVector.fromArray(S, acc, a + c);
                if (bias != null) v = v.add(FloatVector.fromArray(S, bias, co + c));
                if (res != null) v = v.add(FloatVector.fromArray(S, res, resOff + d + c));
                v.max(lo).min(hi).intoArray(out, d + c);
            }
            for (int c = full; c < valid; c++) {
                float v = acc[a + c];
                if (bias != null) v += bias[co + c];
                if (res != null) v += res[resOff + d + c];
                out[d + c] = Math.min(Math.max(v, lo), hi);
            }
        }
    }

    // The tiles are small, branch-free methods: C2 inlines every Vector API call, keeps the
    // accumulators in registers, and has no rarely-taken branch to deoptimise on. They leave
    // raw sums in the job's accumulator buffer; the epilogue above adds bias, residual, activation.

    private static void tile8x2(Job j) {
        ConvShape s = j.s;
        int inC = s.inC(), kH = s.kH(), dh = s.dilH() * j.inRowStride, dw = s.dilW() * inC;
        MemorySegment w = j.w;
        float[] x = j.x;
        // With unit dilation along W and one group, a kernel row's receptive field is contiguous
        // (kW x Cin floats), as are its weights: walk it as one loop.
        boolean flat = s.dilW() == 1 && s.groups() == 1;
        int kW = flat ? 1 : s.kW(), cig = flat ? s.kW() * s.inGroupC() : s.inGroupC();
        int[] q = j.q;
        int q0 = q[0], q1 = q[1], q2 = q[2], q3 = q[3], q4 = q[4], q5 = q[5], q6 = q[6], q7 = q[7];
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0, b4 = a0, b5 = a0, b6 = a0, b7 = a0;
        int wk = j.wBase;
        for (int kh = 0; kh < kH; kh++) {
            for (int kw = 0; kw < kW; kw++) {
                int k = kh * dh + kw * dw;
                for (int ci = 0; ci < cig; ci++, wk += CB) {
                    int c = k + ci;
                    FloatVector w0 = FloatVector.fromMemorySegment(S, w, 4L * wk, LE), w1 = FloatVector.fromMemorySegment(S, w, 4L * (wk + VL), LE);
                    FloatVector v;
                    v = FloatVector.broadcast(S, x[q0 + c]); a0 = v.fma(w0, a0); b0 = v.fma(w1, b0);
                    v = FloatVector.broadcast(S, x[q1 + c]); a1 = v.fma(w0, a1); b1 = v.fma(w1, b1);
                    v = FloatVector.broadcast(S, x[q2 + c]); a2 = v.fma(w0, a2); b2 = v.fma(w1, b2);
                    v = FloatVector.broadcast(S, x[q3 + c]); a3 = v.fma(w0, a3); b3 = v.fma(w1, b3);
                    v = FloatVector.broadcast(S, x[q4 + c]); a4 = v.fma(w0, a4); b4 = v.fma(w1, b4);
                    v = FloatVector.broadcast(S, x[q5 + c]); a5 = v.fma(w0, a5); b5 = v.fma(w1, b5);
                    v = FloatVector.broadcast(S, x[q6 + c]); a6 = v.fma(w0, a6); b6 = v.fma(w1, b6);
                    v = FloatVector.broadcast(S, x[q7 + c]); a7 = v.fma(w0, a7); b7 = v.fma(w1, b7);
                }
            }
        }
        float[] r = j.acc;
        a0.intoArray(r, 0); b0.intoArray(r, VL);
        a1.intoArray(r, CB); b1.intoArray(r, CB + VL);
        a2.intoArray(r, 2 * CB); b2.intoArray(r, 2 * CB + VL);
        a3.intoArray(r, 3 * CB); b3.intoArray(r, 3 * CB + VL);
        a4.intoArray(r, 4 * CB); b4.intoArray(r, 4 * CB + VL);
        a5.intoArray(r, 5 * CB); b5.intoArray(r, 5 * CB + VL);
        a6.intoArray(r, 6 * CB); b6.intoArray(r, 6 * CB + VL);
        a7.intoArray(r, 7 * CB); b7.intoArray(r, 7 * CB + VL);
    }

    /** As {@link #tile8x2} for the tile's pixels [h, h + 4): a short last tile (h = 0), or half a tile on a {@link #NARROW} machine. */
    private static void tile4x2(Job j, int h) {
        ConvShape s = j.s;
        int inC = s.inC(), kH = s.kH(), dh = s.dilH() * j.inRowStride, dw = s.dilW() * inC;
        MemorySegment w = j.w;
        float[] x = j.x;
        // With unit dilation along W and one group, a kernel row's receptive field is contiguous
        // (kW x Cin floats), as are its weights: walk it as one loop.
        boolean flat = s.dilW() == 1 && s.groups() == 1;
        int kW = flat ? 1 : s.kW(), cig = flat ? s.kW() * s.inGroupC() : s.inGroupC();
        int[] q = j.q;
        int q0 = q[h], q1 = q[h + 1], q2 = q[h + 2], q3 = q[h + 3];
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
        FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        int wk = j.wBase;
        for (int kh = 0; kh < kH; kh++) {
            for (int kw = 0; kw < kW; kw++) {
                int k = kh * dh + kw * dw;
                for (int ci = 0; ci < cig; ci++, wk += CB) {
                    int c = k + ci;
                    FloatVector w0 = FloatVector.fromMemorySegment(S, w, 4L * wk, LE), w1 = FloatVector.fromMemorySegment(S, w, 4L * (wk + VL), LE);
                    FloatVector v;
                    v = FloatVector.broadcast(S, x[q0 + c]); a0 = v.fma(w0, a0); b0 = v.fma(w1, b0);
                    v = FloatVector.broadcast(S, x[q1 + c]); a1 = v.fma(w0, a1); b1 = v.fma(w1, b1);
                    v = FloatVector.broadcast(S, x[q2 + c]); a2 = v.fma(w0, a2); b2 = v.fma(w1, b2);
                    v = FloatVector.broadcast(S, x[q3 + c]); a3 = v.fma(w0, a3); b3 = v.fma(w1, b3);
                }
            }
        }
        float[] r = j.acc;
        int o = h * CB;
        a0.intoArray(r, o); b0.intoArray(r, o + VL);
        a1.intoArray(r, o + CB); b1.intoArray(r, o + CB + VL);
        a2.intoArray(r, o + 2 * CB); b2.intoArray(r, o + 2 * CB + VL);
        a3.intoArray(r, o + 3 * CB); b3.intoArray(r, o + 3 * CB + VL);
    }

    /** As {@link #tile8x2} for 8 pixels of one row: pixel t reads at q[0] + t * step. */
    private static void row8x2(Job j, int step) {
        ConvShape s = j.s;
        int inC = s.inC(), kH = s.kH(), dh = s.dilH() * j.inRowStride, dw = s.dilW() * inC;
        MemorySegment w = j.w;
        float[] x = j.x;
        // With unit dilation along W and one group, a kernel row's receptive field is contiguous
        // (kW x Cin floats), as are its weights: walk it as one loop.
        boolean flat = s.dilW() == 1 && s.groups() == 1;
        int kW = flat ? 1 : s.kW(), cig = flat ? s.kW() * s.inGroupC() : s.inGroupC();
        int q0 = j.q[0];
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0, b4 = a0, b5 = a0, b6 = a0, b7 = a0;
        int wk = j.wBase;
        for (int kh = 0; kh < kH; kh++) {
            for (int kw = 0; kw < kW; kw++) {
                int p = q0 + kh * dh + kw * dw;
                for (int ci = 0; ci < cig; ci++, wk += CB, p++) {
                    FloatVector w0 = FloatVector.fromMemorySegment(S, w, 4L * wk, LE), w1 = FloatVector.fromMemorySegment(S, w, 4L * (wk + VL), LE);
                    FloatVector v;
                    v = FloatVector.broadcast(S, x[p]); a0 = v.fma(w0, a0); b0 = v.fma(w1, b0);
                    v = FloatVector.broadcast(S, x[p + step]); a1 = v.fma(w0, a1); b1 = v.fma(w1, b1);
                    v = FloatVector.broadcast(S, x[p + 2 * step]); a2 = v.fma(w0, a2); b2 = v.fma(w1, b2);
                    v = FloatVector.broadcast(S, x[p + 3 * step]); a3 = v.fma(w0, a3); b3 = v.fma(w1, b3);
                    v = FloatVector.broadcast(S, x[p + 4 * step]); a4 = v.fma(w0, a4); b4 = v.fma(w1, b4);
                    v = FloatVector.broadcast(S, x[p + 5 * step]); a5 = v.fma(w0, a5); b5 = v.fma(w1, b5);
                    v = FloatVector.broadcast(S, x[p + 6 * step]); a6 = v.fma(w0, a6); b6 = v.fma(w1, b6);
                    v = FloatVector.broadcast(S, x[p + 7 * step]); a7 = v.fma(w0, a7); b7 = v.fma(w1, b7);
                }
            }
        }
        float[] r = j.acc;
        a0.intoArray(r, 0); b0.intoArray(r, VL);
        a1.intoArray(r, CB); b1.intoArray(r, CB + VL);
        a2.intoArray(r, 2 * CB); b2.intoArray(r, 2 * CB + VL);
        a3.intoArray(r, 3 * CB); b3.intoArray(r, 3 * CB + VL);
        a4.intoArray(r, 4 * CB); b4.intoArray(r, 4 * CB + VL);
        a5.intoArray(r, 5 * CB); b5.intoArray(r, 5 * CB + VL);
        a6.intoArray(r, 6 * CB); b6.intoArray(r, 6 * CB + VL);
        a7.intoArray(r, 7 * CB); b7.intoArray(r, 7 * CB + VL);
    }

    private static void tile8x1(Job j) {
        ConvShape s = j.s;
        int inC = s.inC(), kH = s.kH(), dh = s.dilH() * j.inRowStride, dw = s.dilW() * inC;
        MemorySegment w = j.w;
        float[] x = j.x;
        // With unit dilation along W and one group, a kernel row's receptive field is contiguous
        // (kW x Cin floats), as are its weights: walk it as one loop.
        boolean flat = s.dilW() == 1 && s.groups() == 1;
        int kW = flat ? 1 : s.kW(), cig = flat ? s.kW() * s.inGroupC() : s.inGroupC();
        int[] q = j.q;
        int q0 = q[0], q1 = q[1], q2 = q[2], q3 = q[3], q4 = q[4], q5 = q[5], q6 = q[6], q7 = q[7];
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        int wk = j.wBase;
        for (int kh = 0; kh < kH; kh++) {
            for (int kw = 0; kw < kW; kw++) {
                int k = kh * dh + kw * dw;
                for (int ci = 0; ci < cig; ci++, wk += CB) {
                    int c = k + ci;
                    FloatVector w0 = FloatVector.fromMemorySegment(S, w, 4L * wk, LE);
                    a0 = FloatVector.broadcast(S, x[q0 + c]).fma(w0, a0);
                    a1 = FloatVector.broadcast(S, x[q1 + c]).fma(w0, a1);
                    a2 = FloatVector.broadcast(S, x[q2 + c]).fma(w0, a2);
                    a3 = FloatVector.broadcast(S, x[q3 + c]).fma(w0, a3);
                    a4 = FloatVector.broadcast(S, x[q4 + c]).fma(w0, a4);
                    a5 = FloatVector.broadcast(S, x[q5 + c]).fma(w0, a5);
                    a6 = FloatVector.broadcast(S, x[q6 + c]).fma(w0, a6);
                    a7 = FloatVector.broadcast(S, x[q7 + c]).fma(w0, a7);
                }
            }
        }
        float[] r = j.acc;
        a0.intoArray(r, 0);
        a1.intoArray(r, CB);
        a2.intoArray(r, 2 * CB);
        a3.intoArray(r, 3 * CB);
        a4.intoArray(r, 4 * CB);
        a5.intoArray(r, 5 * CB);
        a6.intoArray(r, 6 * CB);
        a7.intoArray(r, 7 * CB);
    }
}
