package dev.mien.formats.onnx;

import dev.mien.engine.Model;
import dev.mien.engine.Tensor;
import dev.mien.engine.io.ReadLimits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Map;
import java.util.Random;

import static dev.mien.formats.onnx.OnnxBuilder.f;
import static dev.mien.formats.onnx.OnnxBuilder.i;
import static dev.mien.formats.onnx.OnnxBuilder.ints;
import static dev.mien.formats.onnx.OnnxBuilder.s;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Generated ONNX files through the importer, op by op: Conv and pools against plain NCHW reference
 * loops (strides, dilations, groups, explicit and SAME_UPPER / SAME_LOWER / VALID pads, ceil_mode,
 * count_include_pad), and the ONNX-only forms (negative axes, Split, Expand, Unsqueeze /
 * Squeeze, ConstantOfShape, shape arithmetic, Gemm's alpha / beta / transB, BatchNormalization,
 * Clip, Resize by scales) against equivalent formulations or direct arithmetic.
 */
class OnnxImportOpsTest {
    static final Random R = new Random(9);

    static Map<String, Tensor> run(byte[] onnx, Map<String, Tensor> in) throws Exception {
        try (Model m = Model.of(OnnxImporter.importModel(OnnxReader.read(onnx, "test.onnx", ReadLimits.current(), null)))) {
            return m.run(in);
        }
    }

    static Tensor rnd(int... shape) {
        float[] d = new float[(int) Tensor.sizeOf(shape)];
        for (int k = 0; k < d.length; k++) d[k] = (float) R.nextGaussian();
        return new Tensor(shape, d);
    }

    /** out[n][m][y][x] = b[m] + sum over the group's channels and the window (NCHW, zeros outside). */
    static Tensor refConv(Tensor x, Tensor w, float[] b, int[] pads, int[] s, int[] d, int g) {
        int n = x.dim(0), c = x.dim(1), h = x.dim(2), wd = x.dim(3), m = w.dim(0), cg = w.dim(1), kh = w.dim(2), kw = w.dim(3);
        int oh = (h + pads[0] + pads[2] - ((kh - 1) * d[0] + 1)) / s[0] + 1, ow = (wd + pads[1] + pads[3] - ((kw - 1) * d[1] + 1)) / s[1] + 1;
        float[] o = new float[n * m * oh * ow];
        float[] xv = x.data(), wv = w.data();
        for (int in = 0; in < n; in++)
            for (int om = 0; om < m; om++) {
                int grp = om / (m / g);
                for (int y = 0; y < oh; y++)
                    for (int xx = 0; xx < ow; xx++) {
                        double acc = b == null ? 0 : b[om];
                        for (int ci = 0; ci < cg; ci++)
                            for (int ky = 0; ky < kh; ky++)
                                for (int kx = 0; kx < kw; kx++) {
                                    int iy = y * s[0] - pads[0] + ky * d[0], ix = xx * s[1] - pads[1] + kx * d[1];
                                    if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                                    acc += xv[((in * c + grp * cg + ci) * h + iy) * wd + ix] * wv[((om * cg + ci) * kh + ky) * kw + kx];
                                }
                        o[((in * m + om) * oh + y) * ow + xx] = (float) acc;
                    }
            }
        return new Tensor(new int[]{n, m, oh, ow}, o);
    }

    @ParameterizedTest
    @CsvSource({
            // h, w, k, stride, dilation, groups, auto_pad, explicit pads t l b r
            "7, 8, 3, 2, 1, 1, SAME_UPPER, 1 0 1 1",
            "7, 8, 3, 2, 1, 1, SAME_LOWER, 1 1 1 0",
            "9, 6, 3, 1, 2, 2, SAME_UPPER, 2 2 2 2",
            "9, 6, 3, 2, 1, 4, VALID, 0 0 0 0",
            "6, 6, 5, 3, 1, 1, NOTSET, 2 1 0 2",
            "5, 7, 1, 1, 1, 1, NOTSET, 0 0 0 0",
    })
    void convMatchesTheReference(int h, int w, int k, int s, int d, int g, String autoPad, String padText) throws Exception {
        int c = 4, m = 8;
        String[] p = padText.split(" ");
        int[] pads = {Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2]), Integer.parseInt(p[3])};
        Tensor wt = rnd(m, c / g, k, k);
        float[] b = rnd(m).data();
        OnnxBuilder ob = new OnnxBuilder().input("x", -1, c, h, w).output("y").init("W", wt.shape(), wt.data()).init("B", new int[]{m}, b);
        List<ProtoWriter> attrs = new java.util.ArrayList<>(List.of(ints("strides", s, s), ints("dilations", d, d), i("group", g), ints("kernel_shape", k, k)));
        attrs.add(autoPad.equals("NOTSET") ? ints("pads", pads[0], pads[1], pads[2], pads[3]) : s("auto_pad", autoPad));
        ob.node("Conv", List.of("x", "W", "B"), List.of("y"), attrs.toArray(ProtoWriter[]::new));
        for (int batch : new int[]{1, 2}) {
            Tensor x = rnd(batch, c, h, w);
            Tensor want = refConv(x, wt, b, pads, new int[]{s, s}, new int[]{d, d}, g);
            OnnxTestSupport.assertClose(want, run(ob.bytes(), Map.of("x", x)).get("y"), "conv " + autoPad + " batch " + batch);
        }
    }

    /** NCHW pooling as ONNX defines it (max ignores pads; average divides by the window inside the input unless count_include_pad). */
    static Tensor refPool(Tensor x, boolean max, int k, int s, int[] pads, boolean ceil, boolean includePad) {
        int n = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3);
        int[] o = new int[2];
        int[] in = {h, w};
        for (int a = 0; a < 2; a++) {
            double span = (in[a] + pads[a] + pads[a + 2] - k) / (double) s;
            o[a] = (int) (ceil ? Math.ceil(span) : Math.floor(span)) + 1;
            if (ceil && (o[a] - 1) * s >= in[a] + pads[a]) o[a]--;
        }
        float[] out = new float[n * c * o[0] * o[1]];
        for (int p = 0; p < n * c; p++)
            for (int y = 0; y < o[0]; y++)
                for (int xx = 0; xx < o[1]; xx++) {
                    double acc = max ? Double.NEGATIVE_INFINITY : 0;
                    int count = 0;
                    for (int ky = 0; ky < k; ky++)
                        for (int kx = 0; kx < k; kx++) {
                            int iy = y * s - pads[0] + ky, ix = xx * s - pads[1] + kx;
                            boolean inside = iy >= 0 && iy < h && ix >= 0 && ix < w;
                            if (includePad && iy < h + pads[2] && ix < w + pads[3]) count++;
                            if (!inside) continue;
                            float v = x.data()[(p * h + iy) * w + ix];
                            if (max) acc = Math.max(acc, v); else acc += v;
                            if (!includePad) count++;
                        }
                    out[(p * o[0] + y) * o[1] + xx] = (float) (max ? acc : acc / count);
                }
        return new Tensor(new int[]{n, c, o[0], o[1]}, out);
    }

    @ParameterizedTest
    @CsvSource({
            "MaxPool, 3, 2, 1 1 1 1, 0, 0",
            "MaxPool, 3, 2, 0 0 0 0, 1, 0",
            "MaxPool, 2, 2, 0 0 1 1, 0, 0",
            "AveragePool, 3, 2, 1 1 1 1, 0, 0",
            "AveragePool, 3, 2, 1 1 1 1, 0, 1",
            "AveragePool, 3, 1, 1 0 1 2, 0, 1",
            "AveragePool, 2, 2, 0 0 0 0, 0, 0",
    })
    void poolsMatchTheReference(String op, int k, int s, String padText, int ceil, int includePad) throws Exception {
        String[] p = padText.split(" ");
        int[] pads = {Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2]), Integer.parseInt(p[3])};
        OnnxBuilder ob = new OnnxBuilder().input("x", 1, 3, 9, 8).output("y");
        List<ProtoWriter> a = new java.util.ArrayList<>(List.of(ints("kernel_shape", k, k), ints("strides", s, s), ints("pads", pads[0], pads[1], pads[2], pads[3]),
                i("ceil_mode", ceil)));
        if (op.equals("AveragePool")) a.add(i("count_include_pad", includePad));
        ob.node(op, List.of("x"), List.of("y"), a.toArray(ProtoWriter[]::new));
        Tensor x = rnd(1, 3, 9, 8);
        OnnxTestSupport.assertClose(refPool(x, op.equals("MaxPool"), k, s, pads, ceil == 1, includePad == 1), run(ob.bytes(), Map.of("x", x)).get("y"), op);
    }

    @Test
    void negativeAxesMeanTheSameAsPositive() throws Exception {
        Tensor x = rnd(1, 6, 5, 4);
        byte[][] files = new byte[2][];
        for (int v = 0; v < 2; v++) {
            boolean neg = v == 1;
            OnnxBuilder b = new OnnxBuilder().input("x", -1, 6, 5, 4).output("y").output("z")
                    .initLongs("split", 2, 4).initLongs("starts", neg ? -4 : 1).initLongs("ends", neg ? -1 : 4).initLongs("axes", neg ? -2 : 2)
                    .initLongs("uaxes", neg ? -1 : 3);
            b.node("Split", List.of("x", "split"), List.of("a", "b2"), i("axis", neg ? -3 : 1));
            b.node("Concat", List.of("b2", "a"), List.of("c"), i("axis", neg ? -3 : 1));
            b.node("Slice", List.of("c", "starts", "ends", "axes"), List.of("d"));
            b.node("ReduceMean", List.of("d"), List.of("e"), ints("axes", neg ? -1 : 3), i("keepdims", 0));
            b.node("Unsqueeze", List.of("e", "uaxes"), List.of("f"));
            b.node("Softmax", List.of("f"), List.of("y"), i("axis", neg ? -3 : 1));
            b.node("ReduceMax", List.of("c"), List.of("z"), ints("axes", neg ? -2 : 2, neg ? -1 : 3), i("keepdims", 1));
            files[v] = b.bytes();
        }
        Map<String, Tensor> a = run(files[0], Map.of("x", x)), b = run(files[1], Map.of("x", x));
        assertArrayEquals(new int[]{1, 6, 3, 1}, a.get("y").shape());
        OnnxTestSupport.assertClose(a.get("y"), b.get("y"), "y");
        OnnxTestSupport.assertClose(a.get("z"), b.get("z"), "z");
        // and the values themselves: z = max over H, W of the concatenation [x[:,2:6], x[:,0:2]]
        float[] xv = x.data();
        for (int ch = 0; ch < 6; ch++) {
            int src = ch < 4 ? ch + 2 : ch - 4;
            float m = Float.NEGATIVE_INFINITY;
            for (int k = 0; k < 20; k++) m = Math.max(m, xv[src * 20 + k]);
            assertEquals(m, a.get("z").data()[ch], 0f, "channel " + ch);
        }
    }

    @Test
    void shapeArithmeticExpandAndBroadcastingFoldAtImport() throws Exception {
        // CBAM-like: s = sigmoid(mean over H, W) [N, C], unsqueezed twice, expanded to Shape(x), times x; plus a [C,1,1] bias.
        Tensor bias = rnd(5, 1, 1);
        OnnxBuilder b = new OnnxBuilder().input("x", -1, 5, 4, 3).output("y").output("r").initLongs("a2", 2).initLongs("a3", 3)
                .init("bias", bias.shape(), bias.data()).initLongs("idx", 0).initLongs("minus1", -1);
        b.node("GlobalAveragePool", "x", "g");
        b.node("Flatten", List.of("g"), List.of("gf"), i("axis", 1));
        b.node("Sigmoid", "gf", "sg");
        b.node("Unsqueeze", List.of("sg", "a2"), List.of("u1"));
        b.node("Unsqueeze", List.of("u1", "a3"), List.of("u2"));
        b.node("Shape", "x", "shape");
        b.node("Expand", List.of("u2", "shape"), List.of("e"));
        b.node("Mul", List.of("x", "e"), List.of("m"));
        b.node("Add", List.of("m", "bias"), List.of("y"));
        // Reshape to [N, -1] through Shape -> Gather -> Concat, the PyTorch way.
        b.node("Gather", List.of("shape", "idx"), List.of("n"), i("axis", 0));
        b.node("Concat", List.of("n", "minus1"), List.of("target"), i("axis", 0));
        b.node("Reshape", List.of("y", "target"), List.of("r"));
        for (int batch : new int[]{1, 3}) {
            Tensor x = rnd(batch, 5, 4, 3);
            Map<String, Tensor> out = run(b.bytes(), Map.of("x", x));
            float[] xv = x.data(), y = out.get("y").data();
            for (int n = 0; n < batch; n++)
                for (int c = 0; c < 5; c++) {
                    double mean = 0;
                    for (int k = 0; k < 12; k++) mean += xv[(n * 5 + c) * 12 + k];
                    double sg = 1 / (1 + Math.exp(-mean / 12));
                    for (int k = 0; k < 12; k++) {
                        float want = (float) (xv[(n * 5 + c) * 12 + k] * sg + bias.data()[c]);
                        assertEquals(want, y[(n * 5 + c) * 12 + k], 1e-5f + 1e-5f * Math.abs(want));
                    }
                }
            assertArrayEquals(new int[]{batch, 60}, out.get("r").shape());
            assertArrayEquals(out.get("y").data(), out.get("r").data(), 0f, "reshape keeps NCHW order");
        }
    }

    @Test
    void constantOfShapeChannelPaddingAndClip() throws Exception {
        // BlazeFace pads channels with zeros from ConstantOfShape, then Concat on the channel axis.
        OnnxBuilder b = new OnnxBuilder().input("x", 1, 8, 8, 3).output("y").initLongs("zshape", 1, 2, 8, 8).init("lo", new int[0], new float[]{-0.5f})
                .init("hi", new int[0], new float[]{0.25f});
        b.node("Transpose", List.of("x"), List.of("t"), ints("perm", 0, 3, 1, 2));
        b.node("ConstantOfShape", "zshape", "z");
        b.node("Concat", List.of("t", "z"), List.of("c"), i("axis", 1));
        b.node("Clip", List.of("c", "lo", "hi"), List.of("cl"));
        b.node("Transpose", List.of("cl"), List.of("y"), ints("perm", 0, 2, 3, 1));
        Tensor x = rnd(1, 8, 8, 3);
        Tensor y = run(b.bytes(), Map.of("x", x)).get("y");
        assertArrayEquals(new int[]{1, 8, 8, 5}, y.shape());
        for (int p = 0; p < 64; p++) {
            for (int c = 0; c < 3; c++) assertEquals(Math.min(Math.max(x.data()[p * 3 + c], -0.5f), 0.25f), y.data()[p * 5 + c], 0f);
            assertEquals(0f, y.data()[p * 5 + 3], 0f);
            assertEquals(0f, y.data()[p * 5 + 4], 0f);
        }
    }

    @Test
    void gemmAlphaBetaTransBAndBatchNormAndMatMul() throws Exception {
        Tensor w = rnd(3, 4), c = rnd(3), m2 = rnd(3, 2);
        float[] gamma = {1.5f, -0.5f, 2f}, beta = {0.1f, 0.2f, 0.3f}, mean = {0.5f, -1f, 0f}, var = {1f, 4f, 0.25f};
        OnnxBuilder b = new OnnxBuilder().input("x", -1, 4).output("y").init("W", w.shape(), w.data()).init("C", c.shape(), c.data())
                .init("g", new int[]{3}, gamma).init("be", new int[]{3}, beta).init("mu", new int[]{3}, mean).init("v", new int[]{3}, var)
                .init("M", m2.shape(), m2.data());
        b.node("Gemm", List.of("x", "W", "C"), List.of("h"), f("alpha", 0.5f), f("beta", 2f), i("transB", 1));
        b.node("BatchNormalization", List.of("h", "g", "be", "mu", "v"), List.of("bn"), f("epsilon", 1e-3f));
        b.node("MatMul", List.of("bn", "M"), List.of("y"));
        Tensor x = rnd(2, 4);
        Tensor y = run(b.bytes(), Map.of("x", x)).get("y");
        for (int n = 0; n < 2; n++) {
            double[] bn = new double[3];
            for (int o = 0; o < 3; o++) {
                double acc = 2 * c.data()[o];
                for (int k = 0; k < 4; k++) acc += 0.5 * x.data()[n * 4 + k] * w.data()[o * 4 + k];
                bn[o] = (acc - mean[o]) / Math.sqrt(var[o] + 1e-3) * gamma[o] + beta[o];
            }
            for (int j = 0; j < 2; j++) {
                double want = 0;
                for (int o = 0; o < 3; o++) want += bn[o] * m2.data()[o * 2 + j];
                assertEquals(want, y.data()[n * 2 + j], 1e-4 + 1e-4 * Math.abs(want));
            }
        }
    }

    @Test
    void resizeByScalesMatchesResizeBySizes() throws Exception {
        Tensor x = rnd(1, 2, 3, 4);
        byte[][] files = new byte[2][];
        for (int v = 0; v < 2; v++) {
            OnnxBuilder b = new OnnxBuilder().input("x", 1, 2, 3, 4).output("y").init("scales", new int[]{4}, new float[]{1, 1, 2, 2}).initLongs("sizes", 1, 2, 6, 8);
            b.node("Resize", v == 0 ? List.of("x", "", "scales") : List.of("x", "", "", "sizes"), List.of("y"), s("mode", "nearest"),
                    s("coordinate_transformation_mode", "asymmetric"), s("nearest_mode", "floor"));
            files[v] = b.bytes();
        }
        Tensor a = run(files[0], Map.of("x", x)).get("y"), b = run(files[1], Map.of("x", x)).get("y");
        assertArrayEquals(a.data(), b.data(), 0f);
        for (int y = 0; y < 6; y++) for (int xx = 0; xx < 8; xx++) assertEquals(x.data()[(y / 2) * 4 + xx / 2], a.data()[y * 8 + xx], 0f);
    }

    @Test
    void dotProductAttentionIsRecognised() throws Exception {
        // softmax(q k^T * s) v with q = k = v = x [N, d], as Keras' Attention exports.
        OnnxBuilder b = new OnnxBuilder().input("x", 1, 6).output("y").init("s", new int[0], new float[]{0.5f});
        b.node("Transpose", List.of("x"), List.of("kt"), ints("perm", 1, 0));
        b.node("MatMul", List.of("x", "kt"), List.of("sc"));
        b.node("Mul", List.of("sc", "s"), List.of("ss"));
        b.node("Softmax", List.of("ss"), List.of("w"), i("axis", -1));
        b.node("MatMul", List.of("w", "x"), List.of("y"));
        Tensor x = rnd(1, 6);
        assertArrayEquals(x.data(), run(b.bytes(), Map.of("x", x)).get("y").data(), 1e-6f, "one image: softmax of one score is 1");
    }
}
