package dev.mien.ort;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mien.engine.Model;
import dev.mien.engine.Session;
import dev.mien.engine.runtime.RunOptions;
import dev.mien.formats.RandomModels;
import dev.mien.kernels.KernelRegistry;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class ConvProfileTest {
    /** A trace event of one node, in ONNX Runtime's format. */
    static String node(String name, String op, long ts, long dur, String inShapes, String outShape) {
        return "{\"cat\":\"Node\",\"name\":\"" + name + "_kernel_time\",\"ts\":" + ts + ",\"dur\":" + dur + ",\"ph\":\"X\",\"args\":{\"op_name\":\"" + op
                + "\",\"input_type_shape\":" + inShapes + ",\"output_type_shape\":[{\"float\":" + outShape + "}]}}";
    }

    static String run(long ts, long dur) { return "{\"cat\":\"Session\",\"name\":\"model_run\",\"ts\":" + ts + ",\"dur\":" + dur + "}"; }

    @Test
    void traceTimesAreMeansOverTheLastRuns() throws Exception {
        String conv = "[{\"float\":[1,66,64,64]},{\"float\":[80,66,3,3]},{\"float\":[80]}]";
        String json = "[" + String.join(",",
                run(0, 100), node("c1", "Conv", 10, 90, conv, "[1,80,64,64]"),                 // warm-up: not counted
                run(200, 100), node("c1", "Conv", 210, 30, conv, "[1,80,64,64]"), node("r", "Relu", 250, 5, "[{\"float\":[1,80,64,64]}]", "[1,80,64,64]"),
                run(400, 100), node("c1", "Conv", 410, 50, conv, "[1,80,64,64]"), node("r", "Relu", 470, 7, "[{\"float\":[1,80,64,64]}]", "[1,80,64,64]"),
                "{\"cat\":\"Session\",\"name\":\"session_initialization\",\"ts\":0,\"dur\":5}") + "]";
        List<OrtTrace.NodeTime> nodes = OrtTrace.parse(new ObjectMapper().readTree(json), 2);
        assertEquals(2, nodes.size());
        assertEquals("c1", nodes.get(0).name());
        assertEquals(0.040, nodes.get(0).meanMs(), 1e-12);
        assertEquals(0.006, nodes.get(1).meanMs(), 1e-12);
        assertEquals(new ConvClass(3, 3, 1, 1, 64, 64, 64, 64, 66, 80, false, false, 1), OrtTrace.convClass(nodes.get(0)));
        assertNull(OrtTrace.convClass(nodes.get(1)));
        var e = assertThrows(IllegalArgumentException.class, () -> OrtTrace.parse(new ObjectMapper().readTree(json), 4));
        assertEquals("the trace holds 3 runs, fewer than the 4 asked for", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> OrtTrace.parse(new ObjectMapper().readTree("{}"), 1));
    }

    @Test
    void convClassesFromOrtShapes() {
        var dw = new OrtTrace.NodeTime("d", "Conv", List.of(new long[]{2, 64, 112, 112}, new long[]{64, 1, 3, 3}), new long[]{2, 64, 56, 56}, 1);
        assertEquals(new ConvClass(3, 3, 2, 1, 112, 112, 56, 56, 64, 64, true, false, 2), OrtTrace.convClass(dw));
        var stem = new OrtTrace.NodeTime("s", "FusedConv", List.of(new long[]{1, 1, 64, 64}, new long[]{80, 1, 3, 3}), new long[]{1, 80, 64, 64}, 1);
        assertFalse(OrtTrace.convClass(stem).depthwise(), "one input channel is not depthwise");
        var odd = new OrtTrace.NodeTime("o", "Conv", List.of(new long[]{1, 32, 7, 7}, new long[]{64, 32, 3, 3}), new long[]{1, 64, 4, 4}, 1);
        assertEquals(2, OrtTrace.convClass(odd).stride(), "7 -> 4 is stride 2");
        var t = new OrtTrace.NodeTime("t", "ConvTranspose", List.of(new long[]{1, 4, 8, 8}, new long[]{4, 4, 2, 2}), new long[]{1, 4, 16, 16}, 1);
        assertEquals(new ConvClass(2, 2, 2, 1, 8, 8, 16, 16, 4, 4, false, true, 1), OrtTrace.convClass(t));
        assertEquals(8L * 8 * 4 * 4 * 2 * 2, OrtTrace.convClass(t).macs());
        assertEquals(2L * 56 * 56 * 64 * 9, OrtTrace.convClass(dw).macs());
        var packed = new OrtTrace.NodeTime("p", "ConvTranspose", List.of(new long[]{1, 4, 8, 8}, new long[]{4}), new long[]{1, 4, 16, 16}, 1);
        ConvClass unknownKernel = OrtTrace.convClass(packed);
        assertEquals(0, unknownKernel.kH(), "a prepacked ConvTranspose weight is not in the trace");
        assertTrue(ConvProfileTable.fits(new ConvClass(3, 3, 2, 1, 8, 8, 16, 16, 4, 4, false, true, 1), unknownKernel));
        assertFalse(ConvProfileTable.fits(new ConvClass(3, 3, 2, 1, 8, 8, 16, 16, 4, 4, false, false, 1), unknownKernel));
        var noWeight = new OrtTrace.NodeTime("c", "Conv", List.of(new long[]{1, 4, 8, 8}), new long[]{1, 4, 8, 8}, 1);
        assertNull(OrtTrace.convClass(noWeight));
    }

    static MienConvTimes.StepTime step(ConvClass c, double ms) { return new MienConvTimes.StepTime("m", c, c.macs(), ms); }

    static OrtTrace.NodeTime ortConv(int cin, int cout, int map, double ms) {
        return new OrtTrace.NodeTime("o", "Conv", List.of(new long[]{1, cin, map, map}, new long[]{cout, cin, 3, 3}), new long[]{1, cout, map, map}, ms);
    }

    @Test
    void joinsPaddedOrtChannelsToMiensClassesAndKeepsTheRest() {
        ConvClass a = new ConvClass(3, 3, 1, 1, 64, 64, 64, 64, 66, 66, false, false, 1);
        ConvClass b = new ConvClass(3, 3, 1, 1, 64, 64, 64, 64, 80, 80, false, false, 1);
        ConvClass c = new ConvClass(3, 3, 1, 1, 16, 16, 16, 16, 78, 78, false, false, 1);
        var r = ConvProfileTable.join(List.of(step(a, 2), step(a, 2), step(b, 1), step(c, 0.5)),
                List.of(ortConv(80, 80, 64, 1.5), ortConv(66, 66, 64, 1), ortConv(80, 80, 64, 1.25), ortConv(80, 80, 16, 0.25), ortConv(8, 8, 5, 0.1)));
        var rows = r.rows();
        assertEquals(List.of(a, b, c), rows.stream().map(x -> x.cls).toList(), "slowest Mien class first");
        assertEquals(2, rows.get(0).ortCount(), "one exact 66->66 and one padded 80->80");
        assertEquals(1, rows.get(1).ortCount(), "exact 80->80 goes to the 80-channel class first");
        assertEquals(1, rows.get(2).ortCount());
        assertEquals(4, rows.get(0).mienMs(), 1e-12);
        assertEquals(1, r.unmatched().size(), "a convolution Mien does not have");
        assertEquals(2.0 * a.macs() * 2 / (4e-3) / 1e9, rows.get(0).mienGflops(), 1e-9);
        assertEquals(rows.get(0).ortMs() + rows.get(1).ortMs() + rows.get(2).ortMs() + 0.1, r.ortMs(), 1e-12);

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ConvProfileTable.print("t", r, 238, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("| 3x3/1 64x64 66->66 | 2 | 4.000 |"), out);
        assertTrue(out.contains("| **all convolutions** | 4 | 5.500 |"), out);
        assertTrue(out.contains("no Mien convolution of their class"), out);
    }

    @Test
    void mienStepsGetTheirClasses() {
        try (Model m = Model.owning(RandomModels.graph("lanmsff", 1), KernelRegistry.auto(1)); Session s = m.newSession(1, RunOptions.DEFAULT)) {
            MienConvTimes.Measured t = MienConvTimes.measure(m.graph(), s, 1);
            assertFalse(t.convs().isEmpty());
            assertTrue(t.convs().stream().anyMatch(x -> x.cls().depthwise()), "LANMSFF has depthwise convolutions");
            assertTrue(t.convs().stream().anyMatch(x -> x.cls().transposed()), "and transposed ones");
            assertTrue(t.convs().stream().anyMatch(x -> x.cls().dilation() == 2), "and dilated ones");
            for (var x : t.convs()) {
                assertEquals(x.cls().macs(), x.macs(), x.name() + " " + x.cls().describe() + ": the class's MACs are the plan's");
                assertTrue(x.meanMs() >= 0);
            }
            assertTrue(t.runMs() >= t.convs().stream().mapToDouble(MienConvTimes.StepTime::meanMs).sum());
        }
    }
}
