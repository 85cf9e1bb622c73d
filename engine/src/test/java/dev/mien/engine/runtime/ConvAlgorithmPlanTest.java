package dev.mien.engine.runtime;

import dev.mien.engine.GraphBuilder;
import dev.mien.engine.Model;
import dev.mien.engine.Tensor;
import dev.mien.engine.ir.Attrs;
import dev.mien.engine.ir.Graph;
import dev.mien.engine.ir.Op;
import dev.mien.kernels.Backend;
import dev.mien.kernels.ConvAlgorithm;
import dev.mien.kernels.KernelRegistry;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The convolution algorithm is chosen when a plan is made, recorded per step, and can be forced. */
class ConvAlgorithmPlanTest {
    static final Backend VEC = KernelRegistry.create("vector", 2), REF = KernelRegistry.create("scalar", 1);

    /** A 7x7 map with a long reduction (MA-Net's patch layers, smaller), then a wider map. */
    static Graph dense() {
        GraphBuilder b = new GraphBuilder(8);
        String x = b.input("x", 7, 7, 160);
        String c = b.conv(x, 160, 64, 3, 1, 1, 1, "relu", true);              // reduction 1440: sliced at batch 1
        String u = b.node(Op.RESIZE, c, new Attrs().set("size", new int[]{28, 28}).set("mode", "nearest"));
        String d = b.conv(u, 64, 64, 3, 1, 1, 1, "none", true);               // 28x28x64: Winograd at batch 1, 2x28x28 direct
        return b.build(d);
    }

    @Test
    void eachConvStepRecordsTheAlgorithmForItsShape() {
        Model m = new Model(withDepthwise(), VEC);
        assertEquals(List.of("sliced", "depthwise"), convAlgorithms(m.plan(1, RunOptions.DEFAULT)));
        // At batch 8 these small weights run as image lanes: what runs is the one-image plan's choice.
        assertTrue(m.plan(8, RunOptions.DEFAULT).imageLanes());
        assertEquals(List.of("sliced", "depthwise"), convAlgorithms(m.plan(8, RunOptions.DEFAULT)));
        // The batch plan itself (lanes off) takes Winograd: 8 images make the map large enough.
        Plan batch = ImageLanesTest.planWithLanesOff(new Model(withDepthwise(), VEC), 8);
        assertFalse(batch.imageLanes());
        assertEquals(List.of("winograd", "depthwise"), convAlgorithms(batch));
        assertEquals(List.of("reference", "reference"), convAlgorithms(new Model(withDepthwise(), REF).plan(1, RunOptions.DEFAULT)));
    }

    static Graph withDepthwise() {
        GraphBuilder b = new GraphBuilder(9);
        String x = b.input("x", 7, 7, 160);
        String c = b.conv(x, 160, 64, 3, 1, 1, 1, "relu", true);
        String d = b.conv(c, 64, 64, 3, 1, 1, 64, "relu6", true);
        return b.build(d);
    }

    static List<String> convAlgorithms(Plan p) { return p.stepAlgorithms().stream().filter(s -> !s.isEmpty()).toList(); }

    @Test
    void forcedAlgorithmsMatchTheReference() {
        Graph g = dense();
        Tensor x = new GraphBuilder(2).random(1, 7, 7, 160);
        float[] exp = new Model(g, REF).run(Map.of("x", x)).get(g.outputs().get(0)).data();
        Model m = new Model(g, VEC);
        for (ConvAlgorithm a : List.of(ConvAlgorithm.DIRECT, ConvAlgorithm.INLINE, ConvAlgorithm.SLICED, ConvAlgorithm.WINOGRAD,
                ConvAlgorithm.WINOGRAD4, ConvAlgorithm.ROWS)) {
            RunOptions o = RunOptions.DEFAULT.withConvAlgorithm(a);
            assertEquals(List.of(a.label(), a.label()), convAlgorithms(m.plan(1, o)));
            float[] got = m.run(Map.of("x", x), o).get(g.outputs().get(0)).data();
            // Winograd's rounding is relative to the layer's output scale (its transforms add and
            // cancel terms of that size), not to each element: these unnormalised layers reach ~100.
            // F(4x4)'s larger coefficients round a few times more than F(2x2)'s.
            double tol = a == ConvAlgorithm.WINOGRAD ? 1e-5 * maxAbs(exp) : a == ConvAlgorithm.WINOGRAD4 ? F4_SCALE * maxAbs(exp) : 0;
            for (int i = 0; i < exp.length; i++)
                assertTrue(Math.abs(exp[i] - got[i]) <= 1e-4 + 1e-4 * Math.abs(exp[i]) + tol, a + ": element " + i + " expected " + exp[i] + " got " + got[i]);
        }
        // The plan's own choice is sliced (7x7 map, long reduction) then Winograd F(4x4) (28x28 map), at batch 1 and 2.
        float[] auto = m.run(Map.of("x", x)).get(g.outputs().get(0)).data();
        assertEquals(List.of("sliced", "winograd4"), convAlgorithms(m.plan(1, RunOptions.DEFAULT)));
        assertEquals(List.of("sliced", "winograd4"), convAlgorithms(m.plan(2, RunOptions.DEFAULT)));
        for (int i = 0; i < exp.length; i++)
            assertTrue(Math.abs(exp[i] - auto[i]) <= 1e-4 + 1e-4 * Math.abs(exp[i]) + F4_SCALE * maxAbs(exp), "auto: element " + i);
    }

    /** F(4x4, 3x3)'s rounding as a share of the layer's largest output (the kernels' tests measure 5e-6 to 1.2e-5). */
    static final double F4_SCALE = 2e-5;

    static double maxAbs(float[] a) {
        double m = 0;
        for (float v : a) m = Math.max(m, Math.abs(v));
        return m;
    }

    /** A stride-2 1x1 shortcut (MA-Net) and an odd-channel 1x1 (LANMSFF) on 16x16 maps, then a 3x3. */
    static Graph withPointwise() {
        GraphBuilder b = new GraphBuilder(10);
        String x = b.input("x", 32, 32, 40);
        String s = b.conv(x, 40, 96, 1, 2, 0, 1, "none", true);
        String p = b.conv(s, 96, 66, 1, 1, 0, 1, "relu", true);
        String c = b.conv(p, 66, 32, 3, 1, 1, 1, "relu", true);
        return b.build(c);
    }

    @Test
    void oneByOneStepsArePlannedPointwiseAndMatchTheReference() {
        Graph g = withPointwise();
        Model m = new Model(g, VEC);
        // The 3x3 on its 16x16 map: F(2x2) at batch 1 (and at batch 4, which runs as image lanes of
        // the one-image plan); a batch-4 plan takes F(4x4): 1024 pixels share its transformed weights.
        assertEquals(List.of("pointwise", "pointwise", "winograd"), convAlgorithms(m.plan(1, RunOptions.DEFAULT)));
        assertEquals(List.of("pointwise", "pointwise", "winograd"), convAlgorithms(m.plan(4, RunOptions.DEFAULT)));
        assertEquals(List.of("pointwise", "pointwise", "winograd4"), convAlgorithms(ImageLanesTest.planWithLanesOff(new Model(g, VEC), 4)));
        Tensor x = new GraphBuilder(3).random(2, 32, 32, 40);
        float[] exp = new Model(g, REF).run(Map.of("x", x)).get(g.outputs().get(0)).data();
        float[] got = m.run(Map.of("x", x)).get(g.outputs().get(0)).data();
        for (int i = 0; i < exp.length; i++)
            assertTrue(Math.abs(exp[i] - got[i]) <= 1e-4 + 1e-4 * Math.abs(exp[i]) + F4_SCALE * maxAbs(exp), "element " + i + " expected " + exp[i] + " got " + got[i]);
        // Forcing pointwise onto the 3x3 layer is refused when the plan is made.
        PlanException e = assertThrows(PlanException.class, () -> m.plan(1, RunOptions.DEFAULT.withConvAlgorithm(ConvAlgorithm.POINTWISE)));
        assertTrue(e.getMessage().contains("1x1"), e.getMessage());
    }

    @Test
    void forcingAnAlgorithmThatCannotRunALayerIsRefusedAtPlanTime() {
        Model m = new Model(withDepthwise(), VEC);
        PlanException e = assertThrows(PlanException.class, () -> m.plan(1, RunOptions.DEFAULT.withConvAlgorithm(ConvAlgorithm.DEPTHWISE)));
        assertTrue(e.getMessage().contains("cannot force convolution algorithm 'depthwise'"), e.getMessage());
        PlanException f = assertThrows(PlanException.class, () -> m.plan(1, RunOptions.DEFAULT.withConvAlgorithm(ConvAlgorithm.SLICED)));
        assertTrue(f.getMessage().contains("depthwise"), f.getMessage());
        assertThrows(PlanException.class, () -> new Model(dense(), REF).plan(1, RunOptions.DEFAULT.withConvAlgorithm(ConvAlgorithm.DIRECT)));
    }

    @Test
    void theSystemPropertyForcesToo() {
        Model m = new Model(dense(), VEC);
        String before = System.getProperty("mien.conv");
        System.setProperty("mien.conv", "direct");
        try {
            assertEquals(List.of("direct", "direct"), convAlgorithms(m.plan(1, RunOptions.DEFAULT)));
            System.setProperty("mien.conv", "bogus");
            PlanException e = assertThrows(PlanException.class, () -> new Model(dense(), VEC).plan(2, RunOptions.DEFAULT));
            assertTrue(e.getMessage().contains("bogus") && e.getMessage().contains("sliced"), e.getMessage());
        } finally {
            if (before == null) System.clearProperty("mien.conv"); else System.setProperty("mien.conv", before);
        }
    }
}
