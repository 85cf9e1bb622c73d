package dev.mien.engine.runtime;

import dev.mien.engine.GraphBuilder;
import dev.mien.engine.Model;
import dev.mien.engine.Session;
import dev.mien.engine.Tensor;
import dev.mien.engine.ir.Attrs;
import dev.mien.engine.ir.Graph;
import dev.mien.engine.ir.GraphException;
import dev.mien.engine.ops.ShapeInference;
import dev.mien.engine.ir.Op;
import dev.mien.kernels.KernelRegistry;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class PlannerTest {
    @Test
    void chainReusesBuffersByLiveness() {
        GraphBuilder b = new GraphBuilder(1);
        String x = b.input("x", 8, 8, 4);
        for (int i = 0; i < 10; i++) x = b.act(x, i % 2 == 0 ? "relu" : "tanh");
        Graph g = b.build(x);
        Plan p = Planner.plan(g, 2, new LoweringContexts(KernelRegistry.create("scalar", 1)).of(RunOptions.DEFAULT));
        assertEquals(10, p.stepCount());
        // the input's own buffer (kept for the whole run) and two buffers used in turn, never one per value
        assertEquals(3, p.slotSizes.length);
        assertEquals(3L * 2 * 8 * 8 * 4 * 4, p.activationBytes());
    }

    @Test
    void reshapeAliasesItsInputAndKeepsItAlive() {
        GraphBuilder b = new GraphBuilder(2);
        String x = b.input("x", 2, 3, 4);
        String r = b.node(Op.RESHAPE, x, new Attrs().set("shape", new int[]{6, -1}));
        String y = b.act(r, "relu");
        String f = b.node(Op.FLATTEN, y, new Attrs());
        Graph g = b.build(f);
        Model m = new Model(g, KernelRegistry.create("scalar", 1));
        Tensor in = b.random(1, 2, 3, 4);
        Tensor out = m.run(Map.of("x", in)).get(f);
        assertArrayEquals(new int[]{1, 24}, out.shape());
        for (int i = 0; i < 24; i++) assertEquals(Math.max(0f, in.data()[i]), out.data()[i]);
    }

    @Test
    void shapeErrorsNameTheNode() {
        GraphBuilder b = new GraphBuilder(3);
        String x = b.input("x", 4, 4, 3);
        String c = b.conv(x, 5, 8, 3, 1, 1, 1, "none", true); // weight expects 5 input channels
        GraphException e = assertThrows(GraphException.class, () -> ShapeInference.infer(b.build(c), 1));
        assertTrue(e.getMessage().contains(c), e.getMessage());
        assertTrue(e.getMessage().contains("channels"), e.getMessage());
    }

    @Test
    void unknownInputValueIsReported() {
        GraphBuilder b = new GraphBuilder(4);
        b.input("x", 2, 2, 1);
        String y = b.node(Op.ACTIVATION, "nope", new Attrs().set("activation", "relu"));
        GraphException e = assertThrows(GraphException.class, () -> ShapeInference.infer(b.build(y), 1));
        assertTrue(e.getMessage().contains("nope"));
    }

    @Test
    void warmSessionRunAllocatesNothing() {
        GraphBuilder b = new GraphBuilder(5);
        String x = b.input("x", 12, 12, 3);
        String c = b.conv(x, 3, 8, 3, 1, 1, 1, "relu", true);
        String p = b.node(Op.MAX_POOL2D, c, new Attrs().set("kernel", new int[]{2, 2}));
        String c2 = b.conv(p, 8, 8, 3, 1, 1, 1, "none", true);
        String s = b.node(Op.ADD, List.of(c2, p), null, null);
        String gp = b.node(Op.GLOBAL_AVG_POOL, s, new Attrs());
        Graph g = b.build(gp);
        Model m = new Model(g, KernelRegistry.create("scalar", 1));
        Session session = m.newSession(2, RunOptions.DEFAULT);
        session.setInput("x", b.random(2, 12, 12, 3).data());
        for (int i = 0; i < 200; i++) session.run();
        var mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().threadId();
        long before = mx.getThreadAllocatedBytes(tid);
        for (int i = 0; i < 50; i++) session.run();
        long allocated = mx.getThreadAllocatedBytes(tid) - before;
        assertTrue(allocated < 1024, "warm runs allocated " + allocated + " bytes");
    }

    @Test
    void repeatedRunsWithoutNewInputsGiveTheSameOutputs() {
        // A chain long enough that liveness frees the input early: its storage must still not be
        // reused for an intermediate value, or the second run reads the first run's leftovers.
        GraphBuilder b = new GraphBuilder(7);
        String x = b.input("x", 10, 10, 4);
        String c1 = b.conv(x, 4, 4, 3, 1, 1, 1, "relu", true);
        String c2 = b.conv(c1, 4, 4, 3, 1, 1, 1, "relu", true);
        String c3 = b.conv(c2, 4, 4, 3, 1, 1, 1, "relu", true);
        String gp = b.node(Op.GLOBAL_AVG_POOL, c3, new Attrs());
        Graph g = b.build(gp);
        for (String kernels : List.of("scalar", "vector")) {
            Model m = new Model(g, KernelRegistry.create(kernels, 1));
            Session session = m.newSession(2, RunOptions.DEFAULT);
            float[] in = b.random(2, 10, 10, 4).data();
            session.setInput("x", in);
            float[] first = session.run().output(gp).data();
            for (int i = 0; i < 3; i++) assertArrayEquals(first, session.run().output(gp).data(), kernels + ": run " + (i + 2));
            float[] slot = session.outputBuffer("x");
            assertArrayEquals(in, java.util.Arrays.copyOf(slot, in.length), kernels + ": the input slot was overwritten");
            m.close();
        }
    }

    @Test
    void warmVectorRunsAllocateNothingOnAnyThread() {
        // Padded and unpadded convs, a depthwise conv, a pool, a residual add and a dense layer,
        // on the vector backend with a worker team. Until C2 has compiled the kernels the Vector
        // API runs as plain Java and boxes every vector, so this waits (bounded) for a quiet batch.
        // Alone, this graph settles at 0 bytes a run; after the other tests of this JVM it keeps
        // ~20, so the bound is 48 bytes a run: objects per kernel call (a captured lambda, a shape
        // record) came to ~490 bytes a run here, 8 calls a run.
        GraphBuilder b = new GraphBuilder(6);
        String x = b.input("x", 32, 32, 8);
        String c = b.conv(x, 8, 32, 3, 1, 1, 1, "relu", true);
        // Two dilated layers of different shapes (Winograd F(4x4) on their 16x16 phases, as in
        // LANMSFF), and one on 8x8 phases (F(2x2)): each call's phase shape is made once, not per run.
        String e = dilated(b, dilated(b, c, 32, 40), 40, 32);
        String d = b.conv(e, 32, 32, 3, 2, 1, 32, "relu6", true);
        String p = b.node(Op.MAX_POOL2D, c, new Attrs().set("kernel", new int[]{2, 2}));
        String s = dilated(b, b.node(Op.ADD, List.of(d, p), null, null), 32, 32);
        String c2 = b.conv(s, 32, 48, 1, 1, 0, 1, "none", false);
        String g = b.node(Op.GLOBAL_AVG_POOL, c2, new Attrs());
        String f = b.node(Op.FLATTEN, g, new Attrs());
        String y = b.node(Op.DENSE, List.of(f), new Attrs().set("activation", "none"),
                java.util.Map.of("weight", b.random(48, 7), "bias", b.random(7)));
        Model m = new Model(b.build(y), KernelRegistry.create("vector", 2));
        Session session = m.newSession(2, RunOptions.DEFAULT);
        assertEquals(2, session.plan().stepAlgorithms().stream().filter("winograd4"::equals).count(), session.plan().stepAlgorithms().toString());
        assertEquals(1, session.plan().stepAlgorithms().stream().filter("winograd"::equals).count(), session.plan().stepAlgorithms().toString());
        session.setInput("x", b.random(2, 32, 32, 8).data());
        var mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long deadline = System.nanoTime() + 30_000_000_000L;
        long perBatch;
        do {
            long before = allocatedByRunningThreads(mx);
            for (int i = 0; i < 100; i++) session.run();
            perBatch = allocatedByRunningThreads(mx) - before;
        } while (perBatch >= 4800 && System.nanoTime() < deadline);
        assertTrue(perBatch < 4800, "100 warm runs still allocated " + perBatch + " bytes after 30 s");
    }

    /** A 3x3 convolution dilated by 2 with padding 2, as LANMSFF's two-path blocks have. */
    private static String dilated(GraphBuilder b, String x, int cin, int cout) {
        Attrs a = new Attrs().set("strides", new int[]{1, 1}).set("dilations", new int[]{2, 2}).set("pads", new int[]{2, 2, 2, 2})
                .set("groups", 1).set("activation", "relu");
        return b.node(Op.CONV2D, List.of(x), a, java.util.Map.of("weight", b.random(3, 3, cin, cout), "bias", b.random(cout)));
    }

    /** Bytes allocated so far by this thread and the kernel worker team. */
    private static long allocatedByRunningThreads(com.sun.management.ThreadMXBean mx) {
        long sum = 0;
        for (java.lang.management.ThreadInfo t : mx.getThreadInfo(mx.getAllThreadIds()))
            if (t != null && (t.getThreadId() == Thread.currentThread().threadId() || t.getThreadName().startsWith("mien-kernel")))
                sum += Math.max(0, mx.getThreadAllocatedBytes(t.getThreadId()));
        return sum;
    }
}
