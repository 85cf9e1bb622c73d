package dev.mien.tornado;

import dev.mien.engine.Model;
import dev.mien.engine.Tensor;
import dev.mien.engine.io.Npy;
import dev.mien.engine.ir.Graph;
import dev.mien.engine.runtime.Plan;
import dev.mien.engine.runtime.RunOptions;
import dev.mien.engine.runtime.StepKind;
import dev.mien.formats.ModelLoader;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Every fixture network on the device against the CPU backend: |a-b| <= 1e-4 + 1e-4|b| and the
 * same top-1 per row, with the fixture's own inputs. Also checks that a second run replays the
 * compiled program (same numbers) and that every step of each plan runs on the device.
 */
class NetworkParityTest {

    static Path fixtures(String name) {
        String p = System.getProperty("mien.fixtures");
        if (p == null || p.isBlank()) p = System.getenv("MIEN_FIXTURES");
        Path d = p == null || p.isBlank() ? Path.of("../../shared/fixtures", name) : Path.of(p, name);
        Assumptions.assumeTrue(Files.isDirectory(d), "reference fixtures not found at " + d + " (set -Dmien.fixtures=...); skipping parity test");
        return d;
    }

    static void assertParity(Tensor cpu, Tensor dev, String what) {
        assertArrayEquals(cpu.shape(), dev.shape(), what + " shape");
        float[] e = cpu.data(), a = dev.data();
        double worst = 0;
        for (int i = 0; i < e.length; i++) {
            double d = Math.abs(a[i] - e[i]);
            worst = Math.max(worst, d);
            assertTrue(d <= 1e-4 + 1e-4 * Math.abs(e[i]), what + " element " + i + ": cpu " + e[i] + " device " + a[i]);
        }
        int cols = cpu.dim(-1);
        for (int r = 0; r < e.length / cols; r++) assertEquals(argmax(e, r * cols, cols), argmax(a, r * cols, cols), what + " top-1 row " + r);
        System.out.printf("%s: max |cpu - device| = %.3g over %d values%n", what, worst, e.length);
    }

    static int argmax(float[] v, int off, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) if (v[off + i] > v[off + best]) best = i;
        return best;
    }

    /** Runs {@code input} on the CPU and on the device (twice: the second replays the program); compares every graph output. */
    static void compare(Graph g, Tensor input, RunOptions options, String what) {
        TornadoBackend device = Device.backend();
        try (Model cpu = Model.of(g); Model dev = new Model(g, device)) {
            Map<String, Tensor> in = Map.of(g.inputs().get(0).name(), input);
            Map<String, Tensor> want = cpu.run(in, options), got = dev.run(in, options), again = dev.run(in, options);
            Plan plan = dev.plan(input.dim(0), options);
            for (int i = 0; i < plan.stepCount(); i++) assertEquals(StepKind.BACKEND, plan.stepKinds().get(i), what + " step " + plan.stepNames().get(i));
            for (String out : g.outputs()) {
                assertParity(want.get(out), got.get(out), what + " " + out);
                assertArrayEquals(got.get(out).data(), again.get(out).data(), what + " " + out + ": a replayed run differs");
            }
        }
    }

    @Test
    void manetSmall() throws Exception {
        Path dir = fixtures("manet");
        Graph g = ModelLoader.load(dir.resolve("manet-small.pth.tar")).graph();
        compare(g, Npy.read(dir.resolve("input_face.npy")), RunOptions.DEFAULT, "MA-Net small face");
        compare(g, Npy.read(dir.resolve("input_random.npy")), RunOptions.DEFAULT, "MA-Net small random batch 2");
    }

    @Test
    void lanmsff() throws Exception {
        Path dir = fixtures("lanmsff");
        Graph g = ModelLoader.load(dir.resolve("lanmsff.keras")).graph();
        compare(g, Npy.read(dir.resolve("input_random.npy")), RunOptions.DEFAULT, "LANMSFF random batch 2");
    }

    @Test
    void pattLite() throws Exception {
        Path dir = fixtures("patt-lite");
        Graph g = ModelLoader.load(dir.resolve("patt-lite.h5")).graph();
        compare(g, Npy.read(dir.resolve("input_face.npy")), RunOptions.DEFAULT, "PAtt-Lite face");
        compare(g, Npy.read(dir.resolve("input_random.npy")), RunOptions.DEFAULT.withBatchCoupledAttention(true), "PAtt-Lite random batch 3, batch-coupled attention");
    }

    @Test
    void kerasReal() throws Exception {
        Path dir = fixtures("keras-real");
        Tensor in = Npy.read(dir.resolve("input_test_image.npy"));
        for (String m : new String[]{"fer2013_mini_XCEPTION.102-0.66.hdf5", "mini_XCEPTION_KDEF.hdf5", "tiny_XCEPTION_KDEF.hdf5", "fer2013_big_XCEPTION.54-0.66.hdf5"})
            compare(ModelLoader.load(dir.resolve(m)).graph(), in, RunOptions.DEFAULT, m + " batch 7");
        compare(ModelLoader.load(dir.resolve("gender_mini_XCEPTION.21-0.95.hdf5")).graph(), Npy.read(dir.resolve("input_gender_test_image.npy")),
                RunOptions.DEFAULT, "gender_mini_XCEPTION batch 7");
    }
}
