package dev.mien.kernels;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * NaN and infinities go through every kernel the way PyTorch and TensorFlow let them: NaN in
 * gives NaN out (ReLU, clamps and max included), infinities saturate where the framework's
 * formula saturates (sigmoid(+Inf) = 1, relu6(+Inf) = 6) and become NaN where it does
 * (softmax over +Inf, swish(-Inf) = -Inf * 0). Each kernel is checked on the scalar reference
 * and the vector backend (1 and 3 threads) against the plain Java definitions below, with the
 * special value in one lane only, in vector tails and at every position of short rows.
 */
class NonFiniteTest {
    static final float NAN = Float.NaN, INF = Float.POSITIVE_INFINITY;
    static final Backend[] ALL = {new ScalarBackend(), KernelRegistry.create("vector", 1), KernelRegistry.create("vector", 3)};
    /** Row lengths around the widest vector (16 lanes) and its tails. */
    static final int[] LENGTHS = {1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 63, 64, 65};
    final Random rnd = new Random(20261130);

    /** The frameworks' definition of each activation, written out independently of {@link Activation#apply}. */
    static float framework(Activation a, float x, float alpha) {
        if (Float.isNaN(x)) return NAN;
        return switch (a) {
            case NONE -> x;
            case RELU -> x > 0 ? x : 0f;
            case RELU6 -> x <= 0 ? 0f : x >= 6 ? 6f : x;
            case SIGMOID -> x == INF ? 1f : x == -INF ? 0f : (float) (1 / (1 + Math.exp(-x)));
            case HARD_SIGMOID -> { float v = alpha * x + 0.5f; yield v <= 0 ? 0f : v >= 1 ? 1f : v; }
            case TANH -> x == INF ? 1f : x == -INF ? -1f : (float) Math.tanh(x);
            case ELU -> x > 0 ? x : x == -INF ? -alpha : (float) (alpha * Math.expm1(x));
            // x * sigmoid(x): at -Inf that is -Inf * 0 in both frameworks.
            case SWISH -> x == INF ? INF : x == -INF ? NAN : (float) (x / (1 + Math.exp(-x)));
            case LEAKY_RELU -> x > 0 ? x : alpha * x;
        };
    }

    /** Equal as the frameworks compare results: NaN where NaN, the same infinity, finite values within {@code tol}. */
    static void assertSame(float[] exp, float[] got, int from, int len, double tol, String what) {
        for (int i = from; i < from + len; i++) {
            float e = exp[i], g = got[i];
            boolean ok = Float.isNaN(e) ? Float.isNaN(g)
                    : Float.isInfinite(e) ? e == g
                    : Float.isFinite(g) && Math.abs(e - g) <= tol + tol * Math.abs(e);
            if (!ok) fail(what + ": element " + (i - from) + " expected " + e + " got " + g);
        }
    }

    float[] random(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rnd.nextGaussian() * 3;
        return a;
    }

    /** Finite values with NaN, +Inf, -Inf and -0 each at a random position (more than one may land on a row). */
    float[] withSpecials(int n) {
        float[] a = random(n);
        for (float v : new float[]{NAN, INF, -INF, -0f}) a[rnd.nextInt(n)] = v;
        return a;
    }

    @Test
    void activationsAtTheEdgesAreTheFrameworks() {
        // Documented PyTorch / tf.keras results, so the definitions above are pinned too.
        for (Activation a : Activation.values()) assertTrue(Float.isNaN(a.apply(NAN, 0.3f)), a + "(NaN)");
        assertEquals(INF, Activation.RELU.apply(INF, 0));
        assertEquals(0f, Activation.RELU.apply(-INF, 0));
        assertEquals(6f, Activation.RELU6.apply(INF, 0));
        assertEquals(1f, Activation.SIGMOID.apply(INF, 0));
        assertEquals(0f, Activation.SIGMOID.apply(-INF, 0));
        assertEquals(1f, Activation.HARD_SIGMOID.apply(INF, 0.2f));
        assertEquals(-1f, Activation.TANH.apply(-INF, 0));
        assertEquals(-1f, Activation.ELU.apply(-INF, 1f));
        assertEquals(INF, Activation.SWISH.apply(INF, 0));
        assertTrue(Float.isNaN(Activation.SWISH.apply(-INF, 0)));
        assertEquals(-INF, Activation.LEAKY_RELU.apply(-INF, 0.3f));
        for (Activation a : Activation.values())
            for (float x : new float[]{INF, -INF, -0f, 0f, 1.5f, -2.5f, 7f})
                assertSame(new float[]{framework(a, x, 0.3f)}, new float[]{a.apply(x, 0.3f)}, 0, 1, 1e-6, a + "(" + x + ")");
    }

    @Test
    void activationsPropagateNaNInEveryLaneAndTail() {
        for (Activation act : Activation.values()) {
            float alpha = act == Activation.HARD_SIGMOID ? 0.2f : 0.3f;
            for (int len : LENGTHS) {
                for (int p = 0; p < len; p++) {
                    float[] x = random(len);
                    x[p] = p % 3 == 0 ? NAN : p % 3 == 1 ? INF : -INF;
                    checkActivation(act, alpha, x, 1 + p % 3);
                }
                checkActivation(act, alpha, withSpecials(len), 0);
            }
            // Long enough to be split across the vector backend's threads.
            checkActivation(act, alpha, withSpecials(70_001), 5);
        }
    }

    private void checkActivation(Activation act, float alpha, float[] x, int off) {
        int len = x.length - off;
        float[] exp = new float[x.length];
        for (int i = off; i < x.length; i++) exp[i] = framework(act, x[i], alpha);
        for (Backend b : ALL) {
            float[] got = new float[x.length];
            b.activation(act, alpha, x, off, got, off, len);
            assertSame(exp, got, off, len, 1e-6, b.name() + "/" + b.threads() + " " + act + " len " + len);
            float[] inPlace = x.clone();
            b.activation(act, alpha, inPlace, off, inPlace, off, len);
            assertSame(exp, inPlace, off, len, 1e-6, b.name() + " in place " + act + " len " + len);
        }
    }

    @Test
    void fusedConvDenseAndAffineEpiloguesKeepNaN() {
        int[][] shapes = { // n, h, w, inC, outC, k, stride, pad, groups (0 = depthwise)
                {1, 5, 6, 3, 16, 3, 1, 1, 1}, {2, 4, 4, 8, 17, 1, 1, 0, 1}, {1, 7, 5, 5, 33, 3, 2, 1, 1},
                {1, 6, 6, 16, 16, 3, 1, 1, 0}, {2, 5, 9, 19, 19, 3, 2, 1, 0}, {1, 4, 4, 6, 12, 3, 1, 1, 3},
                {1, 9, 9, 40, 7, 1, 1, 0, 1}, {1, 1, 1, 64, 70, 1, 1, 0, 1}};
        for (int[] d : shapes)
            for (Activation act : Activation.values()) {
                int groups = d[8] == 0 ? d[3] : d[8];
                ConvShape s = new ConvShape(d[0], d[1], d[2], d[3], d[4], d[5], d[5], d[6], d[6], 1, 1, d[7], d[7], d[7], d[7], groups);
                float[] x = withSpecials((int) s.inputSize()), w = random((int) s.weightCount());
                float[] bias = random(s.outC()), res = rnd.nextBoolean() ? withSpecials((int) s.outputSize()) : null;
                float alpha = 0.2f;
                // Expected: the reference's linear part, then the frameworks' activation.
                float[] exp = new float[(int) s.outputSize()];
                ScalarBackend ref = new ScalarBackend();
                ref.conv2d(s, x, 0, ref.packConv(s, w), bias, res, 0, Activation.NONE, 0, exp, 0);
                for (int i = 0; i < exp.length; i++) exp[i] = framework(act, exp[i], alpha);
                for (Backend b : ALL) {
                    float[] got = new float[exp.length];
                    b.conv2d(s, x, 0, b.packConv(s, w), bias, res, 0, act, alpha, got, 0);
                    assertSame(exp, got, 0, exp.length, 1e-4, b.name() + "/" + b.threads() + " conv " + s + " " + act);
                }

                int rows = d[0] * d[1], in = d[3], out = d[4];
                float[] xd = withSpecials(rows * in), wd = random(in * out);
                float[] ed = new float[rows * out];
                ref.dense(rows, in, out, xd, 0, ref.packDense(in, out, wd), bias, Activation.NONE, 0, ed, 0);
                for (int i = 0; i < ed.length; i++) ed[i] = framework(act, ed[i], alpha);
                float[] scale = random(in), shift = random(in);
                float[] ea = new float[rows * in];
                for (int i = 0; i < ea.length; i++) ea[i] = framework(act, xd[i] * scale[i % in] + shift[i % in], alpha);
                for (Backend b : ALL) {
                    float[] gd = new float[ed.length];
                    b.dense(rows, in, out, xd, 0, b.packDense(in, out, wd), bias, act, alpha, gd, 0);
                    assertSame(ed, gd, 0, ed.length, 1e-4, b.name() + " dense " + rows + "x" + in + "x" + out + " " + act);
                    float[] ga = new float[ea.length];
                    b.scaleShift(rows, in, xd, 0, scale, shift, act, alpha, ga, 0);
                    assertSame(ea, ga, 0, ea.length, 1e-5, b.name() + " scaleShift " + in + " " + act);
                }
            }
    }

    @Test
    void nonFiniteValuesStayInTheirImageAndRun() {
        // A NaN image next to a finite one, then a finite run into the same buffers: lanes and
        // tiles the kernels compute but do not store must not carry NaN into real outputs.
        ConvShape s = new ConvShape(2, 9, 11, 24, 40, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1);
        ConvShape dw = new ConvShape(2, 9, 11, 24, 24, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 24);
        for (ConvShape c : new ConvShape[]{s, dw}) {
            float[] w = random((int) c.weightCount()), bias = random(c.outC());
            int per = (int) c.inputSize() / 2, outPer = (int) c.outputSize() / 2;
            float[] x = random((int) c.inputSize());
            float[] clean = new float[(int) c.outputSize()];
            for (Backend b : ALL) {
                PackedWeights pw = b.packConv(c, w);
                b.conv2d(c, x, 0, pw, bias, null, 0, Activation.RELU, 0, clean, 0);
                float[] mixed = x.clone();
                Arrays.fill(mixed, 0, per, NAN);
                float[] out = new float[clean.length];
                b.conv2d(c, mixed, 0, pw, bias, null, 0, Activation.RELU, 0, out, 0);
                for (int i = 0; i < outPer; i++) assertTrue(Float.isNaN(out[i]), b.name() + " NaN image, output " + i);
                assertArrayEquals(Arrays.copyOfRange(clean, outPer, clean.length), Arrays.copyOfRange(out, outPer, out.length),
                        b.name() + "/" + b.threads() + ": the finite image's outputs are unchanged by its NaN neighbour");
                b.conv2d(c, x, 0, pw, bias, null, 0, Activation.RELU, 0, out, 0);
                assertArrayEquals(clean, out, b.name() + "/" + b.threads() + ": a finite run after a NaN run is unchanged");
            }
        }
    }

    @Test
    void poolsPropagateNaNAndInfinities() {
        for (int t = 0; t < 150; t++) {
            int k = 1 + rnd.nextInt(3), st = 1 + rnd.nextInt(2), p = rnd.nextInt(k);
            int h = k + rnd.nextInt(6), w = k + rnd.nextInt(6), c = LENGTHS[rnd.nextInt(LENGTHS.length)], n = 1 + rnd.nextInt(2);
            PoolShape ps = PoolShape.of(n, h, w, c, k, k, st, st, p, p, p, p, rnd.nextBoolean(), rnd.nextBoolean());
            float[] x = withSpecials(n * h * w * c);
            int outLen = n * ps.outH() * ps.outW() * c;
            float[] emax = new float[outLen], eavg = new float[outLen];
            windowReference(ps, x, emax, eavg);
            float[] gmaxE = new float[n * c], gavgE = new float[n * c];
            for (int b = 0; b < n; b++)
                for (int ch = 0; ch < c; ch++) {
                    float[] v = new float[h * w];
                    for (int q = 0; q < h * w; q++) v[q] = x[(b * h * w + q) * c + ch];
                    gmaxE[b * c + ch] = max(v, 0, v.length);
                    gavgE[b * c + ch] = sum(v, 0, v.length) / v.length;
                }
            for (Backend b : ALL) {
                float[] got = new float[outLen];
                b.maxPool2d(ps, x, 0, got, 0);
                assertSame(emax, got, 0, outLen, 0, b.name() + " max " + ps);
                b.avgPool2d(ps, x, 0, got, 0);
                assertSame(eavg, got, 0, outLen, 1e-5, b.name() + " avg " + ps);
                float[] g = new float[n * c];
                b.globalMaxPool(n, h * w, c, x, 0, g, 0);
                assertSame(gmaxE, g, 0, g.length, 0, b.name() + " global max " + c);
                b.globalAvgPool(n, h * w, c, x, 0, g, 0);
                assertSame(gavgE, g, 0, g.length, 1e-5, b.name() + " global avg " + c);
            }
        }
    }

    /** Max: NaN when any cell is NaN (torch.max_pool2d, tf.nn.max_pool); average: the plain sum, whatever it gives. */
    private static void windowReference(PoolShape s, float[] x, float[] max, float[] avg) {
        int c = s.c();
        for (int n = 0; n < s.n(); n++)
            for (int oy = 0; oy < s.outH(); oy++)
                for (int ox = 0; ox < s.outW(); ox++)
                    for (int ch = 0; ch < c; ch++) {
                        int y0 = oy * s.strideH() - s.padTop(), x0 = ox * s.strideW() - s.padLeft();
                        int y1 = Math.min(y0 + s.kH(), s.inH() + s.padBottom()), x1 = Math.min(x0 + s.kW(), s.inW() + s.padRight());
                        float m = -INF, sum = 0f;
                        boolean nan = false;
                        int cells = 0;
                        for (int iy = Math.max(y0, 0); iy < Math.min(y1, s.inH()); iy++)
                            for (int ix = Math.max(x0, 0); ix < Math.min(x1, s.inW()); ix++) {
                                float v = x[((n * s.inH() + iy) * s.inW() + ix) * c + ch];
                                nan |= Float.isNaN(v);
                                if (v > m) m = v;
                                sum += v;
                                cells++;
                            }
                        int count = s.countIncludePad() ? (y1 - y0) * (x1 - x0) : cells;
                        int o = ((n * s.outH() + oy) * s.outW() + ox) * c + ch;
                        max[o] = nan ? NAN : m;
                        avg[o] = sum / Math.max(count, 1);
                    }
    }

    private static float max(float[] v, int from, int len) {
        float m = -INF;
        for (int i = from; i < from + len; i++) { if (Float.isNaN(v[i])) return NAN; if (v[i] > m) m = v[i]; }
        return m;
    }

    private static float min(float[] v, int from, int len) {
        float m = INF;
        for (int i = from; i < from + len; i++) { if (Float.isNaN(v[i])) return NAN; if (v[i] < m) m = v[i]; }
        return m;
    }

    private static float sum(float[] v, int from, int len) {
        float s = 0f;
        for (int i = from; i < from + len; i++) s += v[i];
        return s;
    }

    @Test
    void reductionsPropagateNaNAtEveryPosition() {
        for (int len : LENGTHS) {
            int rows = len + 2;
            float[] x = random(rows * len);
            // Row r < len holds NaN or an infinity at position r; the last two rows hold both infinities / only finite values.
            for (int r = 0; r < len; r++) x[r * len + r] = r % 3 == 0 ? NAN : r % 3 == 1 ? INF : -INF;
            if (len > 1) { x[len * len] = INF; x[len * len + len - 1] = -INF; }
            for (ReduceOp op : ReduceOp.values()) {
                float[] exp = new float[rows];
                for (int r = 0; r < rows; r++)
                    exp[r] = switch (op) {
                        case MAX -> max(x, r * len, len);
                        case MIN -> min(x, r * len, len);
                        case SUM -> sum(x, r * len, len);
                        case MEAN -> sum(x, r * len, len) / len;
                    };
                for (Backend b : ALL) {
                    float[] got = new float[rows];
                    b.reduceLastAxis(op, rows, len, x, 0, got, 0);
                    assertSame(exp, got, 0, rows, 1e-4, b.name() + " reduce " + op + " len " + len);
                }
            }
        }
    }

    @Test
    void softmaxIsNaNWhereTheFrameworksAre() {
        for (int len : LENGTHS) {
            for (int p = 0; p < len; p++) {
                for (float special : new float[]{NAN, INF, -INF}) {
                    float[] x = random(len);
                    x[p] = special;
                    // NaN or +Inf anywhere: exp(x - max) meets NaN or Inf - Inf, so the row is NaN (torch.softmax, tf.nn.softmax).
                    // -Inf: that class gets exactly 0 unless it is the only one (then 0/0).
                    float[] exp = new float[len];
                    double m = Double.NEGATIVE_INFINITY, s = 0;
                    for (float v : x) m = Math.max(m, v);
                    for (float v : x) s += Math.exp(v - m);
                    for (int i = 0; i < len; i++)
                        exp[i] = special == -INF && len > 1 ? (float) (Math.exp(x[i] - m) / s) : NAN;
                    for (Backend b : ALL) {
                        float[] got = new float[len];
                        b.softmax(1, len, x, 0, got, 0);
                        assertSame(exp, got, 0, len, 1e-5, b.name() + " softmax " + special + " at " + p + " of " + len);
                    }
                }
            }
        }
    }

    @Test
    void binaryMaxMinPropagateNaNFromEitherSide() {
        for (int len : LENGTHS) {
            int[][][] shapes = {{{3, len}, {3, len}}, {{3, len}, {1, len}}, {{3, len}, {3, 1}}, {{3, 1}, {3, len}}};
            for (int[][] sh : shapes) {
                int[] out = {3, len};
                float[] a = withSpecials(sh[0][0] * sh[0][1]), b = withSpecials(sh[1][0] * sh[1][1]);
                for (BinaryOp op : BinaryOp.values()) {
                    float[] exp = new float[3 * len];
                    for (int r = 0; r < 3; r++)
                        for (int i = 0; i < len; i++) {
                            float u = a[Math.min(r, sh[0][0] - 1) * sh[0][1] + Math.min(i, sh[0][1] - 1)];
                            float v = b[Math.min(r, sh[1][0] - 1) * sh[1][1] + Math.min(i, sh[1][1] - 1)];
                            exp[r * len + i] = switch (op) {
                                case ADD -> u + v;
                                case SUB -> u - v;
                                case MUL -> u * v;
                                case DIV -> u / v;
                                // torch.maximum / tf.maximum: NaN if either is NaN
                                case MAX -> Float.isNaN(u) || Float.isNaN(v) ? NAN : u >= v ? u : v;
                                case MIN -> Float.isNaN(u) || Float.isNaN(v) ? NAN : u <= v ? u : v;
                            };
                        }
                    for (Backend be : ALL) {
                        float[] got = new float[exp.length];
                        be.binary(op, a, 0, sh[0], b, 0, sh[1], got, 0, out);
                        assertSame(exp, got, 0, exp.length, 1e-6, be.name() + " " + op + " " + Arrays.deepToString(sh));
                    }
                }
            }
        }
    }
}
