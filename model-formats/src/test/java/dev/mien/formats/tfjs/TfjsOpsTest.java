package dev.mien.formats.tfjs;

import dev.mien.engine.Model;
import dev.mien.engine.Tensor;
import dev.mien.engine.ir.Graph;
import dev.mien.engine.ir.Node;
import dev.mien.engine.ir.Op;
import dev.mien.formats.LoadOptions;
import dev.mien.formats.ModelFormat;
import dev.mien.formats.ModelLoader;
import dev.mien.formats.tfjs.TfReference.T;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static dev.mien.formats.tfjs.TfjsTestModel.attrs;
import static dev.mien.formats.tfjs.TfjsTestModel.window;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every TF.js op the importer maps, on generated models, against {@link TfReference}. */
class TfjsOpsTest {
    @TempDir Path dir;

    static float[] rand(int n, long seed) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian();
        return v;
    }

    static T input(int n, int h, int w, int c, long seed) { return new T(rand(n * h * w * c, seed), n, h, w, c); }

    static Map<String, Tensor> run(Path model, String input, T x) throws IOException {
        Graph g = ModelLoader.load(model).graph();
        try (Model m = Model.of(g)) {
            return m.run(Map.of(input, new Tensor(new int[]{x.n(), x.h(), x.w(), x.c()}, x.d())));
        }
    }

    static void assertClose(float[] want, Tensor got, String what) {
        assertEquals(want.length, got.size(), what + ": size");
        for (int i = 0; i < want.length; i++) {
            float a = got.data()[i], b = want[i];
            assertTrue(Math.abs(a - b) <= 1e-4 + 1e-4 * Math.abs(b), what + "[" + i + "]: " + a + " vs reference " + b);
        }
    }

    static void assertClose(T want, Tensor got, String what) {
        assertArrayEquals(new int[]{want.n(), want.h(), want.w(), want.c()}, got.shape(), what + ": shape");
        assertClose(want.d(), got, what);
    }

    /** Conv2D and the fused forms, SAME on odd sizes with stride 2, dilation, depthwise with a multiplier. */
    @Test
    void convolutionsMatchTensorFlowsDefinition() throws IOException {
        T x = input(2, 7, 5, 3, 1);
        float[] f1 = rand(3 * 3 * 3 * 4, 2), f2 = rand(4 * 4, 3), b2 = rand(4, 4), f3 = rand(3 * 3 * 4 * 2, 5), b3 = rand(2, 6);
        float[] alpha = {0.1f, -0.3f}, dw = rand(3 * 3 * 2 * 3, 7), f4 = rand(3 * 3 * 6 * 5, 8), b4 = rand(5, 9);
        Path m = new TfjsTestModel().input("x", -1, 7, 5, 3)
                .constF("f1", new int[]{3, 3, 3, 4}, f1)
                .op("c1", "Conv2D", List.of("x", "f1"), window("SAME", 2, 2))
                .constF("f2", new int[]{1, 1, 4, 4}, f2).constF("b2", new int[]{4}, b2)
                .op("c2", "_FusedConv2D", List.of("c1", "f2", "b2"), window("VALID", 1, 1).strs("fused_ops", "BiasAdd", "Relu6").i("num_args", 1))
                .constF("f3", new int[]{3, 3, 4, 2}, f3).constF("b3", new int[]{2}, b3).constF("alpha", new int[]{2}, alpha)
                .op("c3", "_FusedConv2D", List.of("c2", "f3", "b3", "alpha"), window("SAME", 1, 1).strs("fused_ops", "BiasAdd", "Prelu").i("num_args", 2))
                .constF("dw", new int[]{3, 3, 2, 3}, dw)
                .op("d", "DepthwiseConv2dNative", List.of("c3", "dw"), window("SAME", 2, 2))
                .constF("f4", new int[]{3, 3, 6, 5}, f4).constF("b4", new int[]{5}, b4)
                .op("c4", "_FusedConv2D", List.of("d", "f4", "b4"), window("SAME", 1, 1).ints("dilations", 1, 2, 2, 1)
                        .strs("fused_ops", "BiasAdd", "Relu").i("num_args", 1))
                .op("Identity", "Identity", List.of("c3"), attrs())
                .op("Identity_1", "Identity", List.of("c4"), attrs())
                .outputs("Identity_1:0", "Identity:0")
                .write(dir.resolve("conv"));
        T c1 = TfReference.conv(x, f1, 3, 3, 4, 2, 1, true, null);
        T c2 = TfReference.map(TfReference.conv(c1, f2, 1, 1, 4, 1, 1, false, b2), (v, c) -> TfReference.relu6(v));
        T c3 = TfReference.map(TfReference.conv(c2, f3, 3, 3, 2, 1, 1, true, b3), (v, c) -> v >= 0 ? v : alpha[c] * v);
        T d = TfReference.depthwise(c3, dw, 3, 3, 3, 2, true, null);
        T c4 = TfReference.map(TfReference.conv(d, f4, 3, 3, 5, 1, 2, true, b4), (v, c) -> TfReference.relu(v));
        Map<String, Tensor> out = run(m, "x", x);
        assertEquals(List.of("Identity", "Identity_1"), List.copyOf(ModelLoader.load(m).graph().outputs()), "signature outputs, natural order");
        assertClose(c3, out.get("Identity"), "prelu conv");
        assertClose(c4, out.get("Identity_1"), "depthwise + dilated conv");
    }

    /** The other fused forms: depthwise with BiasAdd + Relu6, EXPLICIT padding, LeakyRelu / Elu / Sigmoid epilogues, MatMul + Prelu. */
    @Test
    void fusedVariants() throws IOException {
        T x = input(1, 6, 5, 2, 101);
        float[] dw = rand(3 * 3 * 2 * 2, 102), db = rand(4, 103), f = rand(2 * 2 * 4 * 3, 104), b = rand(3, 105);
        float[] w = rand(3 * 2, 106), wb = rand(2, 107), pa = {0.5f, -2f};
        Path m = new TfjsTestModel().input("x", 1, 6, 5, 2)
                .constF("dw", new int[]{3, 3, 2, 2}, dw).constF("db", new int[]{4}, db)
                .op("d", "FusedDepthwiseConv2dNative", List.of("x", "dw", "db"), window("SAME", 2, 2).strs("fused_ops", "BiasAdd", "Relu6").i("num_args", 1))
                .constF("f", new int[]{2, 2, 4, 3}, f).constF("b", new int[]{3}, b)
                .op("lk", "_FusedConv2D", List.of("d", "f", "b"), window("EXPLICIT", 1, 1).ints("explicit_paddings", 0, 0, 1, 0, 0, 2, 0, 0)
                        .strs("fused_ops", "BiasAdd", "LeakyRelu").f("leakyrelu_alpha", 0.15f).i("num_args", 1))
                .op("el", "_FusedConv2D", List.of("d", "f", "b"), window("VALID", 1, 1).strs("fused_ops", "BiasAdd", "Elu").i("num_args", 1))
                .op("sg", "_FusedConv2D", List.of("d", "f", "b"), window("VALID", 1, 1).strs("fused_ops", "BiasAdd", "Sigmoid").i("num_args", 1))
                .constI("hw", new int[]{2}, 1, 2)
                .op("gap", "Mean", List.of("el", "hw"), attrs().b("keep_dims", false))
                .constF("w", new int[]{3, 2}, w).constF("wb", new int[]{2}, wb).constF("pa", new int[]{2}, pa)
                .op("fm", "_FusedMatMul", List.of("gap", "w", "wb", "pa"), attrs().strs("fused_ops", "BiasAdd", "Prelu").i("num_args", 2))
                .outputs("lk", "sg", "fm").write(dir.resolve("fused"));
        Map<String, Tensor> out = run(m, "x", x);
        T d = TfReference.map(TfReference.depthwise(x, dw, 3, 3, 2, 2, true, db), (v, c) -> TfReference.relu6(v));
        assertEquals(3, d.h());
        T lk = TfReference.map(TfReference.conv(TfReference.pad(d, 1, 0, 0, 2, 0, 0), f, 2, 2, 3, 1, 1, false, b), (v, c) -> v >= 0 ? v : 0.15f * v);
        assertClose(lk, out.get("lk"), "explicit padding + leaky relu");
        T conv = TfReference.conv(d, f, 2, 2, 3, 1, 1, false, b);
        assertClose(TfReference.map(conv, (v, c) -> TfReference.sigmoid(v)), out.get("sg"), "sigmoid epilogue");
        float[] gap = TfReference.meanHw(TfReference.map(conv, (v, c) -> v > 0 ? v : (float) Math.expm1(v)))[0];
        float[] fm = new float[2];
        for (int j = 0; j < 2; j++) {
            double s = wb[j];
            for (int i = 0; i < 3; i++) s += gap[i] * w[i * 2 + j];
            fm[j] = (float) (s >= 0 ? s : pa[j] * s);
        }
        assertClose(fm, out.get("fm"), "elu, mean, matmul + prelu");
    }

    /** BlazeFace's stem: 5x5 stride 2 SAME on an even size pads 1 before and 2 after. */
    @Test
    void samePaddingPutsTheOddPixelAfter() throws IOException {
        float[] f = rand(5 * 5 * 3 * 2, 11);
        Path m = new TfjsTestModel().input("x", 1, 8, 8, 3).constF("f", new int[]{5, 5, 3, 2}, f)
                .op("c", "Conv2D", List.of("x", "f"), window("SAME", 2, 2)).write(dir.resolve("stem"));
        Graph g = ModelLoader.load(m, LoadOptions.DEFAULT.withOptimize(false)).graph();
        Node conv = g.nodes().stream().filter(n -> n.op() == Op.CONV2D).findFirst().orElseThrow();
        assertArrayEquals(new int[]{1, 1, 2, 2}, conv.attrs().getInts("pads"), "top, left, bottom, right");
        T x = input(1, 8, 8, 3, 12);
        assertClose(TfReference.conv(x, f, 5, 5, 2, 2, 1, true, null), run(m, "x", x).get("c"), "stem");
    }

    /** SAME max pooling never sees the padding (all-negative input), average pooling divides by the valid pixels. */
    @Test
    void samePoolingIgnoresThePadding() throws IOException {
        T x = TfReference.map(input(1, 5, 7, 2, 21), (v, c) -> -1 - Math.abs(v));
        Path m = new TfjsTestModel().input("x", 1, 5, 7, 2)
                .op("mp", "MaxPool", List.of("x"), window("SAME", 2, 2).ints("ksize", 1, 2, 2, 1))
                .op("ap", "AvgPool", List.of("x"), window("SAME", 2, 2).ints("ksize", 1, 3, 3, 1))
                .op("mv", "MaxPool", List.of("x"), window("VALID", 1, 2).ints("ksize", 1, 3, 3, 1))
                .outputs("mp", "ap", "mv").write(dir.resolve("pool"));
        Map<String, Tensor> out = run(m, "x", x);
        T mp = TfReference.pool(x, 2, 2, true, true);
        for (float v : mp.d()) assertTrue(v < 0, "a SAME max pool padded with zeros would give 0 here");
        assertClose(mp, out.get("mp"), "max SAME");
        assertClose(TfReference.pool(x, 3, 2, true, false), out.get("ap"), "avg SAME");
        assertClose(TfReference.pool(x, 3, 1, 2, false, true), out.get("mv"), "max VALID, strides (1,2)");
    }

    /** Pad on the channel axis (BlazeFace's residual), on the spatial axes, and both at once. */
    @Test
    void padsAnyAxisIncludingChannels() throws IOException {
        T x = input(2, 3, 4, 3, 31);
        Path m = new TfjsTestModel().input("x", -1, 3, 4, 3)
                .constI("pc", new int[]{4, 2}, 0, 0, 0, 0, 0, 0, 0, 5)
                .op("chan", "Pad", List.of("x", "pc"), attrs())
                .constI("ps", new int[]{4, 2}, 0, 0, 1, 2, 0, 1, 0, 0)
                .op("spat", "Pad", List.of("x", "ps"), attrs())
                .constI("pb", new int[]{4, 2}, 0, 0, 2, 0, 1, 3, 2, 1)
                .op("both", "Pad", List.of("x", "pb"), attrs())
                .constI("pt", new int[]{4, 2}, 0, 0, 1, 1, 0, 0, 3, 0)
                .op("hc", "Pad", List.of("x", "pt"), attrs())
                .outputs("chan", "spat", "both", "hc").write(dir.resolve("pad"));
        Map<String, Tensor> out = run(m, "x", x);
        assertClose(TfReference.pad(x, 0, 0, 0, 0, 0, 5), out.get("chan"), "channels");
        assertClose(TfReference.pad(x, 1, 2, 0, 1, 0, 0), out.get("spat"), "spatial");
        assertClose(TfReference.pad(x, 2, 0, 1, 3, 2, 1), out.get("both"), "all axes");
        assertClose(TfReference.pad(x, 1, 1, 0, 0, 3, 0), out.get("hc"), "height and channels");
    }

    /** Element-wise ops with constants broadcast NumPy-style, and the activations. */
    @Test
    void elementwiseOpsAndActivations() throws IOException {
        T x = input(2, 3, 3, 4, 41), y = input(2, 3, 3, 4, 42);
        float[] bias = rand(4, 43), scale = {1.5f}, alpha = {0.25f, -0.5f, 2f, 0f};
        Path m = new TfjsTestModel().input("x", -1, 3, 3, 4).input("y", -1, 3, 3, 4)
                .constF("bias", new int[]{4}, bias).constF("scale", new int[]{1}, scale).constF("alpha", new int[]{4}, alpha)
                .op("add", "AddV2", List.of("x", "y"), attrs())
                .op("ba", "BiasAdd", List.of("add", "bias"), attrs())
                .op("mul", "Mul", List.of("scale", "ba"), attrs())
                .op("sub", "Sub", List.of("mul", "y"), attrs())
                .op("mx", "Maximum", List.of("sub", "x"), attrs())
                .op("r6", "Relu6", List.of("mx"), attrs())
                .op("sg", "Sigmoid", List.of("sub"), attrs())
                .op("th", "Tanh", List.of("sub"), attrs())
                .op("lr", "LeakyRelu", List.of("sub"), attrs().f("alpha", 0.1f))
                .op("pr", "Prelu", List.of("sub", "alpha"), attrs())
                .op("rl", "Relu", List.of("sub"), attrs())
                .op("dv", "RealDiv", List.of("sg", "scale"), attrs())
                .op("mn", "Minimum", List.of("dv", "th"), attrs())
                .op("an", "AddN", List.of("rl", "pr", "lr"), attrs())
                .outputs("r6", "mn", "an").write(dir.resolve("ew"));
        Graph g = ModelLoader.load(m).graph();
        Map<String, Tensor> out;
        try (Model model = Model.of(g)) {
            out = model.run(Map.of("x", new Tensor(new int[]{2, 3, 3, 4}, x.d()), "y", new Tensor(new int[]{2, 3, 3, 4}, y.d())));
        }
        int n = x.d().length;
        float[] r6 = new float[n], mn = new float[n], an = new float[n];
        for (int i = 0; i < n; i++) {
            int c = i % 4;
            float sub = scale[0] * (x.d()[i] + y.d()[i] + bias[c]) - y.d()[i];
            r6[i] = TfReference.relu6(Math.max(sub, x.d()[i]));
            mn[i] = Math.min(TfReference.sigmoid(sub) / scale[0], (float) Math.tanh(sub));
            an[i] = TfReference.relu(sub) + (sub >= 0 ? sub : alpha[c] * sub) + (sub >= 0 ? sub : 0.1f * sub);
        }
        assertClose(r6, out.get("r6"), "relu6(max(...))");
        assertClose(mn, out.get("mn"), "min(sigmoid/scale, tanh)");
        assertClose(an, out.get("an"), "relu + prelu + leaky");
    }

    /** Mean (global and over channels), MatMul / _FusedMatMul, Softmax, Reshape, Squeeze, ConcatV2. */
    @Test
    void headsReductionsAndShapes() throws IOException {
        T x = input(3, 4, 5, 6, 51);
        float[] w = rand(6 * 3, 52), wt = rand(3 * 4, 53), b = rand(4, 54);
        Path m = new TfjsTestModel().input("x", -1, 4, 5, 6)
                .constI("hw", new int[]{2}, 1, 2).constI("ch", new int[]{1}, -1)
                .op("gap", "Mean", List.of("x", "hw"), attrs().b("keep_dims", false))
                .op("gapk", "Mean", List.of("x", "hw"), attrs().b("keep_dims", true))
                .op("cm", "Mean", List.of("x", "ch"), attrs().b("keep_dims", true))
                .constF("w", new int[]{6, 3}, w)
                .op("mm", "MatMul", List.of("gap", "w"), attrs().b("transpose_a", false).b("transpose_b", false))
                .constF("wt", new int[]{4, 3}, wt).constF("b", new int[]{4}, b)
                .op("fm", "_FusedMatMul", List.of("mm", "wt", "b"), attrs().b("transpose_b", true).strs("fused_ops", "BiasAdd", "Relu").i("num_args", 1))
                .op("sm", "Softmax", List.of("fm"), attrs())
                .constI("s1", new int[]{2}, -1, 6)
                .op("flat", "Reshape", List.of("gapk", "s1"), attrs())
                .op("sq", "Squeeze", List.of("cm"), attrs().ints("squeeze_dims", 3))
                .constI("s2", new int[]{2}, -1, 20)
                .op("flat2", "Reshape", List.of("sq", "s2"), attrs())
                .constI("ax", new int[]{}, -1)
                .op("cat", "ConcatV2", List.of("flat", "flat2", "ax"), attrs().i("N", 2))
                .outputs("sm", "cat").write(dir.resolve("heads"));
        Map<String, Tensor> out = run(m, "x", x);
        float[][] gap = TfReference.meanHw(x);
        float[] sm = new float[3 * 4], cat = new float[3 * 26];
        for (int n = 0; n < 3; n++) {
            float[] mm = new float[3];
            for (int j = 0; j < 3; j++) { double s = 0; for (int i = 0; i < 6; i++) s += gap[n][i] * w[i * 3 + j]; mm[j] = (float) s; }
            float[] fm = new float[4];
            for (int j = 0; j < 4; j++) { double s = b[j]; for (int i = 0; i < 3; i++) s += mm[i] * wt[j * 3 + i]; fm[j] = TfReference.relu((float) s); }
            System.arraycopy(TfReference.softmax(fm), 0, sm, n * 4, 4);
            System.arraycopy(gap[n], 0, cat, n * 26, 6);
            for (int p = 0; p < 20; p++) {
                double s = 0;
                for (int c = 0; c < 6; c++) s += x.d()[(n * 20 + p) * 6 + c];
                cat[n * 26 + 6 + p] = (float) (s / 6);
            }
        }
        assertArrayEquals(new int[]{3, 4}, out.get("sm").shape());
        assertClose(sm, out.get("sm"), "dense head");
        assertArrayEquals(new int[]{3, 26}, out.get("cat").shape());
        assertClose(cat, out.get("cat"), "reshape/squeeze/concat");
    }

    /** Quantised uint8 / uint16 / float16 weights over three shards, dequantised as q * scale + min. */
    @Test
    void quantisedWeightsAreDequantised() throws IOException {
        int[] q8 = new int[3 * 3 * 2 * 3], q16 = {0, 1, 65535};
        Random r = new Random(61);
        for (int i = 0; i < q8.length; i++) q8[i] = r.nextInt(256);
        TfjsTestModel t = new TfjsTestModel().input("x", 1, 6, 6, 2)
                .constQuantised("f", new int[]{3, 3, 2, 3}, "uint8", q8, 0.0123, -1.4)
                .constQuantised("b", new int[]{3}, "uint16", q16, 3.0e-5, -0.7)
                .constHalf("s", new int[]{3}, new float[]{0.5f, -1.25f, 3.0f})
                .op("c", "_FusedConv2D", List.of("x", "f", "b"), window("SAME", 1, 1).strs("fused_ops", "BiasAdd").i("num_args", 1))
                .op("m", "Mul", List.of("c", "s"), attrs())
                .outputs("m").shards(3);
        Path m = t.write(dir.resolve("quant"));
        float[] f = t.value("f"), b = t.value("b"), s = t.value("s");
        assertEquals((float) (q8[5] * 0.0123 - 1.4), f[5]);
        assertEquals((float) (65535 * 3.0e-5 - 0.7), b[2]);
        T x = input(1, 6, 6, 2, 62);
        T want = TfReference.map(TfReference.conv(x, f, 3, 3, 3, 1, 1, true, b), (v, c) -> v * s[c]);
        assertClose(want, run(m, "x", x).get("m"), "quantised conv");
    }

    /** The manifest's order, not the nodes', lays out the shard; nodes are sorted topologically. */
    @Test
    void manifestOrderAndNodeOrderAreNotTrusted() throws IOException {
        float[] f1 = rand(3 * 3 * 2 * 4, 71), b1 = rand(4, 72), f2 = rand(4 * 3, 73);
        java.util.function.Supplier<TfjsTestModel> model = () -> new TfjsTestModel().input("x", 1, 5, 5, 2)
                .constF("f1", new int[]{3, 3, 2, 4}, f1).constF("b1", new int[]{4}, b1).constF("f2", new int[]{1, 1, 4, 3}, f2)
                .op("c1", "_FusedConv2D", List.of("x", "f1", "b1"), window("SAME", 2, 2).strs("fused_ops", "BiasAdd", "Relu").i("num_args", 1))
                .op("c2", "Conv2D", List.of("c1", "f2"), window("VALID", 1, 1))
                .op("Identity", "Identity", List.of("c2"), attrs()).outputs("Identity:0");
        T x = input(1, 5, 5, 2, 74);
        T want = TfReference.conv(TfReference.map(TfReference.conv(x, f1, 3, 3, 4, 2, 1, true, b1), (v, c) -> TfReference.relu(v)),
                f2, 1, 1, 3, 1, 1, false, null);
        assertClose(want, run(model.get().write(dir.resolve("plain")), "x", x).get("Identity"), "file order");
        assertClose(want, run(model.get().reverseManifest().reverseNodes().write(dir.resolve("shuffled")), "x", x).get("Identity"), "reversed");
    }

    /** A class-path resource directory (model.json + shards as resources) loads like a folder. */
    @Test
    void aResourceDirectoryLoads() throws IOException {
        float[] f = rand(2 * 2 * 1 * 2, 91);
        Path root = dir.resolve("cp");
        new TfjsTestModel().input("x", 1, 4, 4, 1).constF("f", new int[]{2, 2, 1, 2}, f)
                .op("c", "Conv2D", List.of("x", "f"), window("SAME", 1, 1)).shards(2).write(root.resolve("models/tiny"));
        T x = input(1, 4, 4, 1, 92);
        try (java.net.URLClassLoader cp = new java.net.URLClassLoader(new java.net.URL[]{root.toUri().toURL()}, null)) {
            ModelLoader.Loaded l = ModelLoader.load(dev.mien.engine.io.ModelSource.resourceDirectory(cp, "models/tiny"));
            assertEquals(ModelFormat.TFJS_GRAPH, l.format());
            try (Model m = Model.of(l.graph())) {
                assertClose(TfReference.conv(x, f, 2, 2, 2, 1, 1, true, null),
                        m.run(Map.of("x", new Tensor(new int[]{1, 4, 4, 1}, x.d()))).get("c"), "resource directory");
            }
        }
    }

    /** A manifest file is also a model (its shards beside it), recognised by content under any name. */
    @Test
    void aManifestFileLoadsWithItsShardsBesideIt() throws IOException {
        float[] f = rand(2 * 2 * 1 * 2, 81);
        Path m = new TfjsTestModel().input("x", 1, 4, 4, 1).constF("f", new int[]{2, 2, 1, 2}, f)
                .op("c", "Conv2D", List.of("x", "f"), window("VALID", 2, 2)).write(dir.resolve("file"));
        Path renamed = java.nio.file.Files.move(m.resolve("model.json"), m.resolve("detector.json"));
        assertEquals(ModelFormat.TFJS_GRAPH, ModelFormat.detect(renamed));
        T x = input(1, 4, 4, 1, 82);
        assertClose(TfReference.conv(x, f, 2, 2, 2, 2, 1, false, null), run(renamed, "x", x).get("c"), "manifest file");
        ModelLoader.Loaded loaded = ModelLoader.load(renamed);
        assertEquals(ModelFormat.TFJS_GRAPH, loaded.format());
        assertEquals("tfjs_graph", loaded.graph().card().extra().get("source_format"));
    }
}
