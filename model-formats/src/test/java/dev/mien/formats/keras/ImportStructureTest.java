package dev.mien.formats.keras;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mien.engine.Tensor;
import dev.mien.engine.ir.Graph;
import dev.mien.engine.ir.Node;
import dev.mien.engine.ir.Op;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.mien.formats.keras.ImportReference.*;
import static dev.mien.formats.keras.ImportTestModel.F;
import static dev.mien.formats.keras.ImportTestModel.cfg;
import static org.junit.jupiter.api.Assertions.*;

/** Model structure: Sequential forms, nested models, shared layers, Keras 3 operations, TFOpLambda. */
class ImportStructureTest {

    private static ObjectNode layer(String cls, String name, ObjectNode config) {
        config.put("name", name);
        return cfg("class_name", cls, "config", config);
    }

    private static Tensor dense(Tensor x, Tensor k, Tensor b) {
        int n = x.dim(0), in = k.dim(0), out = k.dim(1);
        Tensor y = Tensor.zeros(n, out);
        for (int i = 0; i < n; i++) for (int o = 0; o < out; o++) {
            double acc = b.data()[o];
            for (int j = 0; j < in; j++) acc += x.data()[i * in + j] * k.data()[j * out + o];
            y.data()[i * out + o] = (float) acc;
        }
        return y;
    }

    @Test
    void sequentialWithoutInputLayerAndAsBareList() {
        Map<List<String>, List<Tensor>> w = new java.util.HashMap<>();
        ImportTestModel rnd = new ImportTestModel(false);
        w.put(List.of("d1"), List.of(rnd.random(3, 4), rnd.random(4)));
        ArrayNode layers = F.arrayNode()
                .add(layer("Dense", "d1", cfg("units", 4, "activation", "tanh", "batch_input_shape", List.of(-1, 3))))
                .add(layer("Activation", "act", cfg("activation", "softmax")));
        ((ObjectNode) layers.get(0).get("config")).set("batch_input_shape", F.arrayNode().addNull().add(3));
        for (String config : List.of(cfg("class_name", "Sequential", "config", cfg("name", "seq", "layers", layers)).toString(),
                cfg("class_name", "Sequential", "config", layers).toString())) {
            Graph g = KerasImporter.importModel(ImportTestModel.of(config, "2.0.5", w));
            assertEquals("d1_input", g.inputs().get(0).name());
            assertEquals(List.of("act"), g.outputs());
            Tensor in = random(21, 2, 3);
            Tensor h = ImportReference.map(dense(in, w.get(List.of("d1")).get(0), w.get(List.of("d1")).get(1)), Math::tanh);
            Tensor want = Tensor.zeros(2, 4);
            for (int r = 0; r < 2; r++) {
                double s = 0;
                for (int c = 0; c < 4; c++) s += Math.exp(h.data()[r * 4 + c]);
                for (int c = 0; c < 4; c++) want.data()[r * 4 + c] = (float) (Math.exp(h.data()[r * 4 + c]) / s);
            }
            assertClose(want, run(g, in).get("act"), "sequential");
        }
    }

    @Test
    void nestedModelsAreInlinedWithTheirWeightPaths() {
        // inner Functional: in -> dense "fc" (relu); tf.keras 2 refers to it from outside with node index 1.
        ImportTestModel inner = new ImportTestModel(false);
        inner.layer("Dense", "fc", cfg("units", 3, "activation", "relu"), inner.input("inner_in", 4));
        inner.output("fc");
        ObjectNode innerEntry = inner.functionalConfig("base");
        innerEntry.put("name", "base");
        innerEntry.set("inbound_nodes", F.arrayNode().add(F.arrayNode().add(F.arrayNode().add("in").add(0).add(0).add(cfg("training", false)))));
        ObjectNode seqEntry = cfg("class_name", "Sequential", "name", "head", "config", cfg("name", "head", "layers", F.arrayNode()
                .add(layer("InputLayer", "fc2_input", cfg("batch_input_shape", List.of(-1, 3))))
                .add(layer("Dense", "fc2", cfg("units", 2, "activation", "linear")))));
        seqEntry.set("inbound_nodes", F.arrayNode().add(F.arrayNode().add(F.arrayNode().add("base").add(1).add(0).add(F.objectNode()))));

        ImportTestModel outer = new ImportTestModel(false);
        outer.input("in", 4);
        outer.raw(innerEntry);
        outer.raw(seqEntry);
        outer.output("head");
        ObjectNode root = outer.functionalConfig("outer");
        ((ObjectNode) root.get("config")).set("output_layers", F.arrayNode().add(F.arrayNode().add("head").add(1).add(0)));
        outer.weights(List.of("base", "fc"), new int[]{4, 3}, new int[]{3});
        outer.weights(List.of("head", "fc2"), new int[]{3, 2}, new int[]{2});
        Graph g = KerasImporter.importModel(outer.file(root.toString()), KerasImportOptions.DEFAULT.withExtraOutputs("base", "base/fc"));
        assertTrue(g.nodes().stream().anyMatch(n -> n.name().equals("base/fc") && n.op() == Op.DENSE), g.nodes().toString());
        assertEquals(List.of("head", "base", "base/fc"), g.outputs());
        Tensor in = random(22, 2, 4);
        Tensor h = ImportReference.map(dense(in, outer.weights.get(List.of("base", "fc")).get(0), outer.weights.get(List.of("base", "fc")).get(1)),
                v -> Math.max(v, 0));
        Map<String, Tensor> out = run(g, in);
        assertClose(h, out.get("base"), "nested output");
        assertClose(dense(h, outer.weights.get(List.of("head", "fc2")).get(0), outer.weights.get(List.of("head", "fc2")).get(1)),
                out.get("head"), "head");
    }

    @Test
    void sharedLayerCalledTwice() {
        ImportTestModel m = new ImportTestModel(false);
        m.input("in", 3);
        ObjectNode e = layer("Dense", "shared", cfg("units", 3, "activation", "linear"));
        e.put("name", "shared");
        e.set("inbound_nodes", F.arrayNode()
                .add(F.arrayNode().add(F.arrayNode().add("in").add(0).add(0).add(F.objectNode())))
                .add(F.arrayNode().add(F.arrayNode().add("shared").add(0).add(0).add(F.objectNode()))));
        m.raw(e);
        ObjectNode root = m.functionalConfig("m");
        ((ObjectNode) root.get("config")).set("output_layers", F.arrayNode().add(F.arrayNode().add("shared").add(1).add(0)));
        m.weights("shared", new int[]{3, 3}, new int[]{3});
        Graph g = KerasImporter.importModel(m.file(root.toString()));
        assertEquals(2, g.nodes().stream().filter(n -> n.op() == Op.DENSE).count());
        Tensor in = random(23, 1, 3);
        Tensor want = dense(dense(in, m.w("shared", 0), m.w("shared", 1)), m.w("shared", 0), m.w("shared", 1));
        assertEquals(List.of("shared:call1"), g.outputs(), "the second call's value; 'shared' is the first call's");
        assertClose(want, run(g, in).get("shared:call1"), "shared twice");
    }

    @Test
    void keras3OperationsWithConstantsAndSplit() {
        ImportTestModel m = new ImportTestModel(true);
        String x = m.input("in", 2, 2, 6);
        m.layer("Split", "split", cfg("axis", -1, "indices_or_sections", 2), x);
        m.layer("TrueDivide", "div", cfg(), "split:0", 4.0);
        m.layer("Subtract", "rsub", cfg(), 1.0, "split:1");
        m.layer("Multiply", "mul", cfg(), "div", "rsub");
        m.layer("Add", "add", cfg(), "mul", 0.5);
        m.layer("Mean", "mean", cfg("axis", -1, "keepdims", true), "add");
        m.output("mean");
        Graph g = KerasImporter.importModel(m.file());
        assertEquals(2, g.nodes().stream().filter(n -> n.op() == Op.SLICE).count());
        Tensor in = random(24, 1, 2, 2, 6);
        Tensor want = Tensor.zeros(1, 2, 2, 1);
        for (int p = 0; p < 4; p++) {
            double s = 0;
            for (int c = 0; c < 3; c++) s += in.data()[p * 6 + c] / 4.0 * (1 - in.data()[p * 6 + 3 + c]) + 0.5;
            want.data()[p] = (float) (s / 3);
        }
        assertClose(want, run(g, in).get("mean"), "keras 3 ops");
    }

    @Test
    void tfOpLambdaPreprocessing() {
        ImportTestModel m = new ImportTestModel(false);
        m.input("in", 2, 2, 3);
        for (String[] op : new String[][]{{"tf.math.truediv", "math.truediv", "in", "127.5"}, {"tf.math.subtract", "math.subtract", "tf.math.truediv", "1.0"}}) {
            ObjectNode e = layer("TFOpLambda", op[0], cfg("function", op[1]));
            e.put("name", op[0]);
            e.set("inbound_nodes", F.arrayNode().add(F.arrayNode().add(op[2]).add(0).add(0)
                    .add(cfg("y", Double.parseDouble(op[3]), "name", null))));
            m.raw(e);
        }
        m.output("tf.math.subtract");
        Graph g = KerasImporter.importModel(m.file());
        assertEquals(List.of(Op.SCALE_SHIFT, Op.SCALE_SHIFT), g.nodes().stream().map(Node::op).toList());
        Tensor in = ImportReference.map(random(25, 1, 2, 2, 3), v -> (v + 2) * 60);
        assertClose(ImportReference.map(in, v -> (float) v / 127.5f - 1f), run(g, in).get("tf.math.subtract"), "x/127.5 - 1");
    }

    @Test
    void tfOpLambdaWithConstantsOfAnyShapeBecomeGraphConstants() {
        // x * k with k of shape [2, 1, 3] (per row and channel), then max(., 0.5): neither is a per-channel affine.
        ImportTestModel m = new ImportTestModel(false);
        m.input("in", 2, 2, 3);
        float[] k = {1f, -2f, 3f, 0.5f, 4f, -1f};
        ArrayNode kj = F.arrayNode();
        for (int h = 0; h < 2; h++) {
            ArrayNode row = F.arrayNode(), ch = F.arrayNode();
            for (int c = 0; c < 3; c++) ch.add(k[h * 3 + c]);
            row.add(ch);
            kj.add(row);
        }
        Object[][] ops = {{"tf.math.multiply", "math.multiply", "in", kj}, {"tf.math.maximum", "math.maximum", "tf.math.multiply", 0.5}};
        for (Object[] op : ops) {
            ObjectNode e = layer("TFOpLambda", (String) op[0], cfg("function", op[1]));
            e.put("name", (String) op[0]);
            e.set("inbound_nodes", F.arrayNode().add(F.arrayNode().add((String) op[2]).add(0).add(0).add(cfg("y", op[3], "name", null))));
            m.raw(e);
        }
        m.output("tf.math.maximum");
        Graph g = KerasImporter.importModel(m.file());
        assertEquals(List.of(Op.MUL, Op.MAX), g.nodes().stream().map(Node::op).toList());
        assertEquals(2, g.constants().size());
        Tensor in = random(26, 1, 2, 2, 3);
        Tensor got = run(g, in).get("tf.math.maximum");
        for (int h = 0; h < 2; h++) for (int w = 0; w < 2; w++) for (int c = 0; c < 3; c++) {
            int i = (h * 2 + w) * 3 + c;
            assertEquals(Math.max(in.data()[i] * k[h * 3 + c], 0.5f), got.data()[i], 0f);
        }
    }
}
