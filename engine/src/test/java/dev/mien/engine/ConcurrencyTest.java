package dev.mien.engine;

import dev.mien.engine.ir.Attrs;
import dev.mien.engine.ir.Graph;
import dev.mien.engine.ir.Op;
import dev.mien.engine.runtime.RunOptions;
import dev.mien.kernels.KernelRegistry;
import dev.mien.kernels.WorkerTeam;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.*;

/** One model shared by several threads, at several batch sizes at once, gives each caller its own answer. */
class ConcurrencyTest {
    @Test
    void sharedModelIsThreadSafe() throws Exception {
        GraphBuilder b = new GraphBuilder(9);
        String x = b.input("x", 10, 10, 4);
        String c = b.conv(x, 4, 24, 3, 1, 1, 1, "relu", true);
        String p = b.node(Op.GLOBAL_AVG_POOL, c, new Attrs());
        Graph g = b.build(p);
        Model shared = new Model(g, KernelRegistry.auto(2));
        List<Tensor> inputs = new ArrayList<>();
        List<float[]> expected = new ArrayList<>();
        Model reference = new Model(g, KernelRegistry.create("scalar", 1));
        for (int i = 0; i < 12; i++) {
            Tensor in = b.random(1 + i % 3, 10, 10, 4);
            inputs.add(in);
            expected.add(reference.run(Map.of("x", in)).get(p).data());
        }
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int round = 0; round < 20; round++)
                for (int i = 0; i < inputs.size(); i++) {
                    int k = i;
                    results.add(pool.submit(() -> {
                        float[] got = shared.run(Map.of("x", inputs.get(k))).get(p).data();
                        float[] e = expected.get(k);
                        if (got.length != e.length) return false;
                        for (int j = 0; j < e.length; j++) if (Math.abs(got[j] - e[j]) > 1e-4 + 1e-4 * Math.abs(e[j])) return false;
                        return true;
                    }));
                }
            for (Future<Boolean> f : results) assertTrue(f.get(), "a concurrent run returned another caller's or a corrupt result");
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Eight callers (half platform, half virtual threads) on two models that share one worker
     * team, through Model.run and through their own sessions: every caller finishes, and every
     * result is bit-identical to the same model run by one thread (the kernels' sums do not
     * depend on how the team splits the work).
     */
    @Test
    @Timeout(300)
    void eightCallersOnTwoModelsOfOneTeamAllFinishWithExactResults() throws Exception {
        GraphBuilder b = new GraphBuilder(17);
        String x = b.input("x", 14, 14, 8);
        String c = b.conv(x, 8, 32, 3, 1, 1, 1, "relu", true);
        String d = b.conv(c, 32, 32, 3, 1, 1, 32, "relu6", true);
        String s = b.node(Op.ADD, List.of(c, d), null, null);
        String p = b.node(Op.GLOBAL_AVG_POOL, s, new Attrs());
        Graph g = b.build(p);
        // A builder of its own: b's graph already has an input "x" and its nodes.
        GraphBuilder b2 = new GraphBuilder(18);
        String x2 = b2.input("x", 14, 14, 8);
        String p2 = b2.node(Op.GLOBAL_MAX_POOL, b2.conv(x2, 8, 16, 1, 1, 0, 1, "relu", true), new Attrs());
        Graph g2 = b2.build(p2);
        int runs = 30;
        Tensor[] inputs = new Tensor[8];
        float[][] expected = new float[8][], expected2 = new float[8][];
        try (WorkerTeam team = new WorkerTeam(2); Model m1 = Model.of(g, team); Model m2 = Model.of(g2, team)) {
            for (int i = 0; i < 8; i++) {
                inputs[i] = b.random(1 + i % 2, 14, 14, 8);
                expected[i] = m1.run(Map.of("x", inputs[i])).get(p).data();
                expected2[i] = m2.run(Map.of("x", inputs[i])).get(p2).data();
            }
            List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
            AtomicInteger finished = new AtomicInteger();
            List<Thread> callers = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int k = t;
                Runnable caller = () -> {
                    try (Session own = m1.newSession(inputs[k].dim(0), RunOptions.DEFAULT)) {
                        for (int r = 0; r < runs; r++) {
                            float[] got = switch (r % 3) {
                                case 0 -> m1.run(Map.of("x", inputs[k])).get(p).data();
                                case 1 -> own.setInput("x", inputs[k].data()).run().output(p).data();
                                default -> m2.run(Map.of("x", inputs[k])).get(p2).data();
                            };
                            float[] want = r % 3 == 2 ? expected2[k] : expected[k];
                            if (!java.util.Arrays.equals(want, got)) throw new AssertionError("caller " + k + " run " + r + " differs from the single-threaded result");
                        }
                        finished.incrementAndGet();
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                };
                callers.add(t % 2 == 0 ? Thread.ofPlatform().start(caller) : Thread.ofVirtual().start(caller));
            }
            for (Thread t : callers) t.join();
            assertEquals(List.of(), failures);
            assertEquals(8, finished.get());
        }
    }
}
