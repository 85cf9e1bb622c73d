package dev.mien.formats.manet;

import dev.mien.engine.Model;
import dev.mien.engine.Tensor;
import dev.mien.engine.ir.Graph;
import dev.mien.engine.passes.Passes;
import dev.mien.formats.Fixtures;
import dev.mien.formats.ModelLoader;
import dev.mien.formats.RandomModels;
import dev.mien.kernels.KernelRegistry;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** An all-NaN image through MA-Net gives NaN logits, as PyTorch does, on both kernel backends. */
class ManetNonFiniteTest {
    static Tensor nan(int n, int... sample) {
        int[] shape = new int[sample.length + 1];
        shape[0] = n;
        System.arraycopy(sample, 0, shape, 1, sample.length);
        float[] d = new float[(int) Tensor.sizeOf(shape)];
        Arrays.fill(d, Float.NaN);
        return new Tensor(shape, d);
    }

    static void assertAllNaN(Map<String, Tensor> out, List<String> names, String what) {
        for (String k : names)
            for (float v : out.get(k).data()) assertTrue(Float.isNaN(v), what + ": " + k + " holds " + v + " for an all-NaN input");
    }

    @Test
    void generatedManetGivesNaNLogits() {
        Graph g = Passes.optimize(ManetGraphBuilder.build(ManetRandomWeights.stateDict(ManetGraphTest.NARROW, 7, 11), 0.6f));
        for (String be : new String[]{"scalar", "vector"}) {
            Map<String, Tensor> out = new Model(g, KernelRegistry.create(be, 2)).run(Map.of("input", nan(1, 3, 224, 224)));
            assertAllNaN(out, List.of("fc_1", "fc_2", "logits"), be);
        }
    }

    @Test
    void kerasSeedNetworksGiveNaNScores() {
        // LANMSFF (PWFS, ChannelShuffle, MassAtt) and PAtt-Lite (attention) at full size, vector kernels.
        for (String arch : List.of("lanmsff", "patt-lite")) {
            Graph g = RandomModels.graph(arch, 5);
            var in = g.inputs().get(0);
            Map<String, Tensor> out = Model.of(g).run(Map.of(in.name(), nan(1, in.sampleShape())));
            assertAllNaN(out, g.outputs(), arch);
        }
    }

    @Test
    void fixtureCheckpointGivesNaNLogits() throws Exception {
        var dir = Fixtures.dir("manet");
        Graph g = ModelLoader.load(dir.resolve("manet-small.pth.tar")).graph();
        for (String be : new String[]{"scalar", "vector"}) {
            Map<String, Tensor> out = new Model(g, KernelRegistry.create(be, 2)).run(Map.of("input", nan(1, 3, 224, 224)));
            assertAllNaN(out, List.of("fc_1", "fc_2", "logits"), "manet-small " + be);
        }
    }
}
