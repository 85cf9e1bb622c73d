package dev.mien.ort;

import dev.mien.tools.cli.CliException;
import dev.mien.tools.compare.Timing;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class OrtBenchTest {
    @Test
    void printsATimingTheComparisonReads(@TempDir Path dir) throws Exception {
        Path f = Files.write(dir.resolve("tiny.onnx"), TinyOnnx.mulRelu(new float[]{1, 2, 3}, -1));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        OrtBench.run(List.of("--onnx", f.toString(), "--batch", "3", "--threads", "2", "--iterations", "5", "--warmup", "2", "--warmup-seconds", "0"),
                new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        Timing t = Timing.parse(out);
        assertTrue(t.minMs() <= t.medianMs() && t.medianMs() <= t.p90Ms());
        assertTrue(out.contains("threads 2  batch 3  (5 iterations after 2 warm-up)"), out);
    }

    @Test
    void badArgumentsAreOneLine(@TempDir Path dir) throws Exception {
        PrintStream sink = new PrintStream(new ByteArrayOutputStream());
        assertEquals(dir.resolve("x.onnx") + ": no such file",
                assertThrows(CliException.class, () -> OrtBench.run(List.of("--onnx", dir.resolve("x.onnx").toString()), sink)).getMessage());
        Path fixed = Files.write(dir.resolve("fixed.onnx"), TinyOnnx.mulRelu(new float[]{1, 2, 3}, 1));
        assertEquals("fixed.onnx: input x[1, 2, 3] has a fixed batch of 1, asked for 8",
                assertThrows(OrtRunException.class, () -> OrtBench.run(List.of("--onnx", fixed.toString(), "--batch", "8"), sink)).getMessage()
                        .replace(fixed.toString(), "fixed.onnx"));
    }

    @Test
    void percentilesMatchMienBench() {
        double[] s = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        assertEquals(5, OrtBench.percentile(s, 0.5));
        assertEquals(9, OrtBench.percentile(s, 0.9));
        assertEquals(1, OrtBench.percentile(new double[]{1}, 0.9));
    }
}
