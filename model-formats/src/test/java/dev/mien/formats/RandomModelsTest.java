package dev.mien.formats;

import dev.mien.engine.Model;
import dev.mien.engine.Session;
import dev.mien.engine.ir.Graph;
import dev.mien.engine.ops.ShapeInference;
import dev.mien.engine.runtime.Plan;
import dev.mien.engine.runtime.RunOptions;
import dev.mien.kernels.Backend;
import dev.mien.kernels.KernelRegistry;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** The shipped architectures build and run at full size without any checkpoint. */
class RandomModelsTest {
    @Test
    void lanmsffAndPattLiteBuildFromTheShippedArchitecture() {
        Graph lan = RandomModels.graph("lanmsff", 1);
        assertEquals("lanmsff", lan.card().architecture());
        // Keras counts 358,563 parameters; folding removes each BatchNorm's 4 vectors (4,224 values in all).
        assertEquals(358563 - 4224, lan.parameterCount(), "LANMSFF parameters after BN folding");
        assertRuns(lan, 64 * 64);
        Graph patt = RandomModels.graph("patt-lite", 1);
        assertTrue(ShapeInference.infer(patt, 1).macs() > 3e8 && ShapeInference.infer(patt, 1).macs() < 4e8, "PAtt-Lite MACs " + ShapeInference.infer(patt, 1).macs());
        assertRuns(patt, 120 * 120 * 3);
        assertThrows(IllegalArgumentException.class, () -> RandomModels.graph("resnet", 1));
    }

    @Test
    void realLayersTakeTheirConvolutionAlgorithm() {
        try (Backend vec = KernelRegistry.create("vector", 2)) {
            // MA-Net at full size, batch 1: the 7x7x512 patch layers are sliced, layer1's 56x56x64 3x3 layers
            // Winograd F(4x4), the 56x56 stride-2 entry tiles on the planar copy, the 7x7 RGB stem the stem kernel,
            // the 1x1 shortcuts the pointwise or direct kernel.
            Plan manet = new Model(RandomModels.graph("manet", 1), vec).plan(1, RunOptions.DEFAULT);
            Map<String, String> alg = algorithms(manet);
            assertTrue(alg.entrySet().stream().anyMatch(e -> e.getKey().startsWith("layer4_1") && e.getValue().equals("sliced")), alg.toString());
            assertTrue(alg.entrySet().stream().filter(e -> e.getKey().startsWith("layer1")).allMatch(e -> e.getValue().equals("winograd4")), alg.toString());
            assertTrue(alg.entrySet().stream().anyMatch(e -> e.getKey().startsWith("layer2") && e.getValue().equals("winograd4")), alg.toString());
            assertEquals("stem", alg.get("conv1"), alg.toString());
            assertEquals("rows", alg.get("layer2.0.conv1"), alg.toString());
            assertTrue(alg.entrySet().stream().filter(e -> e.getKey().contains("downsample"))
                    .allMatch(e -> e.getValue().equals("pointwise") || e.getValue().equals("direct")), alg.toString());
            // PAtt-Lite's depthwise layers take the depthwise kernel, its 3x3 RGB stem the stem kernel.
            Plan patt = new Model(RandomModels.graph("patt-lite", 1), vec).plan(1, RunOptions.DEFAULT);
            assertTrue(algorithms(patt).values().stream().filter("depthwise"::equals).count() >= 5, algorithms(patt).toString());
            assertEquals("stem", algorithms(patt).get("base_model/conv1"), algorithms(patt).toString());
        }
    }

    static Map<String, String> algorithms(Plan p) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < p.stepCount(); i++) if (!p.stepAlgorithms().get(i).isEmpty()) m.put(p.stepNames().get(i), p.stepAlgorithms().get(i));
        return m;
    }

    static void assertRuns(Graph g, int inputSize) {
        Session s = Model.of(g).newSession(2, RunOptions.DEFAULT);
        float[] x = new float[2 * inputSize];
        Random r = new Random(1);
        for (int i = 0; i < x.length; i++) x[i] = 255 * r.nextFloat();
        s.setInput(g.inputs().get(0).name(), x).run();
        float[] p = s.output(g.outputs().get(0)).data();
        assertEquals(16, p.length);
        for (int row = 0; row < 2; row++) {
            double sum = 0;
            for (int i = 0; i < 8; i++) { assertTrue(p[row * 8 + i] >= 0); sum += p[row * 8 + i]; }
            assertEquals(1.0, sum, 1e-4, "softmax output");
        }
    }
}
