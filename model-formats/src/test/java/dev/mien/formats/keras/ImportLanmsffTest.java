package dev.mien.formats.keras;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mien.engine.Model;
import dev.mien.engine.Tensor;
import dev.mien.engine.ir.Graph;
import dev.mien.engine.ir.Node;
import dev.mien.engine.ir.Op;
import dev.mien.engine.runtime.Plan;
import dev.mien.engine.runtime.RunOptions;
import dev.mien.formats.Fixtures;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * LANMSFF: the real Keras 3 config with synthetic weights (shape inference checked layer by
 * layer against Keras' own output shapes from the manifest), the channel-mean Lambda rule, and
 * parity with the reference outputs and intermediates once the container reader is merged.
 */
class ImportLanmsffTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Weights shaped from each layer's Keras 3 build_config input shape. */
    static Map<List<String>, List<Tensor>> syntheticWeights(JsonNode root) {
        Map<List<String>, List<Tensor>> w = new HashMap<>();
        Random r = new Random(7);
        for (JsonNode l : root.path("config").path("layers")) {
            JsonNode c = l.path("config"), in = l.path("build_config").path("input_shape");
            if (!in.isArray() || in.isEmpty() || !in.get(in.size() - 1).isInt()) continue;
            int ch = in.get(in.size() - 1).asInt();
            int f = c.path("filters").asInt(), kh = c.path("kernel_size").path(0).asInt(), kw = c.path("kernel_size").path(1).asInt();
            List<int[]> shapes = switch (l.path("class_name").asText()) {
                case "Conv2D" -> List.of(new int[]{kh, kw, ch, f}, new int[]{f});
                case "SeparableConv2D" -> List.of(new int[]{kh, kw, ch, 1}, new int[]{1, 1, ch, f}, new int[]{f});
                case "Conv2DTranspose" -> List.of(new int[]{kh, kw, f, ch}, new int[]{f});
                case "Dense" -> List.of(new int[]{ch, c.path("units").asInt()}, new int[]{c.path("units").asInt()});
                case "BatchNormalization" -> List.of(new int[]{ch}, new int[]{ch}, new int[]{ch}, new int[]{ch});
                default -> List.of();
            };
            List<Tensor> ts = new ArrayList<>();
            for (int[] s : shapes) {
                Tensor t = Tensor.zeros(s);
                for (int i = 0; i < t.size(); i++) t.data()[i] = r.nextFloat() * 0.2f + (l.path("class_name").asText().equals("BatchNormalization") ? 0.5f : -0.1f);
                ts.add(t);
            }
            if (!ts.isEmpty()) w.put(List.of(l.path("name").asText()), ts);
        }
        return w;
    }

    @Test
    void realConfigImportsWithKerasShapesAndTheLambdaRule() throws Exception {
        Path dir = Fixtures.dir("lanmsff");
        String config = ImportFixtures.kerasArchiveConfig(dir.resolve("lanmsff.keras"));
        JsonNode root = JSON.readTree(config);
        KerasModelFile f = ImportTestModel.of(config, "3.10.0", syntheticWeights(root));
        Graph g = KerasImporter.importModel(f);
        JsonNode manifest = JSON.readTree(dir.resolve("manifest.json").toFile());
        assertEquals(manifest.path("keras_summary").path("total_params").asLong(), g.parameterCount());
        assertEquals(List.of("dense_4"), g.outputs());
        assertEquals("lanmsff", g.card().architecture());
        for (String lambda : List.of("lambda", "lambda_1")) {
            Node n = g.nodes().stream().filter(x -> x.name().equals(lambda)).findFirst().orElseThrow();
            assertEquals(Op.REDUCE, n.op());
            assertEquals("mean", n.attrs().getString("op"));
            assertTrue(n.attrs().getBool("keepdims", false));
        }
        Plan plan = ImportReference.model(g).plan(1, RunOptions.DEFAULT);
        int checked = 0;
        for (JsonNode l : manifest.path("keras_summary").path("per_layer")) {
            String name = l.path("name").asText(), cls = l.path("class").asText();
            if (cls.equals("Dropout") || cls.equals("InputLayer")) continue;
            JsonNode shapes = l.path("output_shapes");
            for (int t = 0; t < shapes.size(); t++) {
                String value = shapes.size() > 1 ? name + ":" + t : name;
                int[] want = new int[shapes.get(t).size()];
                want[0] = 1;
                for (int i = 1; i < want.length; i++) want[i] = shapes.get(t).get(i).asInt();
                assertArrayEquals(want, plan.shape(value), "shape of " + value + " (" + cls + ")");
                checked++;
            }
        }
        assertTrue(checked > 100, "checked " + checked);
    }

    @Test
    void lambdaIsRefusedWhenItDoesNotFeedTheMassAttStack() throws Exception {
        Path dir = Fixtures.dir("lanmsff");
        ObjectNode root = (ObjectNode) JSON.readTree(ImportFixtures.kerasArchiveConfig(dir.resolve("lanmsff.keras")));
        // Rewire conv2d_6 (the first spatial conv after 'lambda') to read concatenate_2 directly.
        for (JsonNode l : root.path("config").path("layers"))
            if (l.path("name").asText().equals("conv2d_6"))
                ((ObjectNode) l.path("inbound_nodes").get(0).path("args").get(0).path("config")).set("keras_history",
                        JSON.createArrayNode().add("concatenate_2").add(0).add(0));
        KerasModelFile f = ImportTestModel.of(root.toString(), "3.10.0", syntheticWeights(root));
        KerasImportException e = assertThrows(KerasImportException.class, () -> KerasImporter.importModel(f));
        assertEquals(1, e.unsupported().size(), e.getMessage());
        assertTrue(e.unsupported().get(0).startsWith("Lambda 'lambda'"), e.getMessage());
    }

    private static void checkClose(Tensor want, Tensor got, String what) {
        // Intermediates are float32 results too: relative to their magnitude.
        double scale = 0;
        for (float v : want.data()) scale = Math.max(scale, Math.abs(v));
        float[] a = got.data(), b = want.data();
        assertArrayEquals(want.shape(), got.shape(), what);
        for (int i = 0; i < b.length; i++) {
            double tol = 1e-4 + 1e-4 * Math.abs(b[i]) + 2e-6 * scale;
            if (Math.abs(a[i] - b[i]) > tol) fail(what + ": index " + i + " expected " + b[i] + " got " + a[i]);
        }
    }

    static int argmax(float[] d, int off, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) if (d[off + i] > d[off + best]) best = i;
        return best;
    }

    @Test
    void parityWithReferenceOutputsAndIntermediates() throws Exception {
        Path dir = Fixtures.dir("lanmsff");
        Map<String, String> acts = Map.of("b1", "dropout", "b2", "dropout_1", "b3", "dropout_2", "b4", "dropout_3",
                "features", "concatenate_6", "massatt_b2", "multiply", "pwfs_b1", "pwfs", "pwfs_b2", "pwfs_1", "pwfs_b3", "pwfs_2");
        for (String file : List.of("lanmsff.keras", "lanmsff.h5")) {
            KerasModelFile f = ImportFixtures.open(dir.resolve(file));
            Graph g = KerasImporter.importModel(f, KerasImportOptions.DEFAULT.withExtraOutputs(acts.values().toArray(String[]::new)));
            Model model = ImportReference.model(g);
            for (String in : List.of("random", "face")) {
                Map<String, Tensor> out = model.run(Map.of(g.inputs().get(0).name(), ImportFixtures.npy(dir.resolve("input_" + in + ".npy"))));
                Tensor want = ImportFixtures.npy(dir.resolve("output_" + in + ".npy"));
                Tensor got = out.get("dense_4");
                ImportReference.assertClose(want, got, file + " output_" + in);
                for (int r = 0; r < want.dim(0); r++)
                    assertEquals(argmax(want.data(), r * 8, 8), argmax(got.data(), r * 8, 8), file + " top-1 row " + r);
                for (var e : acts.entrySet())
                    checkClose(ImportFixtures.npy(dir.resolve("act_" + e.getKey() + "_" + in + ".npy")), out.get(e.getValue()),
                            file + " act_" + e.getKey() + "_" + in);
            }
        }
    }
}
