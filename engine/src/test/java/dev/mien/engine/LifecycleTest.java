package dev.mien.engine;

import dev.mien.engine.ir.Attrs;
import dev.mien.engine.ir.Graph;
import dev.mien.engine.ir.Op;
import dev.mien.engine.runtime.RunOptions;
import dev.mien.kernels.Backend;
import dev.mien.kernels.KernelRegistry;
import dev.mien.kernels.WorkerTeam;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Closing models and sessions, a team shared by two models, idle kernel threads, runs from fresh virtual threads. */
class LifecycleTest {
    static final GraphBuilder B = new GraphBuilder(11);
    static final String OUT;
    static final Graph G;

    static {
        String x = B.input("x", 12, 12, 8);
        String c = B.conv(x, 8, 32, 3, 1, 1, 1, "relu", true);
        String d = B.conv(c, 32, 32, 3, 1, 1, 32, "relu6", true);
        String s = B.node(Op.ADD, java.util.List.of(c, d), null, null);
        OUT = B.node(Op.GLOBAL_AVG_POOL, s, new Attrs());
        G = B.build(OUT);
    }

    static Tensor input(int batch) { return B.random(batch, 12, 12, 8); }

    @Test
    void closeIsIdempotentAndAClosedModelOrSessionRefusesToRun() {
        Model m = Model.of(G);
        Tensor in = input(1);
        Session s = m.newSession(1, RunOptions.DEFAULT).setInput("x", in.data());
        s.run();
        Session other = m.newSession(1, RunOptions.DEFAULT);
        other.close();
        other.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, other::run);
        assertTrue(e.getMessage().contains("session is closed"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> other.setInput("x", in.data()));
        s.run();    // closing one session leaves the others alone
        m.run(in);
        m.close();
        m.close();
        assertTrue(m.isClosed());
        assertTrue(assertThrows(IllegalStateException.class, () -> m.run(in)).getMessage().contains("model is closed"));
        assertThrows(IllegalStateException.class, s::run);
        assertThrows(IllegalStateException.class, () -> m.newSession(1, RunOptions.DEFAULT));
        // Model.of made its backend, so the model closed it.
        assertThrows(IllegalStateException.class, () -> m.backend().newWorkspace());
    }

    @Test
    void aModelLeavesABackendItWasGivenOpen() {
        Backend be = KernelRegistry.create("scalar", 1);
        Tensor in = input(2);
        float[] expected;
        try (Model a = new Model(G, be)) { expected = a.run(in).get(OUT).data(); }
        try (Model b = new Model(G, be)) { assertArrayEquals(expected, b.run(in).get(OUT).data()); }
        be.close();
    }

    @Test
    @Timeout(60)
    void twoModelsShareOneTeamAndClosingOneLeavesTheOther() {
        Tensor in = input(2);
        try (WorkerTeam team = new WorkerTeam(2)) {
            Model a = Model.of(G, team), b = Model.of(G, team);
            float[] ra = a.run(in).get(OUT).data();
            assertArrayEquals(ra, b.run(in).get(OUT).data());
            a.close();
            assertFalse(team.isClosed());
            assertArrayEquals(ra, b.run(in).get(OUT).data());
            b.close();
        }
    }

    @Test
    @Timeout(60)
    void idleKernelThreadsSleepAfterARun() throws Exception {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        org.junit.jupiter.api.Assumptions.assumeTrue(mx.isThreadCpuTimeSupported(), "thread CPU time is not measurable on this JVM");
        if (!mx.isThreadCpuTimeEnabled()) mx.setThreadCpuTimeEnabled(true);
        try (Model m = Model.of(G)) {
            Tensor in = input(4);
            for (int i = 0; i < 20; i++) m.run(in);
            Thread.sleep(500);  // past the workers' spin window
            long before = kernelThreadsCpu(mx), t0 = System.nanoTime();
            Thread.sleep(3_000);
            long wall = System.nanoTime() - t0, used = kernelThreadsCpu(mx) - before;
            assertTrue(used < 0.02 * wall, "idle kernel threads used " + used / 1e6 + " ms of CPU in " + wall / 1e6 + " ms");
        }
    }

    /** CPU time of every kernel worker thread in this JVM (whichever teams the tests made). */
    static long kernelThreadsCpu(ThreadMXBean mx) {
        long sum = 0;
        for (java.lang.management.ThreadInfo t : mx.getThreadInfo(mx.getAllThreadIds()))
            if (t != null && t.getThreadName().startsWith("mien-kernel"))
                sum += Math.max(0, mx.getThreadCpuTime(t.getThreadId()));
        return sum;
    }

    @Test
    @Timeout(120)
    void runsFromFreshVirtualThreadsKeepNoStatePerThread() throws Exception {
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (Model m = new Model(G, KernelRegistry.auto(2)); Session s = m.newSession(2, RunOptions.DEFAULT)) {
            s.setInput("x", input(2).data());
            Tensor in = input(1);
            // Warm the kernels and the virtual-thread machinery.
            for (int i = 0; i < 300; i++) { s.run(); m.run(in); }
            freshThreads(200, () -> { });
            freshThreads(200, s::run);
            // A run on a new thread costs what a run on an old one does: the kernels' scratch lives in
            // the session, not in the thread. (Per-thread scratch was several KB for a new thread.)
            long extra = Long.MAX_VALUE, until = System.nanoTime() + 20_000_000_000L;
            // Retried for up to 20 s: contention from other processes, and code still running in C1's
            // version while C2 compiles the kernels (vectors boxed there), add transient allocation.
            for (int attempt = 0; extra >= 512 && (attempt < 12 || System.nanoTime() < until); attempt++) {
                long t0 = mx.getTotalThreadAllocatedBytes();
                freshThreads(200, () -> { });
                long t1 = mx.getTotalThreadAllocatedBytes();
                freshThreads(200, s::run);
                long t2 = mx.getTotalThreadAllocatedBytes();
                extra = ((t2 - t1) - (t1 - t0)) / 200;
            }
            assertTrue(extra < 512, "a session run on a fresh virtual thread allocated " + extra + " bytes more than an empty thread");
            // Model.run from fresh threads reuses one pooled context instead of making one per thread.
            freshThreads(300, () -> m.run(in));
            assertEquals(1, m.pooledBuffers());
        }
    }

    /** Runs {@code body} on {@code n} new virtual threads, one after another. */
    static void freshThreads(int n, Runnable body) throws InterruptedException {
        for (int i = 0; i < n; i++) Thread.ofVirtual().start(body).join();
    }
}
