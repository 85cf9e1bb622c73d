package dev.mien.kernels.simd;

import dev.mien.kernels.Activation;
import dev.mien.kernels.ConvShape;
import dev.mien.kernels.PackedLayouts;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static dev.mien.kernels.simd.ConvKernel.CB;
import static dev.mien.kernels.simd.ConvKernel.S;
import static dev.mien.kernels.simd.ConvKernel.VL;

/**
 * The transforms of Winograd F(4x4, 3x3) ({@link dev.mien.kernels.ConvAlgorithm#WINOGRAD4}): each
 * 4x4 block of output pixels from a 6x6 input window through 36 element-wise products instead of
 * 144 multiply-adds per channel pair, 4x fewer (F(2x2, 3x3): 2.25x). The interpolation points are
 * 0, 1, -1, 2, -2 and infinity:
 * <pre>
 *   B^T = [4  0 -5  0 1 0;   G = [ 1/4     0    0 ;   A^T = [1 1  1 1  1 0;
 *          0 -4 -4  1 1 0;         -1/6 -1/6 -1/6 ;          0 1 -1 2 -2 0;
 *          0  4 -4 -1 1 0;         -1/6  1/6 -1/6 ;          0 1  1 4  4 0;
 *          0 -2 -1  2 1 0;         1/24 1/12  1/6 ;          0 1 -1 8 -8 1]
 *          0  2 -1 -2 1 0;         1/24 -1/12 1/6 ;
 *          0  4  0 -5 0 1]            0     0    1 ]
 * </pre>
 * Everything else (chunks of 8 tiles, the products' micro-kernel, the element-major walk, border
 * tiles, the recomputation on non-finite values) is {@link WinogradKernel}'s, which calls these
 * with m = 4. Why a second tile size: the transforms cost about the same per output pixel as
 * F(2x2)'s, while the products, most of the time on maps of 28x28 and more, are 44% fewer. The
 * price is accuracy: the larger coefficients (up to 8 in A^T, 5 in B^T) amplify rounding, so
 * the error against the direct sum is several times F(2x2)'s (measured in the tests and in
 * docs/PERFORMANCE.md), still far inside the parity tolerance.
 */
final class WinogradF4 {
    private WinogradF4() {}

    /** Output pixels per tile side, input window side, transformed elements per tile. */
    static final int M = 4, WIN = 6, E = 36;

    /** {@code U = G g G^T} per (input channel, output channel), computed in double, from the direct kernel's [block][kh][kw][ci][CB] weights. */
    static WinogradKernel.Weights transform(ConvKernel.Packed pk) {
        ConvShape s = pk.shape();
        int cin = s.inC(), nb = pk.blocks();
        MemorySegment w = pk.w();
        MemorySegment u = PackedLayouts.allocate((long) E * nb * cin * CB);
        boolean finite = true;
        double[] g = new double[9], t = new double[18], row = new double[6];
        for (int b = 0; b < nb; b++)
            for (int ci = 0; ci < cin; ci++)
                for (int j = 0; j < CB; j++) {
                    for (int k = 0; k < 9; k++) {
                        float f = w.getAtIndex(PackedLayouts.F32, (((long) b * 9 + k) * cin + ci) * CB + j);
                        finite &= Float.isFinite(f);
                        g[k] = f;
                    }
                    // G g (6x3), column by column of g ...
                    for (int c = 0; c < 3; c++) {
                        double g0 = g[c], g1 = g[3 + c], g2 = g[6 + c];
                        gRows(g0, g1, g2, t, c, 3);
                    }
                    // ... then each row of (G g) times G^T.
                    for (int r = 0; r < 6; r++) {
                        gRows(t[3 * r], t[3 * r + 1], t[3 * r + 2], row, 0, 1);
                        for (int c = 0; c < 6; c++)
                            u.setAtIndex(PackedLayouts.F32, (((long) (r * 6 + c) * nb + b) * cin + ci) * CB + j, (float) row[c]);
                    }
                }
        return new WinogradKernel.Weights(u, nb, finite, M);
    }

    /** G times the 3-vector (g0, g1, g2): its six values at {@code to[at + i * step]}. */
    private static void gRows(double g0, double g1, double g2, double[] to, int at, int step) {
        to[at] = g0 / 4;
        to[at + step] = -(g0 + g1 + g2) / 6;
        to[at + 2 * step] = -(g0 - g1 + g2) / 6;
        to[at + 3 * step] = g0 / 24 + g1 / 12 + g2 / 6;
        to[at + 4 * step] = g0 / 24 - g1 / 12 + g2 / 6;
        to[at + 5 * step] = g2;
    }

    /**
     * V = B^T d B for one tile whose 6x6 window starts at {@code x[p]} (rows {@code rowStride}
     * apart), laid out as {@link WinogradKernel}'s F(2x2) transform lays out its 16 elements:
     * element e of channel c at {@code v[o + (c - c % VL) * T + c % VL + e * es]}. Returns false
     * when some transformed value is NaN or infinite.
     */
    static boolean inputTransform(float[] x, int p, int rowStride, int cin, float[] v, int o, int es, float[] tcol, float[] tcolV) {
        int full = cin - cin % VL;
        boolean finite = true;
        float tail = 0f;
        // Each pass is its own small method, taking and returning no vectors: one body with all of
        // a tile's vectors ran with them boxed inside a network (megabytes allocated per run).
        for (int c = 0; c < full; c += VL) {
            inputColumns(x, p + c, rowStride, cin, tcolV);
            finite &= inputRows(tcolV, v, o + c * WinogradKernel.T, es);
        }
        for (int c = full; c < cin; c++) {
            int q = p + c;
            for (int j = 0; j < WIN; j++) {
                int qj = q + j * cin;
                float d0 = x[qj], d1 = x[qj + rowStride], d2 = x[qj + 2 * rowStride], d3 = x[qj + 3 * rowStride],
                        d4 = x[qj + 4 * rowStride], d5 = x[qj + 5 * rowStride];
                float d42 = d4 - d2, d31 = (d3 - d1) * 2f;
                tcol[j] = d0 * 4f + d4 - d2 * 5f;
                tcol[6 + j] = d3 + d4 - (d1 + d2) * 4f;
                tcol[12 + j] = d4 - d3 + (d1 - d2) * 4f;
                tcol[18 + j] = d42 + d31;
                tcol[24 + j] = d42 - d31;
                tcol[30 + j] = d1 * 4f + d5 - d3 * 5f;
            }
            int a = o + (c - c % VL) * WinogradKernel.T + c % VL;
            for (int i = 0; i < WIN; i++) {
                float r0 = tcol[6 * i], r1 = tcol[6 * i + 1], r2 = tcol[6 * i + 2], r3 = tcol[6 * i + 3], r4 = tcol[6 * i + 4], r5 = tcol[6 * i + 5];
                float r42 = r4 - r2, r31 = (r3 - r1) * 2f;
                float e0 = r0 * 4f + r4 - r2 * 5f, e1 = r3 + r4 - (r1 + r2) * 4f, e2 = r4 - r3 + (r1 - r2) * 4f, e3 = r42 + r31, e4 = r42 - r31,
                        e5 = r1 * 4f + r5 - r3 * 5f;
                int ai = a + WIN * i * es;
                v[ai] = e0;
                v[ai + es] = e1;
                v[ai + 2 * es] = e2;
                v[ai + 3 * es] = e3;
                v[ai + 4 * es] = e4;
                v[ai + 5 * es] = e5;
                tail += (e0 + e1 + e2 + e3 + e4 + e5) * 0f;
            }
        }
        return finite && !Float.isNaN(tail);
    }

    /** Columns of B^T d for one channel vector: window column j's six rows in, element (i, j) out at {@code t[(6i + j) * VL]}. */
    private static void inputColumns(float[] x, int q, int rowStride, int cin, float[] t) {
        for (int j = 0; j < WIN; j++) {
            int qj = q + j * cin;
            FloatVector d0 = FloatVector.fromArray(S, x, qj), d1 = FloatVector.fromArray(S, x, qj + rowStride),
                    d2 = FloatVector.fromArray(S, x, qj + 2 * rowStride), d3 = FloatVector.fromArray(S, x, qj + 3 * rowStride),
                    d4 = FloatVector.fromArray(S, x, qj + 4 * rowStride), d5 = FloatVector.fromArray(S, x, qj + 5 * rowStride);
            FloatVector d42 = d4.sub(d2), d31 = d3.sub(d1).mul(2f);
            d0.mul(4f).add(d4).sub(d2.mul(5f)).intoArray(t, j * VL);
            d3.add(d4).sub(d1.add(d2).mul(4f)).intoArray(t, (6 + j) * VL);
            d4.sub(d3).add(d1.sub(d2).mul(4f)).intoArray(t, (12 + j) * VL);
            d42.add(d31).intoArray(t, (18 + j) * VL);
            d42.sub(d31).intoArray(t, (24 + j) * VL);
            d1.mul(4f).add(d5).sub(d3.mul(5f)).intoArray(t, (30 + j) * VL);
        }
    }

    /**
     * Rows of (B^T d) B for one channel vector into v (element 6i + k at {@code v[a + (6i + k) * es]});
     * false when some value is not finite: a row's sum is not finite when any of it is not (or,
     * harmlessly, when finite values overflow: the call is then recomputed directly).
     */
    private static boolean inputRows(float[] t, float[] v, int a, int es) {
        FloatVector zero = FloatVector.zero(S), sum = zero;
        for (int i = 0; i < WIN; i++) {
            int ti = WIN * i * VL, ai = a + WIN * i * es;
            FloatVector r0 = FloatVector.fromArray(S, t, ti), r1 = FloatVector.fromArray(S, t, ti + VL),
                    r2 = FloatVector.fromArray(S, t, ti + 2 * VL), r3 = FloatVector.fromArray(S, t, ti + 3 * VL),
                    r4 = FloatVector.fromArray(S, t, ti + 4 * VL), r5 = FloatVector.fromArray(S, t, ti + 5 * VL);
            FloatVector r42 = r4.sub(r2), r31 = r3.sub(r1).mul(2f);
            FloatVector e0 = r0.mul(4f).add(r4).sub(r2.mul(5f)), e1 = r3.add(r4).sub(r1.add(r2).mul(4f)),
                    e2 = r4.sub(r3).add(r1.sub(r2).mul(4f)), e3 = r42.add(r31), e4 = r42.sub(r31), e5 = r1.mul(4f).add(r5).sub(r3.mul(5f));
            e0.intoArray(v, ai);
            e1.intoArray(v, ai + es);
            e2.intoArray(v, ai + 2 * es);
            e3.intoArray(v, ai + 3 * es);
            e4.intoArray(v, ai + 4 * es);
            e5.intoArray(v, ai + 5 * es);
            sum = e0.add(e1).add(e2).add(e3).add(e4).add(e5).fma(zero, sum);
        }
        // A lane comparison rather than reduceLanes(ADD), which C2 left as a call (boxing the vector).
        return !sum.compare(VectorOperators.NE, sum).anyTrue();
    }

    /**
     * Y = A^T M A per tile, plus bias and residual, stored for the tile's pixels inside the map,
     * then the activation. Tile t's products start at {@code m[mBase + t * coutP]}, elements
     * {@code es} apart.
     */
    static void outputTransform(ConvShape s, WinogradKernel.Buffers bf, float[] m, int mBase, int es, int count, int coutP, float[] bias,
                                float[] res, int resDelta, Activation act, float alpha, float[] out) {
        int outC = s.outC(), full = outC - outC % VL, ow = s.outW(), oh = s.outH(), rowOut = ow * outC;
        float[] u = bf.tailV, us = bf.tail;
        for (int t = 0; t < count; t++) {
            int o = bf.tileOut[t], mo = mBase + t * coutP;
            int rows = Math.min(M, oh - bf.tileH[t]), cols = Math.min(M, ow - bf.tileW[t]);
            for (int c = 0; c < full; c += VL) {
                outputColumns(m, mo + c, es, u);
                outputRows(u, rows, cols, bias, c, res, resDelta, out, o + c, outC, rowOut);
            }
            for (int c = full; c < outC; c++) {
                int a = mo + c;
                for (int j = 0; j < WIN; j++) {
                    int aj = a + j * es;
                    float m0 = m[aj], m1 = m[aj + 6 * es], m2 = m[aj + 12 * es], m3 = m[aj + 18 * es], m4 = m[aj + 24 * es], m5 = m[aj + 30 * es];
                    float p12 = m1 + m2, d12 = m1 - m2, p34 = m3 + m4, d34 = m3 - m4;
                    us[j] = m0 + p12 + p34;
                    us[6 + j] = d12 + d34 * 2f;
                    us[12 + j] = p12 + p34 * 4f;
                    us[18 + j] = d12 + d34 * 8f + m5;
                }
                float bv = bias != null ? bias[c] : 0f;
                for (int i = 0; i < rows; i++) {
                    float n0 = us[6 * i], n1 = us[6 * i + 1], n2 = us[6 * i + 2], n3 = us[6 * i + 3], n4 = us[6 * i + 4], n5 = us[6 * i + 5];
                    float p12 = n1 + n2, d12 = n1 - n2, p34 = n3 + n4, d34 = n3 - n4;
                    for (int k = 0; k < cols; k++) {
                        float y = k == 0 ? n0 + p12 + p34 : k == 1 ? d12 + d34 * 2f : k == 2 ? p12 + p34 * 4f : d12 + d34 * 8f + n5;
                        int d = o + i * rowOut + k * outC + c;
                        out[d] = y + bv + (res != null ? res[d + resDelta] : 0f);
                    }
                }
            }
            if (act != Activation.NONE)
                for (int i = 0; i < rows; i++)
                    for (int k = 0; k < cols; k++) Activations.apply(act, alpha, out, o + i * rowOut + k * outC, outC);
        }
    }

    /** A^T M for one channel vector: for each column j, the four rows of the 4x6 intermediate at {@code u[(6i + j) * VL]}. */
    private static void outputColumns(float[] m, int a, int es, float[] u) {
        for (int j = 0; j < WIN; j++) {
            int aj = a + j * es;
            FloatVector m0 = FloatVector.fromArray(S, m, aj), m1 = FloatVector.fromArray(S, m, aj + 6 * es),
                    m2 = FloatVector.fromArray(S, m, aj + 12 * es), m3 = FloatVector.fromArray(S, m, aj + 18 * es),
                    m4 = FloatVector.fromArray(S, m, aj + 24 * es), m5 = FloatVector.fromArray(S, m, aj + 30 * es);
            FloatVector p12 = m1.add(m2), d12 = m1.sub(m2), p34 = m3.add(m4), d34 = m3.sub(m4);
            m0.add(p12).add(p34).intoArray(u, j * VL);
            d12.add(d34.mul(2f)).intoArray(u, (6 + j) * VL);
            p12.add(p34.mul(4f)).intoArray(u, (12 + j) * VL);
            d12.add(d34.mul(8f)).add(m5).intoArray(u, (18 + j) * VL);
        }
    }

    /**
     * (A^T M) A for one channel vector, plus bias (channels from {@code c}) and residual, stored
     * for the tile's {@code rows} x {@code cols} pixels inside the map from {@code out[d]}.
     */
    private static void outputRows(float[] u, int rows, int cols, float[] bias, int c, float[] res, int resDelta, float[] out, int d,
                                   int outC, int rowOut) {
        FloatVector bv = bias != null ? FloatVector.fromArray(S, bias, c) : FloatVector.zero(S);
        for (int i = 0; i < rows; i++) {
            int ui = WIN * i * VL, di = d + i * rowOut;
            FloatVector n0 = FloatVector.fromArray(S, u, ui), n1 = FloatVector.fromArray(S, u, ui + VL),
                    n2 = FloatVector.fromArray(S, u, ui + 2 * VL), n3 = FloatVector.fromArray(S, u, ui + 3 * VL),
                    n4 = FloatVector.fromArray(S, u, ui + 4 * VL), n5 = FloatVector.fromArray(S, u, ui + 5 * VL);
            FloatVector p12 = n1.add(n2), d12 = n1.sub(n2), p34 = n3.add(n4), d34 = n3.sub(n4);
            FloatVector y0 = n0.add(p12).add(p34).add(bv), y1 = d12.add(d34.mul(2f)).add(bv),
                    y2 = p12.add(p34.mul(4f)).add(bv), y3 = d12.add(d34.mul(8f)).add(n5).add(bv);
            if (res != null) {
                y0 = y0.add(FloatVector.fromArray(S, res, di + resDelta));
                if (cols > 1) y1 = y1.add(FloatVector.fromArray(S, res, di + outC + resDelta));
                if (cols > 2) y2 = y2.add(FloatVector.fromArray(S, res, di + 2 * outC + resDelta));
                if (cols > 3) y3 = y3.add(FloatVector.fromArray(S, res, di + 3 * outC + resDelta));
            }
            y0.intoArray(out, di);
            if (cols > 1) y1.intoArray(out, di + outC);
            if (cols > 2) y2.intoArray(out, di + 2 * outC);
            if (cols > 3) y3.intoArray(out, di + 3 * outC);
        }
    }
}
