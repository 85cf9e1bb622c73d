package dev.mien.engine;

import dev.mien.engine.ir.Attrs;
import dev.mien.engine.ir.Graph;
import dev.mien.engine.ir.Op;
import dev.mien.kernels.KernelRegistry;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
}
