package dev.mien.formats.keras;

import dev.mien.engine.Tensor;
import dev.mien.engine.ir.Graph;
import dev.mien.engine.ir.Node;
import dev.mien.engine.ir.Op;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.mien.formats.keras.ImportReference.*;
import static dev.mien.formats.keras.ImportTestModel.cfg;
import static org.junit.jupiter.api.Assertions.*;

/** Convolution-family layers, checked numerically against direct TF-semantics references. */
class ImportConvTest {

    private static Node node(Graph g, String name) {
        return g.nodes().stream().filter(n -> n.name().equals(name)).findFirst().orElseThrow(() -> new AssertionError("no node " + name));
    }

    @Test
    void conv2dSamePaddingIsAsymmetricOnEvenInputsWithStride2() {
        ImportTestModel m = new ImportTestModel(false);
        String x = m.input("in", 6, 6, 2);
        m.layer("Conv2D", "conv", cfg("filters", 3, "kernel_size", new int[]{3, 3}, "strides", new int[]{2, 2},
                "padding", "same", "activation", "linear", "use_bias", true), x);
        m.output("conv").weights("conv", new int[]{3, 3, 2, 3}, new int[]{3});
        Graph g = KerasImporter.importModel(m.file());
        Node n = node(g, "conv");
        assertEquals(Op.CONV2D, n.op());
        int top = sameBefore(6, 3, 2, 1);
        int total = (3 - 1) * 2 + 3 - 6;
        assertArrayEquals(new int[]{top, top, total - top, total - top}, n.attrs().getInts("pads"));
        Tensor in = random(1, 2, 6, 6, 2);
        Tensor want = conv(in, m.w("conv", 0), m.w("conv", 1).data(), new int[]{2, 2}, new int[]{1, 1}, top, top, 3, 3, 1);
        assertClose(want, run(g, in).get("conv"), "conv same s2");
    }

    @Test
    void conv2dValidDilatedGroupedWithActivation() {
        ImportTestModel m = new ImportTestModel(true);
        String x = m.input("in", 7, 8, 4);
        m.layer("Conv2D", "conv", cfg("filters", 6, "kernel_size", new int[]{3, 2}, "strides", new int[]{1, 2},
                "dilation_rate", new int[]{2, 1}, "groups", 2, "padding", "valid", "activation", "relu", "use_bias", true), x);
        m.output("conv").weights("conv", new int[]{3, 2, 2, 6}, new int[]{6});
        Graph g = KerasImporter.importModel(m.file());
        assertEquals("relu", node(g, "conv").attrs().getString("activation"));
        Tensor in = random(2, 1, 7, 8, 4);
        int oh = (7 - 5) + 1, ow = (8 - 2) / 2 + 1;
        Tensor want = map(conv(in, m.w("conv", 0), m.w("conv", 1).data(), new int[]{1, 2}, new int[]{2, 1}, 0, 0, oh, ow, 2),
                v -> Math.max(v, 0));
        assertClose(want, run(g, in).get("conv"), "grouped dilated conv");
    }

    @Test
    void conv2dSameWithDilationOnOddSize() {
        ImportTestModel m = new ImportTestModel(false);
        String x = m.input("in", 5, 5, 1);
        m.layer("Conv2D", "conv", cfg("filters", 2, "kernel_size", 3, "padding", "same", "dilation_rate", 2, "use_bias", false), x);
        m.output("conv").weights("conv", new int[]{3, 3, 1, 2});
        Graph g = KerasImporter.importModel(m.file());
        Tensor in = random(3, 1, 5, 5, 1);
        int top = sameBefore(5, 3, 1, 2);
        assertClose(conv(in, m.w("conv", 0), null, new int[]{1, 1}, new int[]{2, 2}, top, top, 5, 5, 1), run(g, in).get("conv"), "dilated same");
    }

    private static void checkTranspose(int in, int k, int s, String padding, int[] outputPadding, int expectOut) {
        ImportTestModel m = new ImportTestModel(true);
        String x = m.input("in", in, in, 3);
        var c = cfg("filters", 2, "kernel_size", new int[]{k, k}, "strides", new int[]{s, s}, "padding", padding,
                "activation", "sigmoid", "use_bias", true);
        if (outputPadding != null) c.set("output_padding", ImportTestModel.json(outputPadding));
        m.layer("Conv2DTranspose", "deconv", c, x);
        m.output("deconv").weights("deconv", new int[]{k, k, 2, 3}, new int[]{2});
        Graph g = KerasImporter.importModel(m.file());
        Tensor input = random(4, 2, in, in, 3);
        Tensor got = run(g, input).get("deconv");
        assertEquals(expectOut, got.dim(1), "output size for in=" + in + " k=" + k + " s=" + s + " " + padding);
        Tensor want = map(convTranspose(input, m.w("deconv", 0), m.w("deconv", 1).data(), new int[]{s, s}, expectOut, expectOut,
                padding.equals("same")), v -> 1 / (1 + Math.exp(-v)));
        assertClose(want, got, "deconv " + padding + " k" + k + " s" + s);
    }

    @Test
    void conv2dTransposeOutputSizesMatchKeras() {
        checkTranspose(3, 3, 2, "same", null, 3 * 2);          // same: in*s
        checkTranspose(4, 3, 2, "same", null, 4 * 2);
        checkTranspose(3, 3, 2, "valid", null, (3 - 1) * 2 + 3); // valid: (in-1)*s + k
        checkTranspose(3, 2, 3, "valid", null, 3 * 3);           // k < s: in*s + max(k-s, 0)
        checkTranspose(3, 3, 2, "same", new int[]{1, 1}, (3 - 1) * 2 + 3 - 2 * (3 / 2) + 1);
        checkTranspose(3, 3, 2, "valid", new int[]{1, 1}, (3 - 1) * 2 + 3 + 1);
    }

    @Test
    void separableConvIsDepthwiseThenPointwise() {
        ImportTestModel m = new ImportTestModel(false);
        String x = m.input("in", 6, 5, 3);
        m.layer("SeparableConv2D", "sep", cfg("filters", 4, "kernel_size", new int[]{3, 3}, "strides", new int[]{2, 2},
                "padding", "same", "depth_multiplier", 2, "activation", "relu", "use_bias", true), x);
        m.output("sep").weights("sep", new int[]{3, 3, 3, 2}, new int[]{1, 1, 6, 4}, new int[]{4});
        Graph g = KerasImporter.importModel(m.file());
        assertEquals(List.of(Op.CONV2D, Op.CONV2D), g.nodes().stream().map(Node::op).toList());
        assertEquals(3, g.nodes().get(0).attrs().getInt("groups"));
        Tensor in = random(5, 1, 6, 5, 3);
        // Depthwise reference: channel c, multiplier j -> output channel c*2+j, straight from the [kh,kw,C,mult] kernel.
        Tensor dk = m.w("sep", 0);
        int th = sameBefore(6, 3, 2, 1), tw = sameBefore(5, 3, 2, 1);
        Tensor dw = Tensor.zeros(1, 3, 3, 6);
        for (int y = 0; y < 3; y++)
            for (int xo = 0; xo < 3; xo++)
                for (int c = 0; c < 3; c++)
                    for (int j = 0; j < 2; j++) {
                        double acc = 0;
                        for (int i = 0; i < 3; i++)
                            for (int q = 0; q < 3; q++) {
                                int iy = y * 2 + i - th, ix = xo * 2 + q - tw;
                                if (iy < 0 || iy >= 6 || ix < 0 || ix >= 5) continue;
                                acc += in.data()[(iy * 5 + ix) * 3 + c] * dk.data()[((i * 3 + q) * 3 + c) * 2 + j];
                            }
                        dw.data()[(y * 3 + xo) * 6 + c * 2 + j] = (float) acc;
                    }
        Tensor want = map(conv(dw, m.w("sep", 1), m.w("sep", 2).data(), new int[]{1, 1}, new int[]{1, 1}, 0, 0, 3, 3, 1),
                v -> Math.max(v, 0));
        assertClose(want, run(g, in).get("sep"), "separable");
    }

    @Test
    void depthwiseConvWithMultiplierAndBias() {
        ImportTestModel m = new ImportTestModel(false);
        String x = m.input("in", 4, 4, 2);
        m.layer("ZeroPadding2D", "pad", cfg("padding", List.of(List.of(0, 1), List.of(0, 1))), x);
        m.layer("DepthwiseConv2D", "dw", cfg("kernel_size", 3, "strides", 2, "padding", "valid", "depth_multiplier", 3,
                "activation", "linear", "use_bias", true), "pad");
        m.output("dw").weights("dw", new int[]{3, 3, 2, 3}, new int[]{6});
        Graph g = KerasImporter.importModel(m.file());
        Tensor in = random(6, 1, 4, 4, 2);
        // Padded input by hand, then grouped conv with the kernel regrouped as [kh,kw,1,C*mult].
        Tensor padded = Tensor.zeros(1, 5, 5, 2);
        for (int y = 0; y < 4; y++) for (int xo = 0; xo < 4; xo++) for (int c = 0; c < 2; c++)
            padded.data()[(y * 5 + xo) * 2 + c] = in.data()[(y * 4 + xo) * 2 + c];
        Tensor k = m.w("dw", 0).reshape(3, 3, 1, 6);
        Tensor want = conv(padded, k, m.w("dw", 1).data(), new int[]{2, 2}, new int[]{1, 1}, 0, 0, 2, 2, 2);
        assertClose(want, run(g, in).get("dw"), "depthwise");
    }

    @Test
    void poolingSameAndValid() {
        ImportTestModel m = new ImportTestModel(false);
        String x = m.input("in", 5, 6, 2);
        m.layer("MaxPooling2D", "maxp", cfg("pool_size", new int[]{3, 3}, "strides", new int[]{2, 2}, "padding", "same"), x);
        m.layer("AveragePooling2D", "avgp", cfg("pool_size", new int[]{3, 3}, "strides", new int[]{2, 2}, "padding", "same"), x);
        m.layer("AveragePooling2D", "avgv", cfg("pool_size", new int[]{2, 2}, "strides", null, "padding", "valid"), x);
        m.output("maxp").output("avgp").output("avgv");
        Graph g = KerasImporter.importModel(m.file());
        Tensor in = random(7, 1, 5, 6, 2);
        var out = run(g, in);
        for (String which : List.of("maxp", "avgp", "avgv")) {
            boolean same = !which.equals("avgv"), max = which.equals("maxp");
            int k = same ? 3 : 2, s = 2;
            int oh = same ? 3 : 2, ow = same ? 3 : 3;
            int top = same ? sameBefore(5, 3, 2, 1) : 0, left = same ? sameBefore(6, 3, 2, 1) : 0;
            Tensor want = Tensor.zeros(1, oh, ow, 2);
            for (int y = 0; y < oh; y++) for (int xo = 0; xo < ow; xo++) for (int c = 0; c < 2; c++) {
                double acc = max ? Double.NEGATIVE_INFINITY : 0;
                int cnt = 0;
                for (int i = 0; i < k; i++) for (int j = 0; j < k; j++) {
                    int iy = y * s + i - top, ix = xo * s + j - left;
                    if (iy < 0 || iy >= 5 || ix < 0 || ix >= 6) continue; // TF never counts padded cells
                    float v = in.data()[(iy * 6 + ix) * 2 + c];
                    acc = max ? Math.max(acc, v) : acc + v;
                    cnt++;
                }
                want.data()[(y * ow + xo) * 2 + c] = (float) (max ? acc : acc / cnt);
            }
            assertClose(want, out.get(which), which);
        }
    }
}
