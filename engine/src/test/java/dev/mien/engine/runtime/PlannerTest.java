package dev.mien.engine.runtime;

import dev.mien.engine.GraphBuilder;
import dev.mien.engine.Model;
import dev.mien.engine.Session;
import dev.mien.engine.Tensor;
import dev.mien.engine.ir.Attrs;
import dev.mien.engine.ir.Graph;
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
        // two buffers used in turn (the input's is free once read), never one per value
        assertEquals(2, p.slotSizes.length);
        assertEquals(2L * 2 * 8 * 8 * 4 * 4, p.activationBytes());
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
        PlanException e = assertThrows(PlanException.class, () -> Planner.inferShapes(b.build(c), 1));
        assertTrue(e.getMessage().contains(c), e.getMessage());
        assertTrue(e.getMessage().contains("channels"), e.getMessage());
    }

    @Test
    void unknownInputValueIsReported() {
        GraphBuilder b = new GraphBuilder(4);
        b.input("x", 2, 2, 1);
        String y = b.node(Op.ACTIVATION, "nope", new Attrs().set("activation", "relu"));
        PlanException e = assertThrows(PlanException.class, () -> Planner.inferShapes(b.build(y), 1));
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
}
