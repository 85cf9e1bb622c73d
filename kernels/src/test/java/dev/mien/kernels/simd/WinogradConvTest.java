package dev.mien.kernels.simd;

import dev.mien.kernels.Activation;
import dev.mien.kernels.ConvAlgorithm;
import dev.mien.kernels.ConvShape;
import dev.mien.kernels.PackedWeights;
import dev.mien.kernels.ScalarBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The Winograd paths, F(2x2, 3x3) and F(4x4, 3x3), against the scalar reference: random shapes (odd and tiny maps,
 * batches, asymmetric padding, channel counts around the vector width), bias, residual and
 * every activation, on 1 and 3 threads; NaN and infinities in the input or the weights come
 * out exactly as the reference's; and its error on larger layers stays far below the parity
 * tolerance.
 */
class WinogradConvTest {
    final Random rnd = new Random(20261130);
    static final ScalarBackend REF = new ScalarBackend();
    static final VectorBackend V1 = new VectorBackend(1), V3 = new VectorBackend(3);

    @ParameterizedTest
    @EnumSource(value = ConvAlgorithm.class, names = {"WINOGRAD", "WINOGRAD4"})
    void randomShapesMatchTheReference(ConvAlgorithm alg) {
        Activation[] acts = Activation.values();
        int runs = 0;
        for (int t = 0; t < 40; t++) {
            int cin = 1 + rnd.nextInt(rnd.nextBoolean() ? 20 : 70), cout = 1 + rnd.nextInt(rnd.nextBoolean() ? 20 : 70);
            int h = 1 + rnd.nextInt(13), w = 1 + rnd.nextInt(13);
            int pt = rnd.nextInt(3), pl = rnd.nextInt(3), pb = rnd.nextInt(3), pr = rnd.nextInt(3);
            if (h + pt + pb < 3) pb = 3 - h - pt;
            if (w + pl + pr < 3) pr = 3 - w - pl;
            ConvShape s = new ConvShape(1 + rnd.nextInt(3), h, w, cin, cout, 3, 3, 1, 1, 1, 1, pt, pl, pb, pr, 1);
            float[] wt = random((int) s.weightCount()), x = random((int) s.inputSize());
            float[] bias = rnd.nextBoolean() ? random(cout) : null, res = rnd.nextBoolean() ? random((int) s.outputSize()) : null;
            Activation act = acts[rnd.nextInt(acts.length)];
            float alpha = 0.1f + rnd.nextFloat();
            float[] exp = new float[(int) s.outputSize()];
            REF.conv2d(s, x, 0, REF.packConv(s, wt), bias, res, 0, act, alpha, exp, 0);
            for (VectorBackend v : new VectorBackend[]{V1, V3}) {
                assertNull(v.refusal(s, alg), s.toString());
                float[] got = new float[exp.length];
                v.conv2d(s, alg, x, 0, v.packConv(s, wt), bias, res, 0, act, alpha, got, 0);
                assertClose(alg, exp, got, 1e-4, alg.label() + " " + v.threads() + "t " + s + " " + act);
                runs++;
            }
        }
        assertEquals(80, runs);
    }

    /**
     * Layers above 256 x 256 channels take the element-major walk (whole-call input transform,
     * one item per element and output block, whole-call output transform): random small maps,
     * batches, paddings, channel counts off the vector width and the block, on 1 and 3 threads.
     */
    @ParameterizedTest
    @EnumSource(value = ConvAlgorithm.class, names = {"WINOGRAD", "WINOGRAD4"})
    void largeChannelCountsTakeTheElementMajorWalkAndMatchTheReference(ConvAlgorithm alg) {
        Activation[] acts = Activation.values();
        for (int t = 0; t < 6; t++) {
            int cin = 230 + rnd.nextInt(100), cout = 290 + rnd.nextInt(60);
            int h = 1 + rnd.nextInt(9), w = 1 + rnd.nextInt(9), p = rnd.nextInt(2);
            int pt = p, pl = p, pb = Math.max(p, 3 - h - p), pr = Math.max(p, 3 - w - p);
            ConvShape s = new ConvShape(1 + rnd.nextInt(3), h, w, cin, cout, 3, 3, 1, 1, 1, 1, pt, pl, pb, pr, 1);
            assertTrue(WinogradKernel.elementMajor(s, alg == ConvAlgorithm.WINOGRAD4 ? 4 : 2), s.toString());
            float[] wt = random((int) s.weightCount()), x = random((int) s.inputSize());
            for (int i = 0; i < wt.length; i++) wt[i] *= (float) Math.sqrt(2.0 / (9 * cin));
            float[] bias = rnd.nextBoolean() ? random(cout) : null, res = t % 2 == 0 ? random((int) s.outputSize()) : null;
            ConvChecks.sameAsReference(s, alg, wt, x, bias, res, acts[t % acts.length], 0.3f, "element-major", V1, V3);
        }
        // Offsets into larger arrays, a residual elsewhere; non-finite inputs (recomputed directly)
        // and weights (the chunked walk's plain loop); a residual in the output buffer.
        ConvShape s = new ConvShape(2, 5, 6, 260, 270, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1);
        ConvChecks.offsetsIntoLargerArrays(s, alg, V3, this::random);
        ConvChecks.nonFiniteMatchesReference(s, alg, false, 3, Activation.RELU, this::random, rnd, V1, V3);
        ConvChecks.nonFiniteMatchesReference(s, alg, true, 3, Activation.NONE, this::random, rnd, V1, V3);
        float[] wt = random((int) s.weightCount()), x = random((int) s.inputSize()), res = random((int) s.outputSize());
        float[] exp = new float[res.length];
        REF.conv2d(s, x, 0, REF.packConv(s, wt), null, res, 0, Activation.NONE, 0f, exp, 0);
        float[] inOut = res.clone();
        V3.conv2d(s, alg, x, 0, V3.packConv(s, wt), null, inOut, 0, Activation.NONE, 0f, inOut, 0);
        assertClose(alg, exp, inOut, 1e-4, "element-major, residual in place");
    }

    /**
     * Dilated layers whose dilation divides the map and the padding run as one undilated call over
     * their phases: random dilations 2-3, maps, batches, paddings, channels, bias, residual (also
     * in the output buffer), activations and offsets, NaN/Inf in the input or weights, on 1 and 3
     * threads; a dilation that does not divide them is refused with the reason.
     */
    @ParameterizedTest
    @EnumSource(value = ConvAlgorithm.class, names = {"WINOGRAD", "WINOGRAD4"})
    void dilatedLayersRunOnTheirPhasesAndMatchTheReference(ConvAlgorithm alg) {
        Activation[] acts = Activation.values();
        int runs = 0;
        for (int t = 0; t < 24; t++) {
            int d = 2 + rnd.nextInt(2), cin = 1 + rnd.nextInt(70), cout = 1 + rnd.nextInt(70);
            int h = d * (1 + rnd.nextInt(9)), w = d * (1 + rnd.nextInt(9));
            int pt = d * rnd.nextInt(2), pl = d * rnd.nextInt(2), pb = d * rnd.nextInt(2), pr = d * rnd.nextInt(2);
            while (h + pt + pb < 2 * d + 1) pb += d;
            while (w + pl + pr < 2 * d + 1) pr += d;
            ConvShape s = new ConvShape(1 + rnd.nextInt(3), h, w, cin, cout, 3, 3, 1, 1, d, d, pt, pl, pb, pr, 1);
            assertTrue(ConvAlgorithm.dilationPhases(s), s.toString());
            float[] res = rnd.nextBoolean() ? random((int) s.outputSize()) : null;
            runs += ConvChecks.sameAsReference(s, alg, random((int) s.weightCount()), random((int) s.inputSize()),
                    rnd.nextBoolean() ? random(cout) : null, res, acts[rnd.nextInt(acts.length)], 0.1f + rnd.nextFloat(), "dilated winograd", V1, V3);
            if (t % 4 == 0)
                ConvChecks.nonFiniteMatchesReference(s, alg, t % 8 == 4, 2, Activation.RELU, this::random, rnd, V1, V3);
        }
        assertEquals(48, runs);
        // LANMSFF's dilated two-path layer, its residual in the output buffer, at offsets.
        ConvShape lanmsff = new ConvShape(1, 32, 32, 72, 36, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 1);
        ConvChecks.offsetsIntoLargerArrays(lanmsff, alg, V3, this::random);
        float[] wt = random((int) lanmsff.weightCount()), x = random((int) lanmsff.inputSize()), res = random((int) lanmsff.outputSize());
        float[] exp = new float[res.length], inOut = res.clone();
        REF.conv2d(lanmsff, x, 0, REF.packConv(lanmsff, wt), null, res, 0, Activation.NONE, 0f, exp, 0);
        V3.conv2d(lanmsff, alg, x, 0, V3.packConv(lanmsff, wt), null, inOut, 0, Activation.NONE, 0f, inOut, 0);
        assertClose(alg, exp, inOut, 1e-4, "dilated, residual in place");
        // Padding 1 at dilation 2 mixes phases: refused, with the reason.
        ConvShape mixed = new ConvShape(1, 8, 8, 16, 16, 3, 3, 1, 1, 2, 2, 1, 1, 1, 1, 1);
        assertFalse(ConvAlgorithm.dilationPhases(mixed));
        assertTrue(V1.refusal(mixed, alg).contains("divides the map and the padding"), V1.refusal(mixed, alg));
    }

    @ParameterizedTest
    @EnumSource(value = ConvAlgorithm.class, names = {"WINOGRAD", "WINOGRAD4"})
    void offsetsIntoLargerArraysAndAResidualElsewhere(ConvAlgorithm alg) {
        ConvShape s = new ConvShape(2, 9, 7, 19, 35, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1);
        ConvChecks.offsetsIntoLargerArrays(s, alg, V3, this::random);
    }

    @ParameterizedTest
    @EnumSource(value = ConvAlgorithm.class, names = {"WINOGRAD", "WINOGRAD4"})
    void nonFiniteInputsAndWeightsComeOutAsTheReferences(ConvAlgorithm alg) {
        for (int t = 0; t < 12; t++) {
            ConvShape s = new ConvShape(1 + rnd.nextInt(2), 3 + rnd.nextInt(10), 3 + rnd.nextInt(10), 1 + rnd.nextInt(40),
                    1 + rnd.nextInt(40), 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1);
            Activation act = t % 2 == 0 ? Activation.NONE : Activation.RELU;
            ConvChecks.nonFiniteMatchesReference(s, alg, t % 3 == 2, 2, act, this::random, rnd, V1, V3);
        }
    }

    /** A residual held in the output buffer itself is added once, with and without non-finite inputs. */
    @ParameterizedTest
    @EnumSource(value = ConvAlgorithm.class, names = {"WINOGRAD", "WINOGRAD4"})
    void aResidualInTheOutputBufferIsAddedOnce(ConvAlgorithm alg) {
        ConvShape s = new ConvShape(1, 9, 9, 20, 40, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1);
        float[] wt = random((int) s.weightCount()), bias = random(40);
        for (boolean special : new boolean[]{false, true}) {
            float[] x = random((int) s.inputSize()), res = random((int) s.outputSize());
            if (special) x[rnd.nextInt(x.length)] = Float.POSITIVE_INFINITY;
            float[] exp = new float[res.length];
            REF.conv2d(s, x, 0, REF.packConv(s, wt), bias, res, 0, Activation.NONE, 0f, exp, 0);
            for (VectorBackend v : new VectorBackend[]{V1, V3}) {
                float[] inOut = res.clone();
                v.conv2d(s, alg, x, 0, v.packConv(s, wt), bias, inOut, 0, Activation.NONE, 0f, inOut, 0);
                assertClose(alg, exp, inOut, 1e-4, "in place " + (special ? "with Inf " : "") + v.threads() + "t");
            }
        }
    }

    /**
     * The transforms' rounding on layers of the real networks' channel counts: relative to the
     * largest output, the error stays below 1e-5 for F(2x2) and {@link #F4_SLACK} for F(4x4) (the
     * parity tolerance is 1e-4 + 1e-4 |b|).
     */
    @ParameterizedTest
    @EnumSource(value = ConvAlgorithm.class, names = {"WINOGRAD", "WINOGRAD4"})
    void errorOnRealChannelCountsIsSmall(ConvAlgorithm alg) {
        for (int[] d : new int[][]{{28, 64}, {14, 128}, {10, 256}}) {
            ConvShape s = new ConvShape(1, d[0], d[0], d[1], d[1], 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1);
            float[] wt = random((int) s.weightCount()), x = random((int) s.inputSize());
            for (int i = 0; i < wt.length; i++) wt[i] *= (float) Math.sqrt(2.0 / (9 * d[1]));   // He-scaled, as trained layers are
            float[] exp = new float[(int) s.outputSize()], got = new float[exp.length], dir = new float[exp.length];
            REF.conv2d(s, x, 0, REF.packConv(s, wt), null, null, 0, Activation.NONE, 0f, exp, 0);
            PackedWeights pw = V3.packConv(s, wt);
            V3.conv2d(s, alg, x, 0, pw, null, null, 0, Activation.NONE, 0f, got, 0);
            V3.conv2d(s, ConvAlgorithm.DIRECT, x, 0, pw, null, null, 0, Activation.NONE, 0f, dir, 0);
            double max = 0, errW = 0, errD = 0;
            for (int i = 0; i < exp.length; i++) {
                max = Math.max(max, Math.abs(exp[i]));
                errW = Math.max(errW, Math.abs(exp[i] - got[i]));
                errD = Math.max(errD, Math.abs(exp[i] - dir[i]));
            }
            System.out.printf("%s %s: max error %.3g of largest output %.3g (%.3g), direct %.3g%n", alg.label(), s, errW, max, errW / max, errD);
            assertTrue(errW <= (alg == ConvAlgorithm.WINOGRAD4 ? F4_SLACK : 1e-5) * max, s + ": " + alg.label() + " max error " + errW + " vs largest output " + max + " (direct " + errD + ")");
        }
    }

    @Test
    void theWinogradWeightsAreMadeOnceAndSharedByCallers() {
        ConvShape s = new ConvShape(1, 6, 6, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1);
        ConvKernel.Packed pk = (ConvKernel.Packed) V1.packConv(s, random((int) s.weightCount()));
        assertSame(pk.winograd().get(pk, 2), pk.winograd().get(pk, 2));
        assertSame(pk.winograd().get(pk, 4), pk.winograd().get(pk, 4));
        assertNotSame(pk.winograd().get(pk, 2), pk.winograd().get(pk, 4));
        assertEquals(36, pk.winograd().get(pk, 4).elements());
    }

    static void assertClose(float[] exp, float[] got, double tol, String what) { assertClose(exp, got, tol, 0, what); }

    /**
     * F(4x4, 3x3)'s share of the largest output allowed on top of the elementwise tolerance: its
     * rounding grows with the magnitudes it sums (its transforms multiply by up to 5 and 8), not
     * with each output, so an output near zero among large ones can miss the elementwise 1e-4.
     */
    static final double F4_SLACK = 2e-5;

    /** As {@link #assertClose(float[], float[], double, String)}, with {@link #F4_SLACK} of the largest finite output for {@code a} = WINOGRAD4. */
    static void assertClose(ConvAlgorithm a, float[] exp, float[] got, double tol, String what) {
        double max = 0;
        for (float e : exp) if (Float.isFinite(e)) max = Math.max(max, Math.abs(e));
        assertClose(exp, got, tol, a == ConvAlgorithm.WINOGRAD4 ? F4_SLACK * max : 0, what);
    }

    private static void assertClose(float[] exp, float[] got, double tol, double slack, String what) {
        for (int i = 0; i < exp.length; i++) {
            float e = exp[i], g = got[i];
            boolean ok = Float.isNaN(e) ? Float.isNaN(g)
                    : Float.isInfinite(e) ? e == g
                    : Float.isFinite(g) && Math.abs(e - g) <= tol + tol * Math.abs(e) + slack;
            if (!ok) fail(what + ": element " + i + " expected " + e + " got " + g);
        }
    }

    float[] random(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rnd.nextGaussian();
        return a;
    }
}
