package dev.mien.engine.runtime;

import dev.mien.engine.Assertions2;
import dev.mien.engine.GraphBuilder;
import dev.mien.engine.Model;
import dev.mien.engine.Session;
import dev.mien.engine.Tensor;
import dev.mien.engine.ir.Attrs;
import dev.mien.engine.ir.Graph;
import dev.mien.engine.ir.Op;
import dev.mien.kernels.KernelRegistry;
import dev.mien.kernels.WorkerTeam;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.*;

/** A batch run as whole images side by side: when it is chosen, and that it computes what the batch plan does. */
class ImageLanesTest {
    /** A small network: padded and depthwise convs, a residual add, pooling and a dense head (weights well under the limit). */
    static Graph net(GraphBuilder b) {
        String x = b.input("x", 12, 12, 3);
        String c = b.conv(x, 3, 16, 3, 2, 1, 1, "relu", true);
        String d = b.conv(c, 16, 16, 3, 1, 1, 16, "relu6", true);
        String s = b.node(Op.ADD, List.of(c, d), null, null);
        String p = b.conv(s, 16, 24, 1, 1, 0, 1, "none", true);
        String g = b.node(Op.GLOBAL_AVG_POOL, p, new Attrs());
        String f = b.node(Op.FLATTEN, g, new Attrs());
        String y = b.node(Op.DENSE, List.of(f), new Attrs().set("activation", "none"), Map.of("weight", b.random(24, 5), "bias", b.random(5)));
        return b.build(y);
    }

    @Test
    void aBatchOfSmallWeightsRunsAsImageLanesAndMatchesTheReference() {
        GraphBuilder b = new GraphBuilder(11);
        Graph g = net(b);
        String y = g.outputs().get(0);
        Tensor in = b.random(5, 12, 12, 3);
        Tensor expected;
        try (Model ref = new Model(g, KernelRegistry.create("scalar", 1))) {
            expected = ref.run(Map.of("x", in)).get(y);
        }
        try (WorkerTeam team = new WorkerTeam(2); Model m = Model.of(g, team)) {
            assertTrue(m.plan(5, RunOptions.DEFAULT).imageLanes(), "batch 5 of a 30 KB network on 2 threads");
            assertFalse(m.plan(1, RunOptions.DEFAULT).imageLanes(), "one image has nothing to spread");
            try (Session s = m.newSession(5, RunOptions.DEFAULT)) {
                s.setInput("x", in.data());
                Tensor first = s.run().output(y);
                Assertions2.assertClose(expected, first, 1e-4f, 1e-4f, "image lanes vs the scalar reference");
                // Each image on its own, through the one-image plan, gives the same bits.
                for (int i = 0; i < 5; i++) {
                    float[] one = java.util.Arrays.copyOfRange(in.data(), i * 12 * 12 * 3, (i + 1) * 12 * 12 * 3);
                    try (Session single = m.newSession(1, RunOptions.DEFAULT)) {
                        float[] got = single.setInput("x", one).run().output(y).data();
                        assertArrayEquals(got, java.util.Arrays.copyOfRange(first.data(), i * 5, (i + 1) * 5), "image " + i);
                    }
                }
                // Repeated runs read the same inputs and give the same outputs.
                assertArrayEquals(first.data(), s.run().output(y).data());
                // A profiled run takes each image through the one-image plan on the lanes, step by step: same outputs, every step timed.
                long[] nanos = new long[s.plan().stepCount()];
                assertArrayEquals(first.data(), s.runProfiled(nanos).output(y).data());
                for (int i = 0; i < nanos.length; i++) assertTrue(nanos[i] > 0, "step " + s.plan().stepNames().get(i) + " was not timed");
                // Only the batch's input and output live in the session's own buffers; the lanes hold one image each.
                try (Model batchOnly = Model.of(g, team)) {
                    Plan whole = planWithLanesOff(batchOnly, 5);
                    assertFalse(whole.imageLanes());
                    assertTrue(s.plan().activationBytes() < whole.activationBytes(),
                            s.plan().activationBytes() + " bytes with lanes, " + whole.activationBytes() + " for the batch plan");
                    // Exactly the batch's input and output at their own sizes plus one image plan per lane: not the
                    // batch plan's slots, which the planner shares between values (the output's held an activation).
                    long io = 4L * (5 * 12 * 12 * 3 + 5 * 5);
                    assertEquals(io + 2 * m.plan(1, RunOptions.DEFAULT).activationBytes(), s.plan().activationBytes());
                    assertTrue(whole.slotSizes[whole.outputSlots[0]] > 5 * 5,
                            "the batch plan's output takes a slot that held a larger activation (what this check is about)");
                }
            }
        }
    }

    @Test
    void aProfileOfLanesSideBySideSharesEachStepOverTheLanesThatRan() {
        long[] nanos = {5, 0, 0};
        // Two lanes ran images: each step gets the mean of the two lanes' times, added to what was there.
        ImageLanes.addShare(new long[][]{{10, 20, 30}, {30, 40, 50}}, new int[]{3, 2}, nanos);
        assertArrayEquals(new long[]{25, 30, 40}, nanos);
        // One lane of two got every image (a batch of one, or a sleepy neighbour): its own times, not halved.
        long[] one = new long[3];
        ImageLanes.addShare(new long[][]{{0, 0, 0}, {8, 6, 4}}, new int[]{0, 4}, one);
        assertArrayEquals(new long[]{8, 6, 4}, one);
        // No lane ran: nothing added.
        long[] none = {1, 2, 3};
        ImageLanes.addShare(new long[][]{{9, 9, 9}}, new int[]{0}, none);
        assertArrayEquals(new long[]{1, 2, 3}, none);
    }

    /** {@code m}'s plan for {@code batch} made with {@code -Dmien.imageLanes=off} (the property restored afterwards). */
    static Plan planWithLanesOff(Model m, int batch) {
        String old = System.setProperty("mien.imageLanes", "off");
        try {
            return m.plan(batch, RunOptions.DEFAULT);
        } finally {
            if (old == null) System.clearProperty("mien.imageLanes"); else System.setProperty("mien.imageLanes", old);
        }
    }

    @Test
    void onOneThreadTheImagesRunOneAfterAnother() {
        GraphBuilder b = new GraphBuilder(15);
        Graph g = net(b);
        String y = g.outputs().get(0);
        Tensor in = b.random(3, 12, 12, 3);
        Tensor expected;
        try (Model ref = new Model(g, KernelRegistry.create("scalar", 1))) {
            expected = ref.run(Map.of("x", in)).get(y);
        }
        try (Model one = new Model(g, KernelRegistry.create("vector", 1))) {
            assertTrue(one.plan(3, RunOptions.DEFAULT).imageLanes(), "small weights on one thread: image after image");
            Assertions2.assertClose(expected, one.run(Map.of("x", in)).get(y), 1e-4f, 1e-4f, "one lane vs the scalar reference");
        }
    }

    @Test
    void notChosenOnTheReferenceBackendForBatchCoupledAttentionOrWhenForcedOff() {
        GraphBuilder b = new GraphBuilder(12);
        Graph g = net(b);
        try (Model scalar = new Model(g, KernelRegistry.create("scalar", 1))) {
            assertFalse(scalar.plan(4, RunOptions.DEFAULT).imageLanes(), "the scalar backend has no serial workspace");
        }
        try (WorkerTeam team = new WorkerTeam(2); Model m = Model.of(g, team)) {
            assertFalse(m.plan(4, RunOptions.DEFAULT.withBatchCoupledAttention(true)).imageLanes(), "batch-coupled attention mixes images");
            assertFalse(planWithLanesOff(m, 3).imageLanes(), "mien.imageLanes=off");
        }
    }

    @Test
    void valuesThatAreNotPerImageRuleItOut() {
        GraphBuilder b = new GraphBuilder(13);
        Graph g = net(b);
        try (WorkerTeam team = new WorkerTeam(2); Model m = Model.of(g, team)) {
            Plan four = m.plan(4, RunOptions.DEFAULT), one = m.plan(1, RunOptions.DEFAULT);
            assertTrue(ImageLanes.perImage(four, one));
            // A plan whose values do not scale with the batch (here: the batch-4 plan against itself) is refused.
            assertFalse(ImageLanes.perImage(four, four));
            assertFalse(ImageLanes.pays(four, four, RunOptions.DEFAULT, 1000));
            // Weights above the limit keep the batch plan, which reads them once per batch.
            assertFalse(ImageLanes.pays(four, one, RunOptions.DEFAULT, ImageLanes.MAX_WEIGHT_BYTES + 1));
            assertTrue(ImageLanes.pays(four, one, RunOptions.DEFAULT, ImageLanes.MAX_WEIGHT_BYTES));
        }
    }

    @Test
    @Timeout(60)
    void concurrentSessionsOnOneTeamEachGetTheirOwnImagesBack() throws Exception {
        GraphBuilder b = new GraphBuilder(14);
        Graph g = net(b);
        String y = g.outputs().get(0);
        try (WorkerTeam team = new WorkerTeam(2); Model m = Model.of(g, team)) {
            int callers = 4;
            Tensor[] in = new Tensor[callers];
            Tensor[] expected = new Tensor[callers];
            for (int c = 0; c < callers; c++) {
                in[c] = b.random(3, 12, 12, 3);
                expected[c] = m.run(Map.of("x", in[c])).get(y);
            }
            ExecutorService pool = Executors.newFixedThreadPool(callers);
            try {
                List<Future<?>> fs = new ArrayList<>();
                for (int c = 0; c < callers; c++) {
                    int k = c;
                    fs.add(pool.submit(() -> {
                        try (Session s = m.newSession(3, RunOptions.DEFAULT)) {
                            for (int r = 0; r < 50; r++)
                                assertArrayEquals(expected[k].data(), s.setInput("x", in[k].data()).run().output(y).data(), "caller " + k + " run " + r);
                        }
                        return null;
                    }));
                }
                for (Future<?> f : fs) f.get();
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
