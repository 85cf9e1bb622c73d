package dev.mien.formats.keras;

import dev.mien.engine.Tensor;
import dev.mien.engine.ir.Graph;
import dev.mien.engine.ir.Node;
import dev.mien.engine.ir.Op;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.mien.formats.keras.ImportReference.*;
import static dev.mien.formats.keras.ImportTestModel.cfg;
import static org.junit.jupiter.api.Assertions.*;

/** Every non-convolution layer class: the IR it becomes, and numerics where the mapping is not 1:1. */
class ImportLayersTest {

    private static Node node(Graph g, String name) {
        return g.nodes().stream().filter(n -> n.name().equals(name)).findFirst().orElseThrow(() -> new AssertionError("no node " + name + " in " + g.nodes()));
    }

    @Test
    void permuteThenFlattenKeepsKerasOrder() {
        ImportTestModel m = new ImportTestModel(false);
        String x = m.input("in", 2, 3, 4);
        m.layer("Permute", "perm", cfg("dims", new int[]{3, 1, 2}), x);
        m.layer("Flatten", "flat", cfg(), "perm");
        m.output("flat");
        Graph g = KerasImporter.importModel(m.file());
        assertArrayEquals(new int[]{0, 3, 1, 2}, node(g, "perm").attrs().getInts("perm"));
        Tensor in = random(11, 1, 2, 3, 4);
        Tensor want = Tensor.zeros(1, 24);
        int o = 0;
        for (int c = 0; c < 4; c++) for (int h = 0; h < 2; h++) for (int w = 0; w < 3; w++)
            want.data()[o++] = in.data()[(h * 3 + w) * 4 + c];
        assertClose(want, run(g, in).get("flat"), "permute+flatten");
    }

    @Test
    void batchNormActivationsAndDense() {
        ImportTestModel m = new ImportTestModel(false);
        String x = m.input("in", 3, 3, 4);
        m.layer("BatchNormalization", "bn", cfg("axis", -1, "epsilon", 0.01, "center", true, "scale", false), x);
        m.layer("ReLU", "relu6", cfg("max_value", 6.0, "negative_slope", 0.0, "threshold", 0.0), "bn");
        m.layer("LeakyReLU", "leaky", cfg("alpha", 0.1), "relu6");
        m.layer("Activation", "hs", cfg("activation", "hard_sigmoid"), "leaky");
        m.layer("Dense", "dense", cfg("units", 5, "activation", "softmax", "use_bias", true), "hs");
        m.output("dense");
        m.weights("bn", new int[]{4}, new int[]{4}, new int[]{4});
        m.weights.get(List.of("bn")).set(2, ImportReference.map(m.w("bn", 2), Math::abs));
        m.weights("dense", new int[]{4, 5}, new int[]{5});
        Graph g = KerasImporter.importModel(m.file());
        assertEquals(List.of(Op.BATCH_NORM, Op.ACTIVATION, Op.ACTIVATION, Op.ACTIVATION, Op.DENSE, Op.SOFTMAX),
                g.nodes().stream().map(Node::op).toList());
        assertEquals("relu6", node(g, "relu6").attrs().getString("activation"));
        assertEquals(0.2f, node(g, "hs").attrs().getFloat("alpha", 0), 1e-7f, "tf.keras 2 hard_sigmoid slope");
        Tensor in = random(12, 2, 3, 3, 4);
        Tensor want = Tensor.zeros(2, 3, 3, 5);
        float[] beta = m.w("bn", 0).data(), mean = m.w("bn", 1).data(), var = m.w("bn", 2).data();
        float[] k = m.w("dense", 0).data(), bias = m.w("dense", 1).data();
        for (int p = 0; p < 18; p++) {
            double[] h = new double[4];
            for (int c = 0; c < 4; c++) {
                double v = (in.data()[p * 4 + c] - mean[c]) / Math.sqrt(var[c] + 0.01) + beta[c];
                v = Math.min(Math.max(v, 0), 6);
                v = v > 0 ? v : 0.1 * v;
                h[c] = Math.min(Math.max(0.2 * v + 0.5, 0), 1);
            }
            double[] z = new double[5];
            double max = -1e30, sum = 0;
            for (int u = 0; u < 5; u++) {
                z[u] = bias[u];
                for (int c = 0; c < 4; c++) z[u] += h[c] * k[c * 5 + u];
                max = Math.max(max, z[u]);
            }
            for (int u = 0; u < 5; u++) sum += Math.exp(z[u] - max);
            for (int u = 0; u < 5; u++) want.data()[p * 5 + u] = (float) (Math.exp(z[u] - max) / sum);
        }
        assertClose(want, run(g, in).get("dense"), "bn/activations/dense");
    }

    @Test
    void keras3HardSigmoidUsesSlopeOneSixth() {
        ImportTestModel m = new ImportTestModel(true);
        String x = m.input("in", 4);
        m.layer("Activation", "hs", cfg("activation", "hard_sigmoid"), x);
        m.output("hs");
        Graph g = KerasImporter.importModel(m.file());
        assertEquals(1f / 6f, node(g, "hs").attrs().getFloat("alpha", 0), 1e-7f);
    }

    @Test
    void mergesAndShapeLayers() {
        ImportTestModel m = new ImportTestModel(false);
        String x = m.input("in", 4, 4, 2);
        m.layer("ZeroPadding2D", "pad", cfg("padding", new int[]{1, 2}), x);
        m.layer("Cropping2D", "crop", cfg("cropping", List.of(List.of(1, 1), List.of(2, 2))), "pad");
        m.layer("Add", "add", cfg(), x, "crop");
        m.layer("Subtract", "sub", cfg(), "add", x);
        m.layer("Multiply", "mul", cfg(), "sub", x);
        m.layer("Average", "avg", cfg(), "mul", x, "add");
        m.layer("Maximum", "max", cfg(), "avg", x);
        m.layer("Minimum", "min", cfg(), "max", "add");
        m.layer("Concatenate", "cat", cfg("axis", -1), "min", x);
        m.layer("Reshape", "resh", cfg("target_shape", new int[]{16, -1}), "cat");
        m.layer("Dropout", "drop", cfg("rate", 0.5), "resh");
        m.output("drop");
        Graph g = KerasImporter.importModel(m.file());
        assertArrayEquals(new int[]{1, 2, 1, 2}, node(g, "pad").attrs().getInts("pads"));
        assertEquals(Op.IDENTITY, node(g, "drop").op(), "output named after the dropped layer");
        Tensor in = random(13, 1, 4, 4, 2);
        float[] a = in.data();
        Tensor want = Tensor.zeros(1, 16, 4);
        for (int p = 0; p < 16; p++) for (int c = 0; c < 2; c++) {
            double v = a[p * 2 + c], add = v + v, sub = add - v, mul = sub * v, avg = (mul + v + add) / 3;
            double mx = Math.max(avg, v), mn = Math.min(mx, add);
            want.data()[p * 4 + c] = (float) mn;
            want.data()[p * 4 + 2 + c] = (float) v;
        }
        assertClose(want, run(g, in).get("drop"), "merges");
    }

    @Test
    void poolingResizeAndAffineLayers() {
        ImportTestModel m = new ImportTestModel(false);
        String x = m.input("in", 3, 3, 2);
        m.layer("Rescaling", "rescale", cfg("scale", 0.5, "offset", -1.0), x);
        m.layer("Normalization", "norm", cfg("axis", -1, "mean", null, "variance", null), "rescale");
        m.layer("UpSampling2D", "up", cfg("size", new int[]{2, 2}, "interpolation", "nearest"), "norm");
        m.layer("Resizing", "resize", cfg("height", 4, "width", 5, "interpolation", "bilinear", "crop_to_aspect_ratio", false), "up");
        m.layer("GlobalAveragePooling2D", "gap", cfg("keepdims", true), "resize");
        m.layer("GlobalMaxPooling2D", "gmp", cfg(), "up");
        m.output("gap").output("gmp");
        m.weights.put(List.of("norm"), List.of(new Tensor(new int[]{2}, new float[]{0.25f, -0.5f}),
                new Tensor(new int[]{2}, new float[]{4f, 0.25f}), new Tensor(new int[]{}, new float[]{10f})));
        Graph g = KerasImporter.importModel(m.file());
        assertEquals(Op.SCALE_SHIFT, node(g, "norm").op());
        assertArrayEquals(new int[]{4, 5}, node(g, "resize").attrs().getInts("size"));
        Tensor in = random(14, 1, 3, 3, 2);
        Map<String, Tensor> out = run(g, in);
        // Max over the nearest-upsampled map equals the max over the normalised input.
        Tensor wantMax = Tensor.zeros(1, 2);
        float[][] mv = {{0.25f, 4f}, {-0.5f, 0.25f}};
        for (int c = 0; c < 2; c++) {
            double best = Double.NEGATIVE_INFINITY;
            for (int p = 0; p < 9; p++) {
                double v = (in.data()[p * 2 + c] * 0.5 - 1 - mv[c][0]) / Math.sqrt(mv[c][1]);
                best = Math.max(best, v);
            }
            wantMax.data()[c] = (float) best;
        }
        assertClose(wantMax, out.get("gmp"), "gmp of normalised");
        assertArrayEquals(new int[]{1, 1, 1, 2}, out.get("gap").shape());
    }

    @Test
    void preluAndAttentionParams() {
        ImportTestModel m = new ImportTestModel(false);
        String x = m.input("in", 6);
        m.layer("PReLU", "prelu", cfg("shared_axes", null), x);
        m.layer("Attention", "att", cfg("use_scale", true, "causal", false), "prelu", "prelu");
        m.output("att");
        m.weights("prelu", new int[]{6});
        m.weights.put(List.of("att"), List.of(new Tensor(new int[]{}, new float[]{0.7f})));
        Graph g = KerasImporter.importModel(m.file());
        Node att = node(g, "att");
        assertEquals(Op.ATTENTION, att.op());
        assertEquals(List.of("prelu", "prelu"), att.inputs());
        assertEquals(0.7f, att.param("scale").data()[0]);
        // Batch of one: Keras' attention over a single row is the identity.
        Tensor in = random(15, 1, 6);
        float[] al = m.w("prelu", 0).data();
        Tensor want = ImportReference.map(in, v -> v);
        for (int i = 0; i < 6; i++) if (want.data()[i] < 0) want.data()[i] *= al[i];
        assertClose(want, run(g, in).get("att"), "prelu+attention");
    }
}
