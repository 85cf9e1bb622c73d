package dev.mien.tools.compare;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class ComparisonTest {
    static Timing t(double median) { return new Timing(median * 0.9, median, median * 1.2); }

    @Test
    void parsesTheLastJsonLineOfABenchmark() {
        String out = "model x  threads 2\nlatency ms: min 1.00\n{\"min_ms\":1.5,\"median_ms\":2.0,\"p90_ms\":2.5,\"gflops\":3}\n";
        assertEquals(new Timing(1.5, 2.0, 2.5), Timing.parse(out));
        assertEquals(new Timing(1, 2, 3, 0.25), Timing.parse("{\"min_ms\":1,\"median_ms\":2,\"p90_ms\":3,\"gmac_per_image\":0.25}"));
        String two = "{\"min_ms\":9,\"median_ms\":9,\"p90_ms\":9}\n{\"min_ms\":1,\"median_ms\":2,\"p90_ms\":3}";
        assertEquals(new Timing(1, 2, 3), Timing.parse(two), "the last JSON line wins");
    }

    @Test
    void refusesOutputWithoutAUsableResult() {
        assertEquals("it printed no JSON result line", assertThrows(IllegalArgumentException.class, () -> Timing.parse("hello\n")).getMessage());
        assertEquals("its JSON result has no number 'p90_ms'",
                assertThrows(IllegalArgumentException.class, () -> Timing.parse("{\"min_ms\":1,\"median_ms\":2}")).getMessage());
        assertEquals("its JSON result has no number 'median_ms'",
                assertThrows(IllegalArgumentException.class, () -> Timing.parse("{\"min_ms\":1,\"median_ms\":\"2\",\"p90_ms\":3}")).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Timing.parse("{\"min_ms\":1,")).getMessage().startsWith("its last JSON line does not parse"));
        assertThrows(IllegalArgumentException.class, () -> Timing.parse("{\"min_ms\":3,\"median_ms\":2,\"p90_ms\":4}"), "min above median");
        assertThrows(IllegalArgumentException.class, () -> Timing.parse("{\"min_ms\":0,\"median_ms\":2,\"p90_ms\":4}"), "zero time");
        assertThrows(IllegalArgumentException.class, () -> Timing.parse("{\"min_ms\":1,\"median_ms\":2,\"p90_ms\":1e400}"), "infinite");
    }

    @Test
    void alternatesTheOrderOfTheSidesEveryRound() {
        List<String> calls = new ArrayList<>();
        Comparison c = Comparison.run((side, round) -> {
            calls.add(side.label + round);
            return t(side == Side.MIEN ? 10 + round : 20);
        }, 4, null);
        assertEquals(List.of("mien0", "onnxruntime0", "onnxruntime1", "mien1", "mien2", "onnxruntime2", "onnxruntime3", "mien3"), calls);
        assertEquals(List.of(10.0, 11.0, 12.0, 13.0), c.mien().stream().map(Timing::medianMs).toList(), "each result stays with its round");
    }

    @Test
    void summarisesWithMediansOfMediansAndTheirRatio() {
        Comparison odd = new Comparison(List.of(t(30), t(50), t(40)), List.of(t(20), t(10), t(25)));
        assertEquals(40, odd.mienMedianMs(), 1e-12);
        assertEquals(20, odd.ortMedianMs(), 1e-12);
        assertEquals(2.0, odd.ratio(), 1e-12);
        assertEquals(27, odd.mienMinMs(), 1e-12);
        assertEquals(9, odd.ortMinMs(), 1e-12);
        assertEquals(0, odd.mienWins());
        assertEquals("Mien is 2.00x slower than ONNX Runtime", odd.verdict());

        Comparison even = new Comparison(List.of(t(10), t(20), t(30), t(40)), List.of(t(40), t(60), t(20), t(50)));
        assertEquals(25, even.mienMedianMs(), 1e-12);
        assertEquals(45, even.ortMedianMs(), 1e-12);
        assertEquals(25.0 / 45, even.ratio(), 1e-12);
        assertEquals(3, even.mienWins());
        assertEquals("Mien is 1.80x faster than ONNX Runtime", even.verdict());

        assertEquals("Mien and ONNX Runtime are equally fast", new Comparison(List.of(t(10)), List.of(t(10.01))).verdict());
        assertThrows(IllegalArgumentException.class, () -> new Comparison(List.of(t(1)), List.of()));
        assertThrows(IllegalArgumentException.class, () -> Comparison.run((s, r) -> t(1), 0, null));
    }

    @Test
    void reportPrintsRoundsSummaryAndJson() throws Exception {
        var plan = new CompareOnnxRuntime.Plan("net", List.of("--arch", "net"), java.nio.file.Path.of("/x/net.onnx"), 8, 2, 30, 20, 2.0, 2);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Comparison c = CompareOnnxRuntime.report(plan, (side, round) -> side == Side.MIEN ? new Timing(27, 30, 36, 3.5) : t(20), true,
                new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(1.5, c.ratio(), 1e-12);
        assertTrue(out.startsWith("net: mien vs onnxruntime (net.onnx), batch 8, threads 2, 2 rounds"), out);
        assertTrue(out.contains("round 2 onnxruntime median    20.00 ms"), out);
        assertTrue(out.contains("Mien/ORT    1.500  Mien is 1.50x slower than ONNX Runtime; Mien faster in 0 of 2 rounds"), out);
        JsonNode j = new ObjectMapper().readTree(out.strip().lines().reduce((a, b) -> b).orElseThrow());
        assertEquals(1.5, j.get("ratio_mien_over_ort").asDouble(), 1e-12);
        assertEquals(30, j.get("mien_median_ms").asDouble(), 1e-12);
        assertEquals(2, j.get("ort_medians_ms").size());
        assertEquals(8, j.get("batch").asInt());
        assertEquals(3.5, j.get("gmac_per_image").asDouble(), 1e-12);
    }
}
