package dev.mien.kernels.simd;

import dev.mien.kernels.Activation;
import dev.mien.kernels.ConvAlgorithm;
import dev.mien.kernels.ConvShape;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static dev.mien.kernels.simd.ConvKernel.LE;
import static dev.mien.kernels.simd.ConvKernel.S;
import static dev.mien.kernels.simd.ConvKernel.VL;

/**
 * 3x3 depthwise convolution (every depthwise layer of PAtt-Lite's MobileNet and LANMSFF's
 * separable and dilated blocks), NHWC, vectorised along the channels.
 *
 * <p>Depthwise layers do 9 multiply-adds per loaded output value, so loads, not FMAs, set the
 * pace. Each row is walked one channel vector at a time: the vector's nine taps and its bias
 * stay in registers for the whole row (the bias is where the sums start), and at stride 1 and
 * 2 each input column is loaded once per kernel row and carried in registers to the next
 * outputs that need it. At stride 1, two output rows whose four input rows are inside the image
 * are computed together, so the two rows they share are loaded once: two loads per output
 * instead of three. The epilogue (residual, ReLU/ReLU6 clamp) is applied in registers as the
 * sums are stored: the output is written once. Loads walk their index by one channel stride per
 * column (no per-load offsets for C2 to keep in registers or spill).
 *
 * <p>Padding. With finite taps (checked once, when the weights are packed) a column in the
 * left or right padding is read as a zero vector (0 x tap = 0), so stride-1 and stride-2 rows
 * run as one loop from the first pixel to the last; a kernel row in the top or bottom padding
 * reads an image row of the same window times a zero row of taps, if that image row is finite.
 * Otherwise a zero would meet an infinite tap, or a zero tap an infinite input, and give NaN
 * where the reference skips the padding: those rows and columns take a one-pixel loop that
 * checks columns and reads a real zero row. Dilated and wider-strided shapes load per output.
 *
 * <p>A channel count that is not a multiple of the vector length (LANMSFF's 66) ends with one
 * whole vector overlapping the previous one, recomputing a few channels to the same values,
 * instead of masked loads. Where the residual is the output buffer that recomputation would
 * add the residual twice; those calls finish the last channels with scalar code.
 */
final class Depthwise3x3 {
    private Depthwise3x3() {}

    /** Shapes this kernel takes: 3x3 with at least one whole channel vector (any stride and dilation). */
    static boolean runs(ConvShape s) { return s.kH() == 3 && s.kW() == 3 && s.inC() >= VL; }

    /**
     * The weights as this kernel reads them: [kh][kw][C] on the heap (no segment checks in the
     * loop) followed by a fourth, zero kernel row that stands in for rows in the padding, and one
     * last element, 1 where every tap is finite (see {@link #run}); null where the kernel is not
     * 3x3 or has fewer channels than a vector.
     */
    static float[] taps(ConvShape s, MemorySegment w) {
        if (s.kH() != 3 || s.kW() != 3 || s.inC() < VL || !ConvAlgorithm.depthwise(s)) return null;
        int c = s.inC();
        float[] t = new float[12 * c + 1];
        MemorySegment.copy(w, FLOAT, 0, t, 0, 9 * c);
        boolean finite = true;
        for (int i = 0; i < 9 * c; i++) finite &= Float.isFinite(t[i]);
        t[12 * c] = finite ? 1f : 0f;
        return t;
    }

    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);

    /** A read-only row of zeros standing for input rows in the padding; grown, never written. */
    private static volatile float[] zeros = new float[0];

    private static float[] zeros(int n) {
        float[] z = zeros;
        if (z.length < n) zeros = z = new float[n];
        return z;
    }

    /** Whether the n values of x from p on are all finite. */
    private static boolean finite(float[] x, int p, int n) {
        FloatVector inf = FloatVector.broadcast(S, Float.POSITIVE_INFINITY);
        int i = 0;
        for (; i + VL <= n; i += VL)
            if (FloatVector.fromArray(S, x, p + i).abs().compare(VectorOperators.LT, inf).not().anyTrue()) return false;
        for (; i < n; i++) if (!Float.isFinite(x[p + i])) return false;
        return true;
    }

    /** Output rows [from, to) of the batch (row = n * outH + oy). */
    static void run(ConvShape s, float[] x, int inOff, float[] w, float[] bias, float[] res, int resOff,
                    Activation act, float alpha, float[] out, int outOff, int from, int to) {
        int c = s.inC(), oh = s.outH(), ow = s.outW(), ih = s.inH(), iw = s.inW();
        int rowStride = iw * c, full = c - c % VL, sh = s.strideH(), sw = s.strideW(), pl = s.padLeft();
        int dh = s.dilH(), dw = s.dilW();
        // Stride 1 and 2 without dilation carry loaded columns from one step to the next; other shapes load per output.
        int kind = dw == 1 && sw <= 2 ? sw : 0;
        // ReLU and ReLU6 are clamps fused into the store; other activations run over the finished row.
        float lo = act == Activation.RELU || act == Activation.RELU6 ? 0f : Float.NEGATIVE_INFINITY;
        float hi = act == Activation.RELU6 ? 6f : Float.POSITIVE_INFINITY;
        // A partial last vector is recomputed as the whole vector ending at c (unless that would add an in-place residual twice).
        boolean overlap = full < c && res != out;
        int last = c - VL;
        float[] zero = zeros(rowStride);
        // Output columns [ox0, ox1) have all three input columns inside the image; the steps of four run there.
        int ox0 = Math.min(ow, (pl + sw - 1) / sw);
        int ox1 = Math.max(ox0, Math.min(ow, Math.floorDiv(iw - 1 - 2 * dw + pl, sw) + 1));
        int quads = (ox1 - ox0) / 4, ox2 = ox0 + 4 * quads;
        // With finite taps a column in the left or right padding can be read as zeros (0 x tap = 0),
        // so stride 1 and 2 walk whole rows in one loop; the steps of four stop before the first
        // column past the image (stride 1: a step's last new column is ox - pl + 5; stride 2: 2ox - pl + 8).
        boolean whole = kind != 0 && w[12 * c] == 1f && pl <= 1;
        int wholeQuads = !whole ? 0 : Math.max(0, Math.min(ow / 4, kind == 1 ? Math.floorDiv(iw - 6 + pl, 4) + 1 : Math.floorDiv(iw - 9 + pl, 8) + 1));
        // Two output rows at stride 1 share two of their input rows: with all four inside the
        // image they are computed together, in steps of two pixels (row1x2).
        boolean pairs = whole && kind == 1 && sh == 1 && dh == 1;
        // A step's first new column (ox - pl + 2) is inside the image; its second may be the first column of the right padding.
        int pairSteps = pairs ? Math.max(0, Math.min(ow / 2, Math.floorDiv(iw + pl - 1, 2))) : 0, rest = ow - 2 * pairSteps;
        for (int r = from; r < to; r++) {
            int n = r / oh, oy = r % oh;
            int img = inOff + n * ih * rowStride, y0 = oy * sh - s.padTop();
            if (pairs && r + 1 < to && oy + 1 < oh && y0 >= 0 && y0 + 3 < ih) {
                int a = img + y0 * rowStride, b = a + rowStride, o = outOff + r * ow * c;
                for (int pass = overlap ? 2 : 1, ch0 = 0, ch1 = full; pass > 0; pass--, ch0 = last, ch1 = last + 1) {
                    row1x2(x, a, rowStride, w, c, ch0, ch1, -pl, iw, pairSteps, ow * c, bias, res, resOff, lo, hi, out, o);
                    if (rest > 0) {
                        int ix = 2 * pairSteps - pl, oo = o + 2 * pairSteps * c;
                        row1(x, a, b, b + rowStride, 0, 3 * c, 6 * c, w, c, ch0, ch1, ix, iw, 0, rest, bias, res, resOff, lo, hi, out, oo);
                        row1(x, b, b + rowStride, b + 2 * rowStride, 0, 3 * c, 6 * c, w, c, ch0, ch1, ix, iw, 0, rest, bias, res, resOff, lo, hi, out, oo + ow * c);
                    }
                }
                finish(s, x, img, y0, w, bias, res, resOff, act, alpha, lo, hi, out, o, full, overlap);
                finish(s, x, img, y0 + 1, w, bias, res, resOff, act, alpha, lo, hi, out, o + ow * c, full, overlap);
                r++;
                continue;
            }
            int y1 = y0 + dh, y2 = y1 + dh;
            boolean h0 = y0 >= 0 && y0 < ih, h1 = y1 >= 0 && y1 < ih, h2 = y2 >= 0 && y2 < ih;
            float[] x0 = h0 ? x : zero, x1 = h1 ? x : zero, x2 = h2 ? x : zero;
            // Where each kernel row's input row starts; a row in the padding takes the zero row and the zero row of weights.
            int p0 = h0 ? img + y0 * rowStride : 0, p1 = h1 ? img + y1 * rowStride : 0, p2 = h2 ? img + y2 * rowStride : 0;
            int t0 = h0 ? 0 : 9 * c, t1 = h1 ? 3 * c : 9 * c, t2 = h2 ? 6 * c : 9 * c;
            int o = outOff + r * ow * c;
            // Stride 1 and 2 read all three kernel rows from x. A row in the padding is then some
            // image row of the window times the zero taps, which gives zeros if that row is finite;
            // otherwise (or with no image row in the window) the row takes the checked loop.
            int q0 = p0, q1 = p1, q2 = p2, real = h1 ? p1 : h0 ? p0 : p2;
            boolean one = kind != 0 && (h0 || h1 || h2) && (h0 && h1 && h2 || finite(x, real, rowStride));
            if (one) {
                if (!h0) q0 = real;
                if (!h1) q1 = real;
                if (!h2) q2 = real;
            }
            for (int pass = overlap ? 2 : 1, ch0 = 0, ch1 = full; pass > 0; pass--, ch0 = last, ch1 = last + 1) {
                if (one && whole) {
                    if (kind == 1) row1(x, q0, q1, q2, t0, t1, t2, w, c, ch0, ch1, -pl, iw, wholeQuads, ow - 4 * wholeQuads, bias, res, resOff, lo, hi, out, o);
                    else row2(x, q0, q1, q2, t0, t1, t2, w, c, ch0, ch1, -pl, iw, wholeQuads, ow - 4 * wholeQuads, bias, res, resOff, lo, hi, out, o);
                    continue;
                }
                if (kind != 0 && !one) {
                    edges(x0, p0, x1, p1, x2, p2, t0, t1, t2, w, c, ch0, ch1, 0, ow, sw, pl, dw, iw, bias, res, resOff, lo, hi, out, o);
                    continue;
                }
                if (ox0 > 0) edges(x0, p0, x1, p1, x2, p2, t0, t1, t2, w, c, ch0, ch1, 0, ox0, sw, pl, dw, iw, bias, res, resOff, lo, hi, out, o);
                if (quads > 0) {
                    int oo = o + ox0 * c, ix = ox0 * sw - pl;
                    if (kind == 1) row1(x, q0, q1, q2, t0, t1, t2, w, c, ch0, ch1, ix, iw, quads, 0, bias, res, resOff, lo, hi, out, oo);
                    else if (kind == 2) row2(x, q0, q1, q2, t0, t1, t2, w, c, ch0, ch1, ix, iw, quads, 0, bias, res, resOff, lo, hi, out, oo);
                    else rowAny(x0, p0 + ix * c, x1, p1 + ix * c, x2, p2 + ix * c, t0, t1, t2, sw * c, dw * c, w, c, ch0, ch1, quads, bias, res, resOff, lo, hi, out, oo);
                }
                if (ox2 < ow) edges(x0, p0, x1, p1, x2, p2, t0, t1, t2, w, c, ch0, ch1, ox2, ow, sw, pl, dw, iw, bias, res, resOff, lo, hi, out, o);
            }
            finish(s, x, img, y0, w, bias, res, resOff, act, alpha, lo, hi, out, o, full, overlap);
        }
    }

    /**
     * The end of output row o (first input row y0): the channel tail in scalar code where it was
     * not recomputed as an overlapping vector, then an activation that is not a clamp.
     */
    private static void finish(ConvShape s, float[] x, int img, int y0, float[] w, float[] bias, float[] res, int resOff,
                               Activation act, float alpha, float lo, float hi, float[] out, int o, int full, boolean overlap) {
        int c = s.inC(), ow = s.outW();
        if (full < c && !overlap)
            for (int ox = 0; ox < ow; ox++)
                for (int ch = full; ch < c; ch++)
                    out[o + ox * c + ch] = scalar(x, img, y0, s.dilH(), ox * s.strideW() - s.padLeft(), s.dilW(), s.inH(), s.inW(), w, c, ch,
                            bias, res, resOff, lo, hi, o + ox * c);
        if (act != Activation.NONE && act != Activation.RELU && act != Activation.RELU6) Activations.apply(act, alpha, out, o, ow * c);
    }

    // The clamp is two compare-and-blends: a NaN compares false and passes through, as through
    // Math.max/min, and only the sign of a zero may differ from them (-0.0 stays -0.0).
    // FloatVector.max/min were lowered to five instructions each (vpmovd2m, two blends, vmaxps,
    // a NaN fix-up) to give Java's rules. The stride-1, two-row and stride-2 loops are written out
    // (no kernel-row loop) in separate methods: a method of ~100 vector operations is where C2
    // was seen to stop inlining the Vector API and box.

    /**
     * Output pixels at stride 1 for channel vectors [ch0, ch1): {@code quads} steps of four, then
     * {@code singles} one at a time. Kernel row k reads its input row from x[pk] (column 0) and
     * its taps from w[tk]; the first pixel's leftmost input column is {@code ix}. Each input
     * column is loaded once per kernel row and carried in registers to the pixels that need it.
     * The steps only load columns inside the image; the first two columns and those the single
     * pixels load may lie in the padding and are then zeros, which the caller allows only with
     * finite taps.
     */
    private static void row1(float[] x, int p0, int p1, int p2, int t0, int t1, int t2,
                             float[] w, int c, int ch0, int ch1, int ix, int iw, int quads, int singles,
                             float[] bias, float[] res, int resOff, float lo, float hi, float[] out, int o) {
        FloatVector vlo = FloatVector.broadcast(S, lo), vhi = FloatVector.broadcast(S, hi), zero = FloatVector.zero(S);
        int c2 = 2 * c;
        boolean in0 = ix >= 0 && ix < iw, in1 = ix + 1 >= 0 && ix + 1 < iw;
        for (int ch = ch0; ch < ch1; ch += VL) {
            FloatVector k00 = FloatVector.fromArray(S, w, t0 + ch), k01 = FloatVector.fromArray(S, w, t0 + ch + c), k02 = FloatVector.fromArray(S, w, t0 + ch + c2);
            FloatVector k10 = FloatVector.fromArray(S, w, t1 + ch), k11 = FloatVector.fromArray(S, w, t1 + ch + c), k12 = FloatVector.fromArray(S, w, t1 + ch + c2);
            FloatVector k20 = FloatVector.fromArray(S, w, t2 + ch), k21 = FloatVector.fromArray(S, w, t2 + ch + c), k22 = FloatVector.fromArray(S, w, t2 + ch + c2);
            FloatVector b = bias != null ? FloatVector.fromArray(S, bias, ch) : zero;
            int q0 = p0 + ix * c + ch, q1 = p1 + ix * c + ch, q2 = p2 + ix * c + ch, d = o + ch;
            FloatVector u0 = in0 ? FloatVector.fromArray(S, x, q0) : zero, v0 = in1 ? FloatVector.fromArray(S, x, q0 + c) : zero;
            FloatVector u1 = in0 ? FloatVector.fromArray(S, x, q1) : zero, v1 = in1 ? FloatVector.fromArray(S, x, q1 + c) : zero;
            FloatVector u2 = in0 ? FloatVector.fromArray(S, x, q2) : zero, v2 = in1 ? FloatVector.fromArray(S, x, q2 + c) : zero;
            q0 += c2; q1 += c2; q2 += c2;
            for (int qd = 0; qd < quads; qd++) {
                FloatVector a0, a1, a2, a3, e, f, g, h;
                e = FloatVector.fromArray(S, x, q0); q0 += c; f = FloatVector.fromArray(S, x, q0); q0 += c;
                g = FloatVector.fromArray(S, x, q0); q0 += c; h = FloatVector.fromArray(S, x, q0); q0 += c;
                a0 = u0.fma(k00, b); a0 = v0.fma(k01, a0); a0 = e.fma(k02, a0);
                a1 = v0.fma(k00, b); a1 = e.fma(k01, a1); a1 = f.fma(k02, a1);
                a2 = e.fma(k00, b); a2 = f.fma(k01, a2); a2 = g.fma(k02, a2);
                a3 = f.fma(k00, b); a3 = g.fma(k01, a3); a3 = h.fma(k02, a3);
                u0 = g; v0 = h;
                e = FloatVector.fromArray(S, x, q1); q1 += c; f = FloatVector.fromArray(S, x, q1); q1 += c;
                g = FloatVector.fromArray(S, x, q1); q1 += c; h = FloatVector.fromArray(S, x, q1); q1 += c;
                a0 = u1.fma(k10, a0); a0 = v1.fma(k11, a0); a0 = e.fma(k12, a0);
                a1 = v1.fma(k10, a1); a1 = e.fma(k11, a1); a1 = f.fma(k12, a1);
                a2 = e.fma(k10, a2); a2 = f.fma(k11, a2); a2 = g.fma(k12, a2);
                a3 = f.fma(k10, a3); a3 = g.fma(k11, a3); a3 = h.fma(k12, a3);
                u1 = g; v1 = h;
                e = FloatVector.fromArray(S, x, q2); q2 += c; f = FloatVector.fromArray(S, x, q2); q2 += c;
                g = FloatVector.fromArray(S, x, q2); q2 += c; h = FloatVector.fromArray(S, x, q2); q2 += c;
                a0 = u2.fma(k20, a0); a0 = v2.fma(k21, a0); a0 = e.fma(k22, a0);
                a1 = v2.fma(k20, a1); a1 = e.fma(k21, a1); a1 = f.fma(k22, a1);
                a2 = e.fma(k20, a2); a2 = f.fma(k21, a2); a2 = g.fma(k22, a2);
                a3 = f.fma(k20, a3); a3 = g.fma(k21, a3); a3 = h.fma(k22, a3);
                u2 = g; v2 = h;
                if (res != null) {
                    int rr = resOff + d;
                    a0 = a0.add(FloatVector.fromArray(S, res, rr)); rr += c;
                    a1 = a1.add(FloatVector.fromArray(S, res, rr)); rr += c;
                    a2 = a2.add(FloatVector.fromArray(S, res, rr)); rr += c;
                    a3 = a3.add(FloatVector.fromArray(S, res, rr));
                }
                a0 = a0.blend(vlo, a0.lt(vlo)); a0 = a0.blend(vhi, a0.compare(VectorOperators.GT, vhi)); a0.intoArray(out, d); d += c;
                a1 = a1.blend(vlo, a1.lt(vlo)); a1 = a1.blend(vhi, a1.compare(VectorOperators.GT, vhi)); a1.intoArray(out, d); d += c;
                a2 = a2.blend(vlo, a2.lt(vlo)); a2 = a2.blend(vhi, a2.compare(VectorOperators.GT, vhi)); a2.intoArray(out, d); d += c;
                a3 = a3.blend(vlo, a3.lt(vlo)); a3 = a3.blend(vhi, a3.compare(VectorOperators.GT, vhi)); a3.intoArray(out, d); d += c;
            }
            for (int sg = 0, xx = ix + 2 + 4 * quads; sg < singles; sg++, xx++, q0 += c, q1 += c, q2 += c, d += c) {
                boolean in = xx >= 0 && xx < iw;
                FloatVector e0 = in ? FloatVector.fromArray(S, x, q0) : zero, e1 = in ? FloatVector.fromArray(S, x, q1) : zero,
                        e2 = in ? FloatVector.fromArray(S, x, q2) : zero;
                FloatVector a = u0.fma(k00, b);
                a = v0.fma(k01, a); a = e0.fma(k02, a);
                a = u1.fma(k10, a); a = v1.fma(k11, a); a = e1.fma(k12, a);
                a = u2.fma(k20, a); a = v2.fma(k21, a); a = e2.fma(k22, a);
                u0 = v0; v0 = e0; u1 = v1; v1 = e1; u2 = v2; v2 = e2;
                if (res != null) a = a.add(FloatVector.fromArray(S, res, resOff + d));
                a = a.blend(vlo, a.lt(vlo));
                a = a.blend(vhi, a.compare(VectorOperators.GT, vhi));
                a.intoArray(out, d);
            }
        }
    }

    /**
     * Two neighbouring output rows at stride 1 (channel vectors [ch0, ch1)) in {@code steps}
     * steps of two pixels: the four input rows start at x[p], x[p + rs], ...; the second output
     * row starts {@code down} after the first. Each input column is loaded once for both rows
     * (two loads per output instead of three); columns in the padding are zeros (finite taps):
     * the first two, and the last step's second new column.
     */
    private static void row1x2(float[] x, int p, int rs, float[] w, int c, int ch0, int ch1, int ix, int iw, int steps, int down,
                               float[] bias, float[] res, int resOff, float lo, float hi, float[] out, int o) {
        FloatVector vlo = FloatVector.broadcast(S, lo), vhi = FloatVector.broadcast(S, hi), zero = FloatVector.zero(S);
        int c2 = 2 * c;
        boolean in0 = ix >= 0 && ix < iw, in1 = ix + 1 >= 0 && ix + 1 < iw;
        for (int ch = ch0; ch < ch1; ch += VL) {
            FloatVector k00 = FloatVector.fromArray(S, w, ch), k01 = FloatVector.fromArray(S, w, ch + c), k02 = FloatVector.fromArray(S, w, ch + c2);
            FloatVector k10 = FloatVector.fromArray(S, w, ch + 3 * c), k11 = FloatVector.fromArray(S, w, ch + 4 * c), k12 = FloatVector.fromArray(S, w, ch + 5 * c);
            FloatVector k20 = FloatVector.fromArray(S, w, ch + 6 * c), k21 = FloatVector.fromArray(S, w, ch + 7 * c), k22 = FloatVector.fromArray(S, w, ch + 8 * c);
            FloatVector b = bias != null ? FloatVector.fromArray(S, bias, ch) : zero;
            int q0 = p + ix * c + ch, q1 = q0 + rs, q2 = q1 + rs, q3 = q2 + rs, d = o + ch;
            FloatVector u0 = in0 ? FloatVector.fromArray(S, x, q0) : zero, v0 = in1 ? FloatVector.fromArray(S, x, q0 + c) : zero;
            FloatVector u1 = in0 ? FloatVector.fromArray(S, x, q1) : zero, v1 = in1 ? FloatVector.fromArray(S, x, q1 + c) : zero;
            FloatVector u2 = in0 ? FloatVector.fromArray(S, x, q2) : zero, v2 = in1 ? FloatVector.fromArray(S, x, q2 + c) : zero;
            FloatVector u3 = in0 ? FloatVector.fromArray(S, x, q3) : zero, v3 = in1 ? FloatVector.fromArray(S, x, q3 + c) : zero;
            q0 += c2; q1 += c2; q2 += c2; q3 += c2;
            for (int st = 0, xx = ix + 3; st < steps; st++, xx += 2) {
                boolean fin = xx < iw;
                FloatVector a0, a1, b0, b1, e, f;
                e = FloatVector.fromArray(S, x, q0); q0 += c; f = fin ? FloatVector.fromArray(S, x, q0) : zero; q0 += c;
                a0 = u0.fma(k00, b); a0 = v0.fma(k01, a0); a0 = e.fma(k02, a0);
                a1 = v0.fma(k00, b); a1 = e.fma(k01, a1); a1 = f.fma(k02, a1);
                u0 = e; v0 = f;
                e = FloatVector.fromArray(S, x, q1); q1 += c; f = fin ? FloatVector.fromArray(S, x, q1) : zero; q1 += c;
                a0 = u1.fma(k10, a0); a0 = v1.fma(k11, a0); a0 = e.fma(k12, a0);
                a1 = v1.fma(k10, a1); a1 = e.fma(k11, a1); a1 = f.fma(k12, a1);
                b0 = u1.fma(k00, b); b0 = v1.fma(k01, b0); b0 = e.fma(k02, b0);
                b1 = v1.fma(k00, b); b1 = e.fma(k01, b1); b1 = f.fma(k02, b1);
                u1 = e; v1 = f;
                e = FloatVector.fromArray(S, x, q2); q2 += c; f = fin ? FloatVector.fromArray(S, x, q2) : zero; q2 += c;
                a0 = u2.fma(k20, a0); a0 = v2.fma(k21, a0); a0 = e.fma(k22, a0);
                a1 = v2.fma(k20, a1); a1 = e.fma(k21, a1); a1 = f.fma(k22, a1);
                b0 = u2.fma(k10, b0); b0 = v2.fma(k11, b0); b0 = e.fma(k12, b0);
                b1 = v2.fma(k10, b1); b1 = e.fma(k11, b1); b1 = f.fma(k12, b1);
                u2 = e; v2 = f;
                e = FloatVector.fromArray(S, x, q3); q3 += c; f = fin ? FloatVector.fromArray(S, x, q3) : zero; q3 += c;
                b0 = u3.fma(k20, b0); b0 = v3.fma(k21, b0); b0 = e.fma(k22, b0);
                b1 = v3.fma(k20, b1); b1 = e.fma(k21, b1); b1 = f.fma(k22, b1);
                u3 = e; v3 = f;
                if (res != null) {
                    int rr = resOff + d;
                    a0 = a0.add(FloatVector.fromArray(S, res, rr));
                    a1 = a1.add(FloatVector.fromArray(S, res, rr + c));
                    b0 = b0.add(FloatVector.fromArray(S, res, rr + down));
                    b1 = b1.add(FloatVector.fromArray(S, res, rr + down + c));
                }
                a0 = a0.blend(vlo, a0.lt(vlo)); a0 = a0.blend(vhi, a0.compare(VectorOperators.GT, vhi)); a0.intoArray(out, d);
                b0 = b0.blend(vlo, b0.lt(vlo)); b0 = b0.blend(vhi, b0.compare(VectorOperators.GT, vhi)); b0.intoArray(out, d + down);
                d += c;
                a1 = a1.blend(vlo, a1.lt(vlo)); a1 = a1.blend(vhi, a1.compare(VectorOperators.GT, vhi)); a1.intoArray(out, d);
                b1 = b1.blend(vlo, b1.lt(vlo)); b1 = b1.blend(vhi, b1.compare(VectorOperators.GT, vhi)); b1.intoArray(out, d + down);
                d += c;
            }
        }
    }

    /**
     * As {@link #row1} at stride 2: output t of a step reads input columns 2t, 2t+1, 2t+2 (from
     * the first one's {@code ix}), and the step's last column is the next step's first.
     */
    private static void row2(float[] x, int p0, int p1, int p2, int t0, int t1, int t2,
                             float[] w, int c, int ch0, int ch1, int ix, int iw, int quads, int singles,
                             float[] bias, float[] res, int resOff, float lo, float hi, float[] out, int o) {
        FloatVector vlo = FloatVector.broadcast(S, lo), vhi = FloatVector.broadcast(S, hi), zero = FloatVector.zero(S);
        int c2 = 2 * c;
        boolean in0 = ix >= 0 && ix < iw;
        for (int ch = ch0; ch < ch1; ch += VL) {
            FloatVector k00 = FloatVector.fromArray(S, w, t0 + ch), k01 = FloatVector.fromArray(S, w, t0 + ch + c), k02 = FloatVector.fromArray(S, w, t0 + ch + c2);
            FloatVector k10 = FloatVector.fromArray(S, w, t1 + ch), k11 = FloatVector.fromArray(S, w, t1 + ch + c), k12 = FloatVector.fromArray(S, w, t1 + ch + c2);
            FloatVector k20 = FloatVector.fromArray(S, w, t2 + ch), k21 = FloatVector.fromArray(S, w, t2 + ch + c), k22 = FloatVector.fromArray(S, w, t2 + ch + c2);
            FloatVector b = bias != null ? FloatVector.fromArray(S, bias, ch) : zero;
            int q0 = p0 + ix * c + ch, q1 = p1 + ix * c + ch, q2 = p2 + ix * c + ch, d = o + ch;
            FloatVector u0 = in0 ? FloatVector.fromArray(S, x, q0) : zero, u1 = in0 ? FloatVector.fromArray(S, x, q1) : zero,
                    u2 = in0 ? FloatVector.fromArray(S, x, q2) : zero;
            for (int qd = 0; qd < quads; qd++) {
                FloatVector a0, a1, a2, a3, e, f;
                q0 += c; e = FloatVector.fromArray(S, x, q0); q0 += c; f = FloatVector.fromArray(S, x, q0);
                a0 = u0.fma(k00, b); a0 = e.fma(k01, a0); a0 = f.fma(k02, a0); a1 = f.fma(k00, b);
                q0 += c; e = FloatVector.fromArray(S, x, q0); q0 += c; f = FloatVector.fromArray(S, x, q0);
                a1 = e.fma(k01, a1); a1 = f.fma(k02, a1); a2 = f.fma(k00, b);
                q0 += c; e = FloatVector.fromArray(S, x, q0); q0 += c; f = FloatVector.fromArray(S, x, q0);
                a2 = e.fma(k01, a2); a2 = f.fma(k02, a2); a3 = f.fma(k00, b);
                q0 += c; e = FloatVector.fromArray(S, x, q0); q0 += c; u0 = FloatVector.fromArray(S, x, q0);
                a3 = e.fma(k01, a3); a3 = u0.fma(k02, a3);
                q1 += c; e = FloatVector.fromArray(S, x, q1); q1 += c; f = FloatVector.fromArray(S, x, q1);
                a0 = u1.fma(k10, a0); a0 = e.fma(k11, a0); a0 = f.fma(k12, a0); a1 = f.fma(k10, a1);
                q1 += c; e = FloatVector.fromArray(S, x, q1); q1 += c; f = FloatVector.fromArray(S, x, q1);
                a1 = e.fma(k11, a1); a1 = f.fma(k12, a1); a2 = f.fma(k10, a2);
                q1 += c; e = FloatVector.fromArray(S, x, q1); q1 += c; f = FloatVector.fromArray(S, x, q1);
                a2 = e.fma(k11, a2); a2 = f.fma(k12, a2); a3 = f.fma(k10, a3);
                q1 += c; e = FloatVector.fromArray(S, x, q1); q1 += c; u1 = FloatVector.fromArray(S, x, q1);
                a3 = e.fma(k11, a3); a3 = u1.fma(k12, a3);
                q2 += c; e = FloatVector.fromArray(S, x, q2); q2 += c; f = FloatVector.fromArray(S, x, q2);
                a0 = u2.fma(k20, a0); a0 = e.fma(k21, a0); a0 = f.fma(k22, a0); a1 = f.fma(k20, a1);
                q2 += c; e = FloatVector.fromArray(S, x, q2); q2 += c; f = FloatVector.fromArray(S, x, q2);
                a1 = e.fma(k21, a1); a1 = f.fma(k22, a1); a2 = f.fma(k20, a2);
                q2 += c; e = FloatVector.fromArray(S, x, q2); q2 += c; f = FloatVector.fromArray(S, x, q2);
                a2 = e.fma(k21, a2); a2 = f.fma(k22, a2); a3 = f.fma(k20, a3);
                q2 += c; e = FloatVector.fromArray(S, x, q2); q2 += c; u2 = FloatVector.fromArray(S, x, q2);
                a3 = e.fma(k21, a3); a3 = u2.fma(k22, a3);
                if (res != null) {
                    int rr = resOff + d;
                    a0 = a0.add(FloatVector.fromArray(S, res, rr)); rr += c;
                    a1 = a1.add(FloatVector.fromArray(S, res, rr)); rr += c;
                    a2 = a2.add(FloatVector.fromArray(S, res, rr)); rr += c;
                    a3 = a3.add(FloatVector.fromArray(S, res, rr));
                }
                a0 = a0.blend(vlo, a0.lt(vlo)); a0 = a0.blend(vhi, a0.compare(VectorOperators.GT, vhi)); a0.intoArray(out, d); d += c;
                a1 = a1.blend(vlo, a1.lt(vlo)); a1 = a1.blend(vhi, a1.compare(VectorOperators.GT, vhi)); a1.intoArray(out, d); d += c;
                a2 = a2.blend(vlo, a2.lt(vlo)); a2 = a2.blend(vhi, a2.compare(VectorOperators.GT, vhi)); a2.intoArray(out, d); d += c;
                a3 = a3.blend(vlo, a3.lt(vlo)); a3 = a3.blend(vhi, a3.compare(VectorOperators.GT, vhi)); a3.intoArray(out, d); d += c;
            }
            for (int sg = 0, xx = ix + 1 + 8 * quads; sg < singles; sg++, xx += 2, q0 += c2, q1 += c2, q2 += c2, d += c) {
                boolean in = xx >= 0 && xx < iw, in2 = xx + 1 >= 0 && xx + 1 < iw;
                FloatVector e0 = in ? FloatVector.fromArray(S, x, q0 + c) : zero, e1 = in ? FloatVector.fromArray(S, x, q1 + c) : zero,
                        e2 = in ? FloatVector.fromArray(S, x, q2 + c) : zero;
                FloatVector a = u0.fma(k00, b);
                a = e0.fma(k01, a); a = u1.fma(k10, a); a = e1.fma(k11, a); a = u2.fma(k20, a); a = e2.fma(k21, a);
                u0 = in2 ? FloatVector.fromArray(S, x, q0 + c2) : zero;
                u1 = in2 ? FloatVector.fromArray(S, x, q1 + c2) : zero;
                u2 = in2 ? FloatVector.fromArray(S, x, q2 + c2) : zero;
                a = u0.fma(k02, a); a = u1.fma(k12, a); a = u2.fma(k22, a);
                if (res != null) a = a.add(FloatVector.fromArray(S, res, resOff + d));
                a = a.blend(vlo, a.lt(vlo));
                a = a.blend(vhi, a.compare(VectorOperators.GT, vhi));
                a.intoArray(out, d);
            }
        }
    }

    /**
     * As {@link #row1} for any stride and dilation along W: output t's tap kw reads column
     * t * step + kw * dil (no loads shared between outputs).
     */
    private static void rowAny(float[] x0, int q0, float[] x1, int q1, float[] x2, int q2, int t0, int t1, int t2, int step, int dil,
                               float[] w, int c, int ch0, int ch1, int quads, float[] bias, float[] res, int resOff, float lo, float hi,
                               float[] out, int o) {
        FloatVector vlo = FloatVector.broadcast(S, lo), vhi = FloatVector.broadcast(S, hi);
        int c2 = 2 * c, c3 = 3 * c, s2 = 2 * step, s3 = 3 * step, s4 = 4 * step, d2 = 2 * dil;
        for (int ch = ch0; ch < ch1; ch += VL) {
            FloatVector k00 = FloatVector.fromArray(S, w, t0 + ch), k01 = FloatVector.fromArray(S, w, t0 + ch + c), k02 = FloatVector.fromArray(S, w, t0 + ch + c2);
            FloatVector k10 = FloatVector.fromArray(S, w, t1 + ch), k11 = FloatVector.fromArray(S, w, t1 + ch + c), k12 = FloatVector.fromArray(S, w, t1 + ch + c2);
            FloatVector k20 = FloatVector.fromArray(S, w, t2 + ch), k21 = FloatVector.fromArray(S, w, t2 + ch + c), k22 = FloatVector.fromArray(S, w, t2 + ch + c2);
            FloatVector b = bias != null ? FloatVector.fromArray(S, bias, ch) : FloatVector.zero(S);
            int p0 = q0 + ch, p1 = q1 + ch, p2 = q2 + ch, d = o + ch;
            for (int qd = 0; qd < quads; qd++, p0 += s4, p1 += s4, p2 += s4, d += 4 * c) {
                FloatVector a0 = b, a1 = b, a2 = b, a3 = b;
                for (int k = 0; k < 3; k++) {
                    float[] xr = k == 0 ? x0 : k == 1 ? x1 : x2;
                    int p = k == 0 ? p0 : k == 1 ? p1 : p2;
                    FloatVector j0 = k == 0 ? k00 : k == 1 ? k10 : k20, j1 = k == 0 ? k01 : k == 1 ? k11 : k21, j2 = k == 0 ? k02 : k == 1 ? k12 : k22;
                    a0 = FloatVector.fromArray(S, xr, p).fma(j0, a0);
                    a1 = FloatVector.fromArray(S, xr, p + step).fma(j0, a1);
                    a2 = FloatVector.fromArray(S, xr, p + s2).fma(j0, a2);
                    a3 = FloatVector.fromArray(S, xr, p + s3).fma(j0, a3);
                    a0 = FloatVector.fromArray(S, xr, p + dil).fma(j1, a0);
                    a1 = FloatVector.fromArray(S, xr, p + step + dil).fma(j1, a1);
                    a2 = FloatVector.fromArray(S, xr, p + s2 + dil).fma(j1, a2);
                    a3 = FloatVector.fromArray(S, xr, p + s3 + dil).fma(j1, a3);
                    a0 = FloatVector.fromArray(S, xr, p + d2).fma(j2, a0);
                    a1 = FloatVector.fromArray(S, xr, p + step + d2).fma(j2, a1);
                    a2 = FloatVector.fromArray(S, xr, p + s2 + d2).fma(j2, a2);
                    a3 = FloatVector.fromArray(S, xr, p + s3 + d2).fma(j2, a3);
                }
                if (res != null) {
                    a0 = a0.add(FloatVector.fromArray(S, res, resOff + d));
                    a1 = a1.add(FloatVector.fromArray(S, res, resOff + d + c));
                    a2 = a2.add(FloatVector.fromArray(S, res, resOff + d + c2));
                    a3 = a3.add(FloatVector.fromArray(S, res, resOff + d + c3));
                }
                a0 = a0.blend(vlo, a0.lt(vlo)); a0 = a0.blend(vhi, a0.compare(VectorOperators.GT, vhi)); a0.intoArray(out, d);
                a1 = a1.blend(vlo, a1.lt(vlo)); a1 = a1.blend(vhi, a1.compare(VectorOperators.GT, vhi)); a1.intoArray(out, d + c);
                a2 = a2.blend(vlo, a2.lt(vlo)); a2 = a2.blend(vhi, a2.compare(VectorOperators.GT, vhi)); a2.intoArray(out, d + c2);
                a3 = a3.blend(vlo, a3.lt(vlo)); a3 = a3.blend(vhi, a3.compare(VectorOperators.GT, vhi)); a3.intoArray(out, d + c3);
            }
        }
    }

    /**
     * Output pixels [oxFrom, oxTo) one at a time (channel vectors [ch0, ch1)), with input columns
     * outside the image skipped rather than read as zeros (a zero times an infinite tap would be
     * NaN): the edges, and the last pixels of a row that do not fill a step of four.
     */
    private static void edges(float[] x0, int p0, float[] x1, int p1, float[] x2, int p2, int t0, int t1, int t2,
                              float[] w, int c, int ch0, int ch1, int oxFrom, int oxTo, int sw, int pl, int dw, int iw,
                              float[] bias, float[] res, int resOff, float lo, float hi, float[] out, int o) {
        FloatVector vlo = FloatVector.broadcast(S, lo), vhi = FloatVector.broadcast(S, hi);
        int c2 = 2 * c;
        for (int ch = ch0; ch < ch1; ch += VL) {
            FloatVector k00 = FloatVector.fromArray(S, w, t0 + ch), k01 = FloatVector.fromArray(S, w, t0 + ch + c), k02 = FloatVector.fromArray(S, w, t0 + ch + c2);
            FloatVector k10 = FloatVector.fromArray(S, w, t1 + ch), k11 = FloatVector.fromArray(S, w, t1 + ch + c), k12 = FloatVector.fromArray(S, w, t1 + ch + c2);
            FloatVector k20 = FloatVector.fromArray(S, w, t2 + ch), k21 = FloatVector.fromArray(S, w, t2 + ch + c), k22 = FloatVector.fromArray(S, w, t2 + ch + c2);
            FloatVector b = bias != null ? FloatVector.fromArray(S, bias, ch) : FloatVector.zero(S);
            for (int ox = oxFrom; ox < oxTo; ox++) {
                FloatVector a = b;
                int ix = ox * sw - pl, d = o + ox * c + ch;
                if (ix >= 0 && ix < iw) {
                    int q = ix * c + ch;
                    a = FloatVector.fromArray(S, x0, p0 + q).fma(k00, a);
                    a = FloatVector.fromArray(S, x1, p1 + q).fma(k10, a);
                    a = FloatVector.fromArray(S, x2, p2 + q).fma(k20, a);
                }
                ix += dw;
                if (ix >= 0 && ix < iw) {
                    int q = ix * c + ch;
                    a = FloatVector.fromArray(S, x0, p0 + q).fma(k01, a);
                    a = FloatVector.fromArray(S, x1, p1 + q).fma(k11, a);
                    a = FloatVector.fromArray(S, x2, p2 + q).fma(k21, a);
                }
                ix += dw;
                if (ix >= 0 && ix < iw) {
                    int q = ix * c + ch;
                    a = FloatVector.fromArray(S, x0, p0 + q).fma(k02, a);
                    a = FloatVector.fromArray(S, x1, p1 + q).fma(k12, a);
                    a = FloatVector.fromArray(S, x2, p2 + q).fma(k22, a);
                }
                if (res != null) a = a.add(FloatVector.fromArray(S, res, resOff + d));
                a = a.blend(vlo, a.lt(vlo));
                a = a.blend(vhi, a.compare(VectorOperators.GT, vhi));
                a.intoArray(out, d);
            }
        }
    }

    /** One channel of one pixel in scalar code: the channel tail when the residual is the output buffer. */
    private static float scalar(float[] x, int img, int y0, int dh, int ix, int dw, int ih, int iw, float[] w, int c, int ch,
                                float[] bias, float[] res, int resOff, float lo, float hi, int o) {
        float a = 0f;
        for (int kh = 0; kh < 3; kh++) {
            int iy = y0 + kh * dh;
            if (iy < 0 || iy >= ih) continue;
            for (int kw = 0; kw < 3; kw++) {
                int xx = ix + kw * dw;
                if (xx >= 0 && xx < iw) a += x[img + (iy * iw + xx) * c + ch] * w[(kh * 3 + kw) * c + ch];
            }
        }
        if (bias != null) a += bias[ch];
        if (res != null) a += res[resOff + o + ch];
        return Math.min(Math.max(a, lo), hi);
    }
}
