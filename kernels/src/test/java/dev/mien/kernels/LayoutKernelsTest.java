package dev.mien.kernels;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The data-movement, resize, selection, reduction and attention kernels: the vector backend
 * (1 and 3 threads) against the scalar reference over random shapes and offsets (the same bits:
 * they copy, select, or do the reference's arithmetic in its order), and the reference against
 * index arithmetic written out independently here.
 */
class LayoutKernelsTest {
    static final Backend REF = new ScalarBackend();
    static final Backend[] VEC = {KernelRegistry.create("vector", 1), KernelRegistry.create("vector", 3)};
    final Random rnd = new Random(20261130);

    float[] random(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rnd.nextGaussian();
        if (n > 3 && rnd.nextInt(4) == 0) a[rnd.nextInt(n)] = Float.NaN;
        return a;
    }

    int[] randomShape(int rank, int max) {
        int[] s = new int[rank];
        for (int i = 0; i < rank; i++) s[i] = 1 + rnd.nextInt(max);
        return s;
    }

    static int size(int[] s) { int n = 1; for (int d : s) n *= d; return n; }

    interface Call { void run(Backend b, float[] out); }

    /** Runs {@code call} on the reference and every vector backend into NaN-filled outputs; all must agree bit for bit. */
    static float[] agree(int outLen, Call call, String what) {
        float[] exp = new float[outLen];
        Arrays.fill(exp, Float.NaN);
        call.run(REF, exp);
        for (Backend v : VEC) {
            float[] got = new float[outLen];
            Arrays.fill(got, Float.NaN);
            call.run(v, got);
            for (int i = 0; i < outLen; i++)
                if (Float.floatToIntBits(exp[i]) != Float.floatToIntBits(got[i]))
                    fail(what + " on " + v.threads() + " threads: element " + i + " expected " + exp[i] + " got " + got[i]);
        }
        return exp;
    }

    @Test
    void copyRowsConcatenatesAndSlices() {
        for (int t = 0; t < 100; t++) {
            int rows = 1 + rnd.nextInt(9), len = 1 + rnd.nextInt(40), srcStride = len + rnd.nextInt(5), dstStride = len + rnd.nextInt(5);
            int srcOff = rnd.nextInt(4), dstOff = rnd.nextInt(4);
            float[] x = random(srcOff + rows * srcStride);
            float[] y = agree(dstOff + rows * dstStride, (b, out) -> b.copyRows(rows, len, x, srcOff, srcStride, out, dstOff, dstStride), "copyRows");
            for (int r = 0; r < rows; r++)
                for (int i = 0; i < len; i++) assertEquals(x[srcOff + r * srcStride + i], y[dstOff + r * dstStride + i]);
        }
    }

    @Test
    void pad2dPadsWithZerosAndCrops() {
        for (int t = 0; t < 100; t++) {
            int n = 1 + rnd.nextInt(2), h = 1 + rnd.nextInt(7), w = 1 + rnd.nextInt(7), c = 1 + rnd.nextInt(5);
            int top = rnd.nextInt(5) - 2, left = rnd.nextInt(5) - 2, bottom = rnd.nextInt(5) - 2, right = rnd.nextInt(5) - 2;
            int oh = h + top + bottom, ow = w + left + right;
            if (oh < 1 || ow < 1) continue;
            float[] x = random(n * h * w * c);
            float[] y = agree(n * oh * ow * c, (b, out) -> b.pad2d(n, h, w, c, top, left, oh, ow, x, 0, out, 0), "pad2d");
            for (int bi = 0; bi < n; bi++)
                for (int i = 0; i < oh; i++)
                    for (int j = 0; j < ow; j++)
                        for (int k = 0; k < c; k++) {
                            int ih = i - top, iw = j - left;
                            float e = ih < 0 || ih >= h || iw < 0 || iw >= w ? 0f : x[((bi * h + ih) * w + iw) * c + k];
                            assertEquals(e, y[((bi * oh + i) * ow + j) * c + k]);
                        }
        }
    }

    @Test
    void transposeMovesEveryElementWhereThePermutationSays() {
        for (int t = 0; t < 100; t++) {
            int rank = 1 + rnd.nextInt(5);
            int[] s = randomShape(rank, 5), perm = new int[rank];
            for (int i = 0; i < rank; i++) perm[i] = i;
            for (int i = rank - 1; i > 0; i--) { int j = rnd.nextInt(i + 1), k = perm[i]; perm[i] = perm[j]; perm[j] = k; }
            float[] x = random(size(s));
            int off = rnd.nextInt(3);
            float[] y = agree(off + x.length, (b, out) -> b.transpose(s, perm, x, 0, out, off), "transpose " + Arrays.toString(s) + Arrays.toString(perm));
            int[] o = new int[rank];
            for (int d = 0; d < rank; d++) o[d] = s[perm[d]];
            for (int i = 0; i < x.length; i++) {
                // output index i -> coordinates in the output -> input offset
                int rest = i, src = 0;
                int[] coord = new int[rank];
                for (int d = rank - 1; d >= 0; d--) { coord[d] = rest % o[d]; rest /= o[d]; }
                for (int d = 0; d < rank; d++) {
                    int stride = 1;
                    for (int e = perm[d] + 1; e < rank; e++) stride *= s[e];
                    src += coord[d] * stride;
                }
                assertEquals(Float.floatToIntBits(x[src]), Float.floatToIntBits(y[off + i]));
            }
        }
    }

    @Test
    void channelShuffleInterleavesTheGroups() {
        for (int t = 0; t < 100; t++) {
            int g = 1 + rnd.nextInt(4), per = 1 + rnd.nextInt(9), c = g * per, rows = 1 + rnd.nextInt(20);
            float[] x = random(rows * c);
            float[] y = agree(rows * c, (b, out) -> b.channelShuffle(rows, c, g, x, 0, out, 0), "channelShuffle");
            for (int r = 0; r < rows; r++)
                for (int k = 0; k < c; k++) // output channel k = j*g + gi reads input gi*per + j
                    assertEquals(Float.floatToIntBits(x[r * c + (k % g) * per + k / g]), Float.floatToIntBits(y[r * c + k]));
        }
    }

    @Test
    void resizeAgreesAndMatchesFourCornerInterpolation() {
        String[] coords = {"half_pixel", "align_corners", "asymmetric"};
        for (int t = 0; t < 60; t++) {
            boolean bilinear = rnd.nextBoolean();
            String coord = coords[rnd.nextInt(3)];
            int n = 1 + rnd.nextInt(2), h = 1 + rnd.nextInt(9), w = 1 + rnd.nextInt(9), c = 1 + rnd.nextInt(6);
            int oh = 1 + rnd.nextInt(15), ow = 1 + rnd.nextInt(15);
            ResizeShape s = new ResizeShape(n, c, bilinear, ResizeAxis.of(h, oh, coord, bilinear), ResizeAxis.of(w, ow, coord, bilinear));
            float[] x = random(n * h * w * c);
            double[] scratch = new double[s.scratchLength()];
            float[] y = agree(n * oh * ow * c, (b, out) -> b.resize(s, x, 0, out, 0, scratch), "resize " + s);
            for (int bi = 0; bi < n; bi++)
                for (int i = 0; i < oh; i++)
                    for (int j = 0; j < ow; j++)
                        for (int k = 0; k < c; k++) {
                            int base = bi * h * w * c;
                            double tl = x[base + (s.ys().lo()[i] * w + s.xs().lo()[j]) * c + k], tr = x[base + (s.ys().lo()[i] * w + s.xs().hi()[j]) * c + k];
                            double bl = x[base + (s.ys().hi()[i] * w + s.xs().lo()[j]) * c + k], br = x[base + (s.ys().hi()[i] * w + s.xs().hi()[j]) * c + k];
                            double fx = s.xs().frac()[j], fy = s.ys().frac()[i];
                            double top = tl + (tr - tl) * fx, bot = bl + (br - bl) * fx;
                            float e = bilinear ? (float) (top + (bot - top) * fy) : (float) tl;
                            assertEquals(Float.floatToIntBits(e), Float.floatToIntBits(y[((bi * oh + i) * ow + j) * c + k]), "resize " + s);
                        }
        }
    }

    @Test
    void resizeRowsSplitAnywhereGiveTheWholeCallsBits() {
        // The vector backend splits a resize's output rows over its threads: any split, ranges
        // spanning images included, each range with its own scratch, must give the same bits.
        for (int t = 0; t < 40; t++) {
            boolean bilinear = t % 4 != 0;
            int n = 1 + rnd.nextInt(3), h = 1 + rnd.nextInt(9), w = 1 + rnd.nextInt(9), c = 1 + rnd.nextInt(4);
            int oh = 1 + rnd.nextInt(15), ow = 1 + rnd.nextInt(15);
            ResizeShape s = new ResizeShape(n, c, bilinear, ResizeAxis.of(h, oh, "half_pixel", bilinear), ResizeAxis.of(w, ow, "half_pixel", bilinear));
            float[] x = random(n * h * w * c);
            float[] whole = new float[n * oh * ow * c];
            REF.resize(s, x, 0, whole, 0, new double[s.scratchLength()]);
            int rows = n * oh, a = rnd.nextInt(rows + 1), b = a + rnd.nextInt(rows - a + 1);
            float[] split = new float[whole.length];
            Arrays.fill(split, Float.NaN);
            for (int[] range : new int[][]{{b, rows}, {0, a}, {a, b}})   // out of order, as threads finish
                ScalarBackend.resizeRows(s, x, 0, split, 0, new double[s.scratchLength()], range[0], range[1]);
            for (int i = 0; i < whole.length; i++)
                assertEquals(Float.floatToIntBits(whole[i]), Float.floatToIntBits(split[i]), "resize " + s + " split at " + a + ", " + b + ": element " + i);
        }
    }

    @Test
    void pwfsIsHalfOfMaxPlusMedian() {
        for (int t = 0; t < 100; t++) {
            int g = 1 + rnd.nextInt(40), c = 3 * g, rows = 1 + rnd.nextInt(10);
            float[] x = random(rows * c);
            float[] y = agree(rows * g, (b, out) -> b.pwfs(rows, c, x, 0, out, 0), "pwfs");
            for (int r = 0; r < rows; r++)
                for (int j = 0; j < g; j++) {
                    float[] v = {x[r * c + j], x[r * c + g + j], x[r * c + 2 * g + j]};
                    float got = y[r * g + j];
                    if (Float.isNaN(v[0]) || Float.isNaN(v[1]) || Float.isNaN(v[2])) { assertTrue(Float.isNaN(got)); continue; }
                    Arrays.sort(v);
                    assertEquals(0.5f * (v[2] + v[1]), got, 1e-5f * (1 + Math.abs(got)));
                }
        }
    }

    @Test
    void preluScalesNegativesByTheirAlpha() {
        for (int t = 0; t < 100; t++) {
            int batch = 1 + rnd.nextInt(3), per = 1 + rnd.nextInt(70);
            float[] x = random(batch * per), alpha = random(per);
            float[] y = agree(batch * per, (b, out) -> b.prelu(batch, per, x, 0, alpha, out, 0), "prelu");
            for (int i = 0; i < y.length; i++) {
                float v = x[i];
                assertEquals(Float.floatToIntBits(v >= 0 ? v : alpha[i % per] * v), Float.floatToIntBits(y[i]));
            }
        }
    }

    @Test
    void reduceOverAnyAxesMatchesDoubleSums() {
        for (int t = 0; t < 100; t++) {
            int rank = 1 + rnd.nextInt(4);
            int[] s = randomShape(rank, 6);
            boolean[] r = new boolean[rank];
            for (int i = 0; i < rank; i++) r[i] = rnd.nextBoolean();
            ReduceOp op = ReduceOp.values()[rnd.nextInt(4)];
            float[] x = new float[size(s)];
            for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
            int outLen = 1;
            for (int i = 0; i < rank; i++) if (!r[i]) outLen *= s[i];
            float[] y = agree(outLen, (b, out) -> b.reduce(op, s, r, x, 0, out, 0), "reduce " + op + Arrays.toString(s) + Arrays.toString(r));
            double[] e = new double[outLen];
            Arrays.fill(e, op == ReduceOp.MAX ? Double.NEGATIVE_INFINITY : op == ReduceOp.MIN ? Double.POSITIVE_INFINITY : 0);
            int group = x.length / outLen;
            for (int i = 0; i < x.length; i++) {
                int rest = i, o = 0, stride = 1;
                for (int d = rank - 1; d >= 0; d--) {
                    int cd = rest % s[d];
                    rest /= s[d];
                    if (!r[d]) { o += cd * stride; stride *= s[d]; }
                }
                e[o] = switch (op) { case MAX -> Math.max(e[o], x[i]); case MIN -> Math.min(e[o], x[i]); default -> e[o] + x[i]; };
            }
            for (int i = 0; i < outLen; i++) {
                double want = op == ReduceOp.MEAN ? e[i] / group : e[i];
                assertEquals(want, y[i], 1e-5 * (group + Math.abs(want)), "reduce " + op);
            }
        }
    }

    @Test
    void attentionIsSoftmaxWeightedValues() {
        for (int t = 0; t < 60; t++) {
            int groups = 1 + rnd.nextInt(3), tq = 1 + rnd.nextInt(5), tv = 1 + rnd.nextInt(6), d = 1 + rnd.nextInt(9);
            float scale = rnd.nextFloat() + 0.5f;
            float[] q = random(groups * tq * d), k = random(groups * tv * d), v = random(groups * tv * d);
            for (float[] a : new float[][]{q, k, v}) for (int i = 0; i < a.length; i++) if (Float.isNaN(a[i])) a[i] = 0.25f;
            float[] scores = new float[tv];
            float[] y = agree(groups * tq * d, (b, out) -> b.attention(groups, tq, tv, d, scale, q, 0, k, 0, v, 0, out, 0, scores), "attention");
            for (int g = 0; g < groups; g++)
                for (int i = 0; i < tq; i++) {
                    double[] w = new double[tv];
                    double max = Double.NEGATIVE_INFINITY, sum = 0;
                    for (int j = 0; j < tv; j++) {
                        for (int e = 0; e < d; e++) w[j] += (double) q[(g * tq + i) * d + e] * k[(g * tv + j) * d + e];
                        w[j] *= scale;
                        max = Math.max(max, w[j]);
                    }
                    for (int j = 0; j < tv; j++) { w[j] = Math.exp(w[j] - max); sum += w[j]; }
                    for (int e = 0; e < d; e++) {
                        double acc = 0;
                        for (int j = 0; j < tv; j++) acc += w[j] * v[(g * tv + j) * d + e];
                        assertEquals(acc / sum, y[(g * tq + i) * d + e], 1e-4 * (1 + Math.abs(acc / sum)));
                    }
                }
        }
    }
}
