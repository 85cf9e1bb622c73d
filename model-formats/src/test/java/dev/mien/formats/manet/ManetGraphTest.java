package dev.mien.formats.manet;

import dev.mien.engine.Model;
import dev.mien.engine.Tensor;
import dev.mien.engine.io.ModelFile;
import dev.mien.engine.ir.Graph;
import dev.mien.engine.ir.Op;
import dev.mien.engine.passes.Passes;
import dev.mien.engine.runtime.RunOptions;
import dev.mien.kernels.KernelRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** MA-Net built from generated state_dicts: runs without the reference fixtures. */
class ManetGraphTest {
    static final int[] NARROW = {8, 8, 16, 32, 64};
    @TempDir Path dir;

    static Tensor input(int n, long seed) {
        Random r = new Random(seed);
        float[] d = new float[n * 3 * 224 * 224];
        for (int i = 0; i < d.length; i++) d[i] = r.nextFloat();
        return new Tensor(new int[]{n, 3, 224, 224}, d);
    }

    static void assertClose(Tensor e, Tensor a, String what) {
        assertArrayEquals(e.shape(), a.shape(), what);
        for (int i = 0; i < e.size(); i++)
            assertEquals(e.data()[i], a.data()[i], 1e-4 + 1e-4 * Math.abs(e.data()[i]), what + " at " + i);
    }

    @Test
    void optimisedGraphMatchesTheLiteralOneAndOutputsAreFused() {
        Graph g = ManetGraphBuilder.build(ManetRandomWeights.stateDict(NARROW, 7, 3), 0.6f);
        Graph o = Passes.optimize(g, java.util.Set.of("layer2", "layer4_1_p1"));
        assertEquals(0, o.nodes().stream().filter(n -> n.op() == Op.BATCH_NORM).count());
        assertEquals(104, o.nodes().stream().filter(n -> n.op() == Op.CONV2D).count(), "every conv kept, BN folded into it");
        // the residual add and its ReLU ride in the second conv of each plain BasicBlock (4 in layer1/2 + 2 per patch layer3)
        assertTrue(o.nodes().stream().filter(n -> n.op() == Op.CONV2D && n.inputs().size() == 2).count() >= 4);
        assertTrue(o.nodes().size() < g.nodes().size() * 3 / 4, o.nodes().size() + " vs " + g.nodes().size());
        var be = KernelRegistry.create("scalar", 1);
        Tensor x = input(2, 1);
        RunOptions keep = RunOptions.DEFAULT.withExtraOutputs(List.of("layer2", "layer4_1_p1"));
        Map<String, Tensor> ref = new Model(g, be).run(Map.of("input", x), keep);
        Map<String, Tensor> opt = new Model(o, KernelRegistry.auto(2)).run(Map.of("input", x), keep);
        for (String k : List.of("fc_1", "fc_2", "logits", "layer2", "layer4_1_p1")) assertClose(ref.get(k), opt.get(k), k);
        assertArrayEquals(new int[]{2, 16, 28, 28}, opt.get("layer2").shape(), "intermediates come back NCHW");
        float[] l = opt.get("logits").data(), a = opt.get("fc_1").data(), b = opt.get("fc_2").data();
        for (int i = 0; i < l.length; i++) assertEquals(0.6f * a[i] + 0.4f * b[i], l[i], 1e-6f + 1e-6f * Math.abs(l[i]));
        assertEquals("manet", o.card().architecture());
        assertEquals(ManetGraphBuilder.CLASSES, o.card().labels());
        assertEquals("logits", o.card().output());
        assertFalse(o.card().softmax());
        assertEquals(0.6, (Double) o.card().extra().get("beta"), 0.0, "beta stored as a number, not text");
    }

    @Test
    void betaIsSettable() {
        Map<String, Tensor> sd = ManetRandomWeights.stateDict(NARROW, 7, 4);
        Model m = Model.of(Passes.optimize(ManetGraphBuilder.build(sd, 1.0f)));
        Map<String, Tensor> out = m.run(Map.of("input", input(1, 2)));
        assertArrayEquals(out.get("fc_1").data(), out.get("logits").data());
        assertThrows(IllegalArgumentException.class, () -> ManetGraphBuilder.build(sd, 1.5f));
    }

    @Test
    void classCountComesFromTheHeads() {
        Graph g = Passes.optimize(ManetGraphBuilder.build(ManetRandomWeights.stateDict(NARROW, 12666, 5), 0.6f));
        Map<String, Tensor> out = Model.of(g).run(Map.of("input", input(1, 3)));
        assertArrayEquals(new int[]{1, 12666}, out.get("logits").shape());
        assertTrue(g.card().labels().isEmpty(), "RAF-DB names only for 7 classes");
        assertEquals(12666L, g.card().extra().get("num_classes"));
    }

    @Test
    void fullWidthNetworkHasThePublishedSize() {
        Graph g = ManetGraphBuilder.build(ManetRandomWeights.full(1), 0.6f);
        long macs = dev.mien.engine.runtime.Planner.macs(g, 1);
        assertEquals(3.64e9, macs, 0.02e9, "MA-Net is 3.64 GMAC per image");
    }

    @Test
    void convertedFileRunsIdentically() throws Exception {
        Graph g = Passes.optimize(ManetGraphBuilder.build(ManetRandomWeights.stateDict(NARROW, 7, 6), 0.6f));
        Path f = dir.resolve("manet.mien");
        ModelFile.write(f, g);
        Model a = Model.of(g), b = Model.load(f);
        Tensor x = input(1, 4);
        assertArrayEquals(a.run(x).get("logits").data(), b.run(x).get("logits").data());
    }

    @Test
    void brokenStateDictsAreExplained() {
        Map<String, Tensor> sd = new LinkedHashMap<>(ManetRandomWeights.stateDict(NARROW, 7, 7));
        sd.remove("layer3_2.1.bn2_2_3.running_var");
        var e = assertThrows(ManetFormatException.class, () -> ManetGraphBuilder.build(sd, 0.6f));
        assertTrue(e.getMessage().contains("layer3_2.1.bn2_2_3.running_var"), e.getMessage());

        Map<String, Tensor> extra = new LinkedHashMap<>(ManetRandomWeights.stateDict(NARROW, 7, 7));
        extra.put("layer9.weight", new Tensor(new int[]{1}, new float[1]));
        assertTrue(assertThrows(ManetFormatException.class, () -> ManetGraphBuilder.build(extra, 0.6f)).getMessage().contains("layer9.weight"));

        Map<String, Tensor> shape = new LinkedHashMap<>(ManetRandomWeights.stateDict(NARROW, 7, 7));
        shape.put("layer1.0.bn1.weight", new Tensor(new int[]{3}, new float[3]));
        assertTrue(assertThrows(ManetFormatException.class, () -> ManetGraphBuilder.build(shape, 0.6f)).getMessage().contains("layer1.0.bn1.weight"));

        assertThrows(ManetFormatException.class, () -> ManetGraphBuilder.build(Map.of("w", new Tensor(new int[]{1}, new float[1])), 0.6f));
    }
}
