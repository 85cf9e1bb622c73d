package dev.mien.formats.keras;

import dev.mien.engine.Model;
import dev.mien.engine.Tensor;
import dev.mien.engine.ir.Graph;

import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Straightforward NHWC reference computations with TensorFlow's semantics, for importer tests. */
final class ImportReference {
    private ImportReference() {}

    /** TF 'same': before = total/2 where total = max((ceil(in/s)-1)*s + (k-1)*d + 1 - in, 0). */
    static int sameBefore(int in, int k, int s, int d) {
        int out = (in + s - 1) / s;
        return Math.max((out - 1) * s + (k - 1) * d + 1 - in, 0) / 2;
    }

    /** Direct convolution; kernel [kh,kw,C/groups,F]; positions outside the input read zero. */
    static Tensor conv(Tensor x, Tensor k, float[] bias, int[] s, int[] d, int top, int left, int oh, int ow, int groups) {
        int n = x.dim(0), h = x.dim(1), w = x.dim(2), c = x.dim(3);
        int kh = k.dim(0), kw = k.dim(1), cg = k.dim(2), f = k.dim(3), fg = f / groups;
        float[] xd = x.data(), kd = k.data(), out = new float[n * oh * ow * f];
        for (int b = 0; b < n; b++)
            for (int y = 0; y < oh; y++)
                for (int xo = 0; xo < ow; xo++)
                    for (int o = 0; o < f; o++) {
                        int g = o / fg;
                        double acc = bias == null ? 0 : bias[o];
                        for (int i = 0; i < kh; i++)
                            for (int j = 0; j < kw; j++) {
                                int iy = y * s[0] + i * d[0] - top, ix = xo * s[1] + j * d[1] - left;
                                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                                for (int ci = 0; ci < cg; ci++)
                                    acc += xd[((b * h + iy) * w + ix) * c + g * cg + ci] * kd[((i * kw + j) * cg + ci) * f + o];
                            }
                        out[((b * oh + y) * ow + xo) * f + o] = (float) acc;
                    }
        return new Tensor(new int[]{n, oh, ow, f}, out);
    }

    /**
     * TF conv2d_transpose as the gradient of a forward conv from an (oh, ow) map: input cell i
     * with kernel tap t lands on output i*s + t - before; kernel [kh,kw,F,C].
     */
    static Tensor convTranspose(Tensor x, Tensor k, float[] bias, int[] s, int oh, int ow, boolean same) {
        int n = x.dim(0), h = x.dim(1), w = x.dim(2), c = x.dim(3);
        int kh = k.dim(0), kw = k.dim(1), f = k.dim(2);
        int top = same ? Math.max((h - 1) * s[0] + kh - oh, 0) / 2 : 0;
        int left = same ? Math.max((w - 1) * s[1] + kw - ow, 0) / 2 : 0;
        float[] xd = x.data(), kd = k.data(), out = new float[n * oh * ow * f];
        for (int b = 0; b < n; b++)
            for (int i = 0; i < h; i++)
                for (int j = 0; j < w; j++)
                    for (int ti = 0; ti < kh; ti++)
                        for (int tj = 0; tj < kw; tj++) {
                            int y = i * s[0] + ti - top, xo = j * s[1] + tj - left;
                            if (y < 0 || y >= oh || xo < 0 || xo >= ow) continue;
                            for (int o = 0; o < f; o++) {
                                double acc = 0;
                                for (int ci = 0; ci < c; ci++)
                                    acc += xd[((b * h + i) * w + j) * c + ci] * kd[((ti * kw + tj) * f + o) * c + ci];
                                out[((b * oh + y) * ow + xo) * f + o] += (float) acc;
                            }
                        }
        if (bias != null) for (int p = 0; p < out.length; p++) out[p] += bias[p % f];
        return new Tensor(new int[]{n, oh, ow, f}, out);
    }

    static Tensor map(Tensor t, java.util.function.DoubleUnaryOperator fn) {
        float[] d = t.data().clone();
        for (int i = 0; i < d.length; i++) d[i] = (float) fn.applyAsDouble(d[i]);
        return new Tensor(t.shape(), d);
    }

    static Tensor random(long seed, int... shape) {
        java.util.Random r = new java.util.Random(seed);
        Tensor t = Tensor.zeros(shape);
        for (int i = 0; i < t.size(); i++) t.data()[i] = r.nextFloat() * 4 - 2;
        return t;
    }

    /** The model on the SIMD backend when it is there, else the scalar reference kernels. */
    static Model model(Graph g) {
        try {
            return Model.of(g);
        } catch (IllegalStateException noVectorBackend) {
            return new Model(g, dev.mien.kernels.KernelRegistry.create("scalar", 1));
        }
    }

    static Map<String, Tensor> run(Graph g, Tensor input) {
        return model(g).run(Map.of(g.inputs().get(0).name(), input));
    }

    /** |a-b| <= 1e-4 + 1e-4*|b| everywhere, same shape. */
    static void assertClose(Tensor expected, Tensor actual, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        float[] e = expected.data(), a = actual.data();
        double worst = 0;
        int at = -1;
        for (int i = 0; i < e.length; i++) {
            double ex = Math.abs(a[i] - e[i]) - (1e-4 + 1e-4 * Math.abs(e[i]));
            if (ex > worst || Double.isNaN(a[i])) { worst = Double.isNaN(a[i]) ? Double.POSITIVE_INFINITY : ex; at = i; }
        }
        final int idx = at;
        assertTrue(at < 0, () -> what + ": mismatch at flat index " + idx + " expected " + e[idx] + " got " + a[idx]
                + " shape " + Arrays.toString(expected.shape()));
    }
}
