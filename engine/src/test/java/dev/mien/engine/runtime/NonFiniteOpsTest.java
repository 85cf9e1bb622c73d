package dev.mien.engine.runtime;

import dev.mien.engine.GraphBuilder;
import dev.mien.engine.Model;
import dev.mien.engine.Tensor;
import dev.mien.engine.ir.Attrs;
import dev.mien.engine.ir.Graph;
import dev.mien.engine.ir.Op;
import dev.mien.kernels.KernelRegistry;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * NaN and infinities through the steps the engine computes itself (PWFS, PReLU, general
 * reductions, attention) and through a small network on both kernel backends: a NaN input
 * must come out as NaN, never as a finite score.
 */
class NonFiniteOpsTest {
    static final float NAN = Float.NaN, INF = Float.POSITIVE_INFINITY;
    static final String[] BACKENDS = {"scalar", "vector"};

    static Tensor run(Graph g, Tensor x, String backend) {
        Model m = new Model(g, KernelRegistry.create(backend, 2));
        return m.run(Map.of(g.inputs().get(0).name(), x)).get(g.outputs().get(0));
    }

    @Test
    void pwfsTakesTheExactMedianAndKeepsNaNAndInfinities() {
        GraphBuilder b = new GraphBuilder(1);
        String x = b.input("x", 1, 1, 3 * 6);
        Graph g = b.build(b.node(Op.PWFS, x, new Attrs()));
        // Channel j of each group: {a, b, c} = channels j, j+6, j+12.
        float[][] triples = {{INF, 1, 2}, {-INF, 1, 2}, {NAN, 1, 2}, {3, INF, -INF}, {0.1f, 0.7f, 0.3f}, {1e30f, -1e30f, 5}};
        float[] expected = {INF, 1.5f, NAN, 0.5f * (INF + 3), 0.5f * (0.7f + 0.3f), 0.5f * (1e30f + 5)};
        float[] in = new float[18];
        for (int j = 0; j < 6; j++) for (int k = 0; k < 3; k++) in[k * 6 + j] = triples[j][k];
        for (String be : BACKENDS) {
            float[] out = run(g, new Tensor(new int[]{1, 1, 1, 18}, in), be).data();
            for (int j = 0; j < 6; j++)
                if (Float.isNaN(expected[j])) assertTrue(Float.isNaN(out[j]), be + " PWFS " + j);
                else assertEquals(expected[j], out[j], be + " PWFS " + j);
        }
    }

    @Test
    void preluReductionsAndAttentionKeepNaN() {
        GraphBuilder b = new GraphBuilder(2);
        String x = b.input("x", 3, 4, 5);
        String pr = b.node(Op.PRELU, List.of(x), null, Map.of("alpha", b.random(1, 1, 5)));
        String rmax = b.node(Op.REDUCE, x, new Attrs().set("op", "max").set("axes", new int[]{1, 2}).set("keepdims", false));
        String rmin = b.node(Op.REDUCE, x, new Attrs().set("op", "min").set("axes", new int[]{1, 2}).set("keepdims", false));
        String rmean = b.node(Op.REDUCE, x, new Attrs().set("op", "mean").set("axes", new int[]{1, 2}).set("keepdims", false));
        String flat = b.node(Op.FLATTEN, x, new Attrs());
        String att = b.node(Op.ATTENTION, List.of(flat, flat), null, Map.of("scale", new Tensor(new int[]{1}, new float[]{0.1f})));
        Tensor in = b.random(2, 3, 4, 5);
        // Image 0: NaN at (1, 2, channel 3) only. Image 1 stays finite.
        in.data()[(1 * 4 + 2) * 5 + 3] = NAN;
        for (String be : BACKENDS) {
            Tensor p = run(b.build(pr), in, be);
            for (int i = 0; i < p.size(); i++)
                assertEquals(Float.isNaN(in.data()[i]), Float.isNaN(p.data()[i]), be + " PReLU element " + i);
            for (String r : new String[]{rmax, rmin, rmean}) {
                float[] o = run(b.build(r), in, be).data();   // [2, 5]
                for (int c = 0; c < 5; c++) {
                    assertEquals(c == 3, Float.isNaN(o[c]), be + " reduce image 0 channel " + c);
                    assertTrue(Float.isFinite(o[5 + c]), be + " reduce image 1 channel " + c);
                }
            }
            float[] a = run(b.build(att), in, RunOptions.DEFAULT.withBatchCoupledAttention(true), be).data();
            for (float v : a) assertTrue(Float.isNaN(v), be + ": batch-coupled attention with a NaN key is NaN, as in Keras");
            float[] per = run(b.build(att), in, RunOptions.DEFAULT, be).data();
            int half = per.length / 2;
            // Keras on a batch of one: softmax([NaN]) is NaN, so the NaN image's whole output is.
            for (int i = 0; i < per.length; i++)
                assertEquals(i < half, Float.isNaN(per[i]), be + " per-image attention element " + i);
        }
    }

    static Tensor run(Graph g, Tensor x, RunOptions o, String backend) {
        Model m = new Model(g, KernelRegistry.create(backend, 2));
        return m.run(Map.of(g.inputs().get(0).name(), x), o).get(g.outputs().get(0));
    }

    @Test
    void aNaNImageGivesNaNScoresAndLeavesItsNeighbourAlone() {
        GraphBuilder b = new GraphBuilder(3);
        String x = b.input("x", 12, 12, 3);
        String c1 = b.conv(x, 3, 24, 3, 1, 1, 1, "relu", true);
        String bn = b.batchNorm(c1, 24);
        String pool = b.node(Op.MAX_POOL2D, bn, new Attrs().set("kernel", new int[]{3, 3}).set("strides", new int[]{2, 2}).set("pads", new int[]{1, 1, 1, 1}));
        String dw = b.conv(pool, 24, 24, 3, 1, 1, 24, "relu6", true);
        String c2 = b.conv(dw, 24, 17, 1, 1, 0, 1, "leaky_relu", true);
        String gap = b.node(Op.GLOBAL_MAX_POOL, c2, new Attrs());
        String fc = b.node(Op.DENSE, List.of(gap), new Attrs().set("activation", "none"), Map.of("weight", b.random(17, 7), "bias", b.random(7)));
        String sm = b.node(Op.SOFTMAX, fc, new Attrs());
        Graph g = b.build(sm);
        Tensor finite = b.random(1, 12, 12, 3);
        Tensor pair = new Tensor(new int[]{2, 12, 12, 3}, new float[2 * 12 * 12 * 3]);
        java.util.Arrays.fill(pair.data(), 0, finite.size(), NAN);
        System.arraycopy(finite.data(), 0, pair.data(), finite.size(), finite.size());
        for (String be : BACKENDS) {
            float[] alone = run(g, finite, be).data();
            float[] both = run(g, pair, be).data();
            for (int i = 0; i < 7; i++) {
                assertTrue(Float.isNaN(both[i]), be + ": the NaN image's score " + i + " is NaN, got " + both[i]);
                assertTrue(Float.isFinite(alone[i]), be + " finite image score " + i);
                assertEquals(alone[i], both[7 + i], 1e-6f, be + ": the finite image's score " + i + " does not depend on its neighbour");
            }
        }
    }
}
