package dev.mien.kernels;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Property tests: the Vector API backend (1 and 3 threads) against the scalar reference over
 * random shapes, strides, dilations, asymmetric paddings, groups, channel counts that are not
 * multiples of the vector width, 1x1 images and every activation.
 */
class VectorVsScalarTest {
    static final Backend REF = new ScalarBackend();
    // The 3-thread one is a workspace (as sessions use), the 1-thread one the shared handle.
    static final Backend[] VEC = {KernelRegistry.create("vector", 1), KernelRegistry.create("vector", 3).newWorkspace()};

    /**
     * A uniform scale-shift (the same affine on every channel) on short and long rows matches the
     * reference; a short one (MA-Net's head weighting: 7 classes x 8 images) allocates nothing even
     * before C2 has compiled it, where Vector API code boxes every vector.
     */
    /**
     * Classifier heads: dense layers of up to {@code SMALL_DENSE_MACS} multiply-adds and global
     * pools of up to 4096 values take plain loops; both sides of each threshold match the
     * reference, and the small ones allocate nothing even before C2 has compiled them.
     */
    @Test
    void smallDenseAndGlobalPoolsMatchAndAllocateNothing() {
        Backend v = VEC[0];
        for (int[] d : new int[][]{{1, 32, 8}, {1, 512, 7}, {2, 40, 50}, {1, 64, 65}, {3, 33, 41}, {8, 512, 7}}) {
            int rows = d[0], in = d[1], out = d[2];
            float[] w = random(in * out), x = random(rows * in), bias = random(out), e = new float[rows * out], g = new float[rows * out];
            for (Activation act : new Activation[]{Activation.NONE, Activation.RELU}) {
                REF.dense(rows, in, out, x, 0, REF.packDense(in, out, w), bias, act, 0f, e, 0);
                v.dense(rows, in, out, x, 0, v.packDense(in, out, w), bias, act, 0f, g, 0);
                assertNear(e, g, e.length, 1e-3 * Math.sqrt(in), "dense " + rows + "x" + in + "->" + out + " " + act);
            }
        }
        for (int[] d : new int[][]{{1, 4, 256}, {2, 49, 40}, {1, 9, 512}, {3, 5, 17}}) {
            int n = d[0], hw = d[1], c = d[2];
            float[] x = random(n * hw * c), e = new float[n * c], g = new float[n * c];
            x[x.length / 2] = Float.NaN;
            REF.globalAvgPool(n, hw, c, x, 0, e, 0);
            v.globalAvgPool(n, hw, c, x, 0, g, 0);
            assertNearOrNaN(e, g, "global average pool " + n + "x" + hw + "x" + c);
            REF.globalMaxPool(n, hw, c, x, 0, e, 0);
            v.globalMaxPool(n, hw, c, x, 0, g, 0);
            assertNearOrNaN(e, g, "global max pool " + n + "x" + hw + "x" + c);
        }
        var mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        PackedWeights head = v.packDense(32, 8, random(256));
        float[] x = random(1024), bias = random(8), y = new float[256];
        v.dense(1, 32, 8, x, 0, head, bias, Activation.NONE, 0f, y, 0);
        mx.getCurrentThreadAllocatedBytes();
        long before = mx.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 10; i++) {
            v.dense(1, 32, 8, x, 0, head, bias, Activation.NONE, 0f, y, 0);
            v.globalAvgPool(1, 4, 256, x, 0, y, 0);
            v.globalMaxPool(1, 4, 256, x, 0, y, 0);
        }
        // Alone this is 0 bytes; after the other tests of this JVM up to ~2 KB appeared (not from
        // these loops). Their vector versions allocated ~990 KB here.
        long bytes = mx.getCurrentThreadAllocatedBytes() - before;
        assertTrue(bytes < 4096, "10 small dense layers and global pools allocated " + bytes + " bytes");
    }

    @Test
    void uniformScaleShiftMatchesAndAShortRowAllocatesNothing() {
        for (int[] rc : new int[][]{{8, 7}, {1, 3}, {300, 3}, {700, 3}, {4, 5}}) {
            int rows = rc[0], c = rc[1];
            float[] scale = new float[c], shift = new float[c], x = random(rows * c), e = new float[x.length], g = new float[x.length];
            Arrays.fill(scale, 0.6f);
            Arrays.fill(shift, -0.25f);
            REF.scaleShift(rows, c, x, 0, scale, shift, Activation.RELU, 0f, e, 0);
            VEC[0].scaleShift(rows, c, x, 0, scale, shift, Activation.RELU, 0f, g, 0);
            assertNear(e, g, e.length, 1e-5, "uniform scaleShift " + rows + "x" + c);
        }
        var mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        float[] scale = new float[7], shift = new float[7], x = random(56), y = new float[56];
        Arrays.fill(scale, 0.6f);
        mx.getCurrentThreadAllocatedBytes();
        long before = mx.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 10; i++) VEC[0].scaleShift(8, 7, x, 0, scale, shift, Activation.NONE, 0f, y, 0);
        // 0 bytes alone; the bound leaves room for the stray ~2 KB seen after other tests (the vector loop: 11,520).
        long bytes = mx.getCurrentThreadAllocatedBytes() - before;
        assertTrue(bytes < 4096, "10 short uniform scale-shifts allocated " + bytes + " bytes");
    }
    final Random rnd = new Random(20261122);

    float[] random(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rnd.nextGaussian();
        return a;
    }

    /** Error bound for a sum of {@code terms} products of unit-scale values computed in another order. */
    /** NaN where the reference has NaN (one NaN input poisons its channel), close elsewhere. */
    static void assertNearOrNaN(float[] exp, float[] got, String what) {
        for (int i = 0; i < exp.length; i++)
            if (Float.isNaN(exp[i]) ? !Float.isNaN(got[i]) : !(Math.abs(exp[i] - got[i]) <= 1e-5 + 1e-5 * Math.abs(exp[i])))
                fail(what + ": element " + i + " expected " + exp[i] + " got " + got[i]);
    }

    static void assertNear(float[] exp, float[] got, int len, double scale, String what) {
        for (int i = 0; i < len; i++) {
            double tol = 1e-5 * scale + 1e-5 * Math.abs(exp[i]);
            if (!(Math.abs(exp[i] - got[i]) <= tol))
                fail(what + ": element " + i + " expected " + exp[i] + " got " + got[i]);
        }
    }

    Activation randomAct() { return Activation.values()[rnd.nextInt(Activation.values().length)]; }

    @Test
    void conv2dMatchesReference() {
        for (int t = 0; t < 300; t++) {
            int groups = switch (rnd.nextInt(4)) { case 0 -> 1; case 1 -> 0; case 2 -> 2; default -> 3; }; // 0 = depthwise
            int cin = 1 + rnd.nextInt(40), cout;
            if (groups == 0) { groups = cin; cout = cin * (rnd.nextInt(4) == 0 ? 2 : 1); }
            else { cin = groups * (1 + rnd.nextInt(12)); cout = groups * (1 + rnd.nextInt(24)); }
            int k = 1 + rnd.nextInt(7), kw = rnd.nextBoolean() ? k : 1 + rnd.nextInt(7);
            int sh = 1 + rnd.nextInt(3), sw = 1 + rnd.nextInt(3), dh = 1 + rnd.nextInt(3), dw = 1 + rnd.nextInt(3);
            int pt = rnd.nextInt(4), pl = rnd.nextInt(4), pb = rnd.nextInt(4), pr = rnd.nextInt(4);
            int ih = Math.max(1, dh * (k - 1) + 1 - pt - pb) + rnd.nextInt(12), iw = Math.max(1, dw * (kw - 1) + 1 - pl - pr) + rnd.nextInt(20);
            if (rnd.nextInt(8) == 0) { ih = 1; iw = 1; k = 1; kw = 1; pt = pl = pb = pr = 0; }
            ConvShape s = new ConvShape(1 + rnd.nextInt(3), ih, iw, cin, cout, k, kw, sh, sw, dh, dw, pt, pl, pb, pr, groups);
            float[] w = random((int) s.weightCount()), x = random((int) s.inputSize());
            float[] bias = rnd.nextBoolean() ? random(cout) : null;
            float[] res = rnd.nextBoolean() ? random((int) s.outputSize()) : null;
            Activation act = randomAct();
            float alpha = rnd.nextFloat();
            int off = rnd.nextInt(5);
            float[] exp = new float[(int) s.outputSize() + off];
            REF.conv2d(s, x, 0, REF.packConv(s, w), bias, res, 0, act, alpha, exp, off);
            for (Backend v : VEC) {
                float[] got = new float[exp.length];
                // Weights packed for another batch and image size must serve this call too.
                ConvShape other = new ConvShape(s.n() + 1, s.inH() + 3, s.inW() + 5, s.inC(), s.outC(), s.kH(), s.kW(),
                        s.strideH(), s.strideW(), s.dilH(), s.dilW(), s.padTop(), s.padLeft(), s.padBottom(), s.padRight(), s.groups());
                v.conv2d(s, x, 0, v.packConv(rnd.nextBoolean() ? s : other, w), bias, res, 0, act, alpha, got, off);
                assertNear(exp, got, exp.length, Math.sqrt(s.kH() * s.kW() * s.inGroupC()) * 4, v.threads() + "t conv " + s + " " + act);
            }
        }
    }

    @Test
    void denseMatchesReference() {
        for (int t = 0; t < 100; t++) {
            int rows = 1 + rnd.nextInt(20), in = 1 + rnd.nextInt(70), out = 1 + rnd.nextInt(70);
            float[] w = random(in * out), x = random(rows * in), bias = rnd.nextBoolean() ? random(out) : null;
            Activation act = randomAct();
            float[] exp = new float[rows * out];
            REF.dense(rows, in, out, x, 0, REF.packDense(in, out, w), bias, act, 0.2f, exp, 0);
            for (Backend v : VEC) {
                float[] got = new float[rows * out];
                v.dense(rows, in, out, x, 0, v.packDense(in, out, w), bias, act, 0.2f, got, 0);
                assertNear(exp, got, got.length, Math.sqrt(in) * 4, "dense " + rows + "x" + in + "x" + out);
            }
        }
    }

    @Test
    void poolingMatchesReference() {
        for (int t = 0; t < 200; t++) {
            int k = 1 + rnd.nextInt(4), s = 1 + rnd.nextInt(3), p = rnd.nextInt(k);
            int h = k + rnd.nextInt(10), w = k + rnd.nextInt(10), c = 1 + rnd.nextInt(40), n = 1 + rnd.nextInt(2);
            PoolShape ps = PoolShape.of(n, h, w, c, k, k, s, s, p, p, p, p, rnd.nextBoolean(), rnd.nextBoolean());
            float[] x = random(n * h * w * c);
            int outLen = n * ps.outH() * ps.outW() * c;
            for (boolean max : new boolean[]{true, false}) {
                float[] exp = new float[outLen];
                if (max) REF.maxPool2d(ps, x, 0, exp, 0); else REF.avgPool2d(ps, x, 0, exp, 0);
                for (Backend v : VEC) {
                    float[] got = new float[outLen];
                    if (max) v.maxPool2d(ps, x, 0, got, 0); else v.avgPool2d(ps, x, 0, got, 0);
                    assertNear(exp, got, outLen, 1, (max ? "max " : "avg ") + ps);
                }
            }
            float[] ge = new float[n * c], gg = new float[n * c];
            REF.globalAvgPool(n, h * w, c, x, 0, ge, 0);
            VEC[0].globalAvgPool(n, h * w, c, x, 0, gg, 0);
            assertNear(ge, gg, ge.length, 1, "gap");
            REF.globalMaxPool(n, h * w, c, x, 0, ge, 0);
            VEC[1].globalMaxPool(n, h * w, c, x, 0, gg, 0);
            assertNear(ge, gg, ge.length, 1, "gmp");
        }
    }

    @Test
    void elementwiseMatchesReference() {
        for (int t = 0; t < 300; t++) {
            int rank = 1 + rnd.nextInt(5);
            int[] out = new int[rank];
            for (int i = 0; i < rank; i++) out[i] = 1 + rnd.nextInt(rank > 3 ? 5 : 20);
            int[] a = broadcastOf(out), b = broadcastOf(out);
            for (int i = 0; i < rank; i++) out[i] = Math.max(a.length > i - (rank - a.length) && i - (rank - a.length) >= 0 ? a[i - (rank - a.length)] : 1,
                    b.length > i - (rank - b.length) && i - (rank - b.length) >= 0 ? b[i - (rank - b.length)] : 1);
            float[] x = random(size(a)), y = random(size(b));
            for (BinaryOp op : BinaryOp.values()) {
                if (op == BinaryOp.DIV) for (int i = 0; i < y.length; i++) y[i] = Math.abs(y[i]) + 0.5f;
                float[] exp = new float[size(out)], got = new float[size(out)];
                REF.binary(op, x, 0, a, y, 0, b, exp, 0, out);
                VEC[0].binary(op, x, 0, a, y, 0, b, got, 0, out);
                assertNear(exp, got, exp.length, 1e-2, op + " " + Arrays.toString(a) + " " + Arrays.toString(b));
            }
        }
        for (int t = 0; t < 100; t++) {
            int rows = 1 + rnd.nextInt(9), c = 1 + rnd.nextInt(50);
            float[] x = random(rows * c), scale = random(c), shift = random(c);
            Activation act = randomAct();
            float[] e = new float[rows * c], g = new float[rows * c];
            REF.scaleShift(rows, c, x, 0, scale, shift, act, 0.3f, e, 0);
            VEC[0].scaleShift(rows, c, x, 0, scale, shift, act, 0.3f, g, 0);
            assertNear(e, g, e.length, 1e-1, "scaleShift " + act);
            REF.activation(act, 0.3f, x, 0, e, 0, x.length);
            VEC[0].activation(act, 0.3f, x, 0, g, 0, x.length);
            assertNear(e, g, e.length, 1e-1, "activation " + act);
            REF.softmax(rows, c, x, 0, e, 0);
            VEC[0].softmax(rows, c, x, 0, g, 0);
            assertNear(e, g, e.length, 1e-2, "softmax");
            for (ReduceOp op : ReduceOp.values()) {
                float[] re = new float[rows], rg = new float[rows];
                REF.reduceLastAxis(op, rows, c, x, 0, re, 0);
                VEC[1].reduceLastAxis(op, rows, c, x, 0, rg, 0);
                assertNear(re, rg, rows, Math.sqrt(c), "reduce " + op + " " + c);
            }
        }
    }

    @Test
    void largeElementwiseSplitAcrossThreadsMatchesReference() {
        int[][][] cases = {
                {{1, 64, 64, 32}, {1, 1, 1, 32}}, {{2, 64, 64, 32}, {2, 64, 64, 1}}, {{1, 70, 70, 17}, {70, 70, 17}},
                {{3, 40, 40, 48}, {1, 40, 1, 48}}, {{1, 1, 300, 300}, {300}}, {{2, 90, 90, 9}, {2, 1, 1, 9}}};
        for (int[][] c : cases) {
            int[] out = Shapes2.broadcast(c[0], c[1]);
            float[] x = random(size(c[0])), y = random(size(c[1]));
            for (BinaryOp op : new BinaryOp[]{BinaryOp.ADD, BinaryOp.MUL, BinaryOp.MAX}) {
                float[] exp = new float[size(out)], got = new float[size(out)], got2 = new float[size(out)];
                REF.binary(op, x, 0, c[0], y, 0, c[1], exp, 0, out);
                VEC[1].binary(op, x, 0, c[0], y, 0, c[1], got, 0, out);
                VEC[1].binary(op, y, 0, c[1], x, 0, c[0], got2, 0, out);
                assertNear(exp, got, exp.length, 1e-2, op + " " + Arrays.toString(c[0]) + " " + Arrays.toString(c[1]));
                float[] rev = new float[exp.length];
                REF.binary(op, y, 0, c[1], x, 0, c[0], rev, 0, out);
                assertNear(rev, got2, rev.length, 1e-2, op + " swapped");
            }
        }
        float[] x = random(100_003), e = new float[x.length], g = new float[x.length];
        for (Activation act : Activation.values()) {
            REF.activation(act, 0.1f, x, 0, e, 0, x.length);
            VEC[1].activation(act, 0.1f, x, 0, g, 0, x.length);
            assertNear(e, g, e.length, 1e-2, "large activation " + act);
        }
    }

    /** Broadcast shape of two shapes (test-side). */
    static final class Shapes2 {
        static int[] broadcast(int[] a, int[] b) {
            int r = Math.max(a.length, b.length);
            int[] o = new int[r];
            for (int i = 0; i < r; i++) {
                int da = i - (r - a.length) >= 0 ? a[i - (r - a.length)] : 1, db = i - (r - b.length) >= 0 ? b[i - (r - b.length)] : 1;
                o[i] = Math.max(da, db);
            }
            return o;
        }
    }

    int[] broadcastOf(int[] out) {
        int drop = rnd.nextInt(out.length);
        int[] s = Arrays.copyOfRange(out, drop, out.length);
        for (int i = 0; i < s.length; i++) if (rnd.nextInt(3) == 0) s[i] = 1;
        return s;
    }

    static int size(int[] s) { int n = 1; for (int d : s) n *= d; return n; }

    @Test
    void transposedConvMatchesReference() {
        for (int t = 0; t < 50; t++) {
            int k = 1 + rnd.nextInt(4), s = 1 + rnd.nextInt(3), ih = 1 + rnd.nextInt(6), iw = 1 + rnd.nextInt(6);
            int ci = 1 + rnd.nextInt(5), co = 1 + rnd.nextInt(5), pt = rnd.nextInt(k), pl = rnd.nextInt(k);
            int oh = (ih - 1) * s + k - pt - rnd.nextInt(k - pt), ow = (iw - 1) * s + k - pl;
            ConvTransposeShape cs = new ConvTransposeShape(1, ih, iw, ci, co, k, k, s, s, pt, pl, Math.max(1, oh), ow);
            float[] w = random(k * k * co * ci), x = random(ih * iw * ci), b = random(co);
            float[] e = new float[cs.outH() * ow * co], g = new float[e.length];
            REF.convTranspose2d(cs, x, 0, w, b, Activation.SIGMOID, 0f, e, 0);
            VEC[1].convTranspose2d(cs, x, 0, w, b, Activation.SIGMOID, 0f, g, 0);
            assertNear(e, g, e.length, 1e-2, "convT " + cs);
        }
    }

    @Test
    void registryRejectsUnknownBackendsAndWeightsFromAnother() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KernelRegistry.create("cuda", 1));
        assertTrue(e.getMessage().contains("scalar") && e.getMessage().contains("vector"));
        ConvShape s = new ConvShape(1, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1);
        PackedWeights w = REF.packConv(s, new float[4]);
        assertThrows(IllegalArgumentException.class,
                () -> VEC[0].conv2d(s, new float[18], 0, w, null, null, 0, Activation.NONE, 0f, new float[18], 0));
        assertEquals("scalar", KernelRegistry.create("SCALAR", 4).name());
    }
}
