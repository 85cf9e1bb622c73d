package dev.mien.tools;

import dev.mien.engine.Tensor;
import dev.mien.formats.manet.ManetRandomWeights;
import dev.mien.formats.safetensors.Safetensors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code --backend}: the CPU backends by name, and the optional tornadovm backend, which on a
 * JVM without TornadoVM (this test's) is a one-line error saying how to get it, never a run on
 * another backend.
 */
class BackendOptionTest {
    @TempDir static Path dir;
    static Path checkpoint;

    @BeforeAll
    static void makeModel() throws Exception {
        Map<String, Tensor> sd = ManetRandomWeights.stateDict(new int[]{8, 8, 16, 32, 64}, 7, 11);
        checkpoint = dir.resolve("manet-narrow.safetensors");
        Safetensors.write(checkpoint, sd, Map.of());
    }

    @Test
    void tornadovmWithoutTheSdkIsOneLineSayingHowToBuildIt() {
        CliTest.Result r = CliTest.mien("bench", "--arch", "manet", "--backend", "tornadovm", "--iterations", "1", "--warmup", "0");
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("--backend tornadovm") && r.err().contains("docs/TORNADOVM.md"), r.err());
        assertEquals("", r.out());
    }

    @Test
    void inspectShowsHowEveryStepRunsOnTheChosenBackend() {
        CliTest.Result r = CliTest.mien("inspect", checkpoint.toString(), "--backend", "scalar");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("backend:       scalar"), r.out());
        assertTrue(r.out().contains("host steps:    none"), r.out());
        assertTrue(r.out().matches("(?s).*steps: +\\d+ at batch 1; \\d+ backend kernels \\{.*conv2d=\\d+.*"), r.out());
    }

    @Test
    void backendAndKernelsMustAgree() {
        CliTest.Result r = CliTest.mien("inspect", checkpoint.toString(), "--backend", "scalar", "--kernels", "vector");
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("disagree"), r.err());
        CliTest.Result same = CliTest.mien("bench", "--arch", "lanmsff", "--backend", "scalar", "--iterations", "1", "--warmup", "0", "--warmup-seconds", "0");
        assertEquals(0, same.code(), same.err());
        assertTrue(same.out().contains("backend scalar"), same.out());
    }
}
