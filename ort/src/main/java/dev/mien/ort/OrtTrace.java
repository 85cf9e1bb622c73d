package dev.mien.ort;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads ONNX Runtime's profiling trace (Chrome trace JSON: one event per session phase, per
 * {@code model_run} and per node execution, times in microseconds) into per-node mean times
 * over the last runs, so warm-up runs recorded earlier in the same trace do not count.
 */
public final class OrtTrace {
    private OrtTrace() {}

    /** One node of the optimised graph: its op, the shapes ONNX Runtime ran it on, and its mean time per run. */
    public record NodeTime(String name, String op, List<long[]> inputShapes, long[] outputShape, double meanMs) {}

    public static List<NodeTime> read(Path trace, int lastRuns) throws IOException {
        return parse(new ObjectMapper().readTree(trace.toFile()), lastRuns);
    }

    /** Node times averaged over the last {@code lastRuns} {@code model_run} events, in the order first seen. */
    public static List<NodeTime> parse(JsonNode events, int lastRuns) {
        if (!events.isArray()) throw new IllegalArgumentException("not an ONNX Runtime trace (expected a JSON array of events)");
        List<long[]> runs = new ArrayList<>();
        for (JsonNode e : events)
            if ("model_run".equals(e.path("name").asText())) runs.add(new long[]{e.path("ts").asLong(), e.path("ts").asLong() + e.path("dur").asLong()});
        if (runs.size() < lastRuns)
            throw new IllegalArgumentException("the trace holds " + runs.size() + " runs, fewer than the " + lastRuns + " asked for");
        runs.sort((a, b) -> Long.compare(a[0], b[0]));
        List<long[]> kept = runs.subList(runs.size() - lastRuns, runs.size());
        Map<String, NodeTime> byName = new LinkedHashMap<>();
        Map<String, Long> micros = new LinkedHashMap<>();
        for (JsonNode e : events) {
            String name = e.path("name").asText();
            if (!"Node".equals(e.path("cat").asText()) || !name.endsWith("_kernel_time")) continue;
            long ts = e.path("ts").asLong();
            if (kept.stream().noneMatch(w -> ts >= w[0] && ts <= w[1])) continue;
            String node = name.substring(0, name.length() - "_kernel_time".length());
            micros.merge(node, e.path("dur").asLong(), Long::sum);
            if (!byName.containsKey(node)) {
                JsonNode args = e.path("args");
                List<long[]> ins = new ArrayList<>();
                for (JsonNode s : args.path("input_type_shape")) ins.add(shape(s));
                JsonNode outs = args.path("output_type_shape");
                byName.put(node, new NodeTime(node, args.path("op_name").asText(), ins, outs.isEmpty() ? new long[0] : shape(outs.get(0)), 0));
            }
        }
        List<NodeTime> result = new ArrayList<>();
        for (NodeTime n : byName.values())
            result.add(new NodeTime(n.name(), n.op(), n.inputShapes(), n.outputShape(), micros.get(n.name()) / 1e3 / lastRuns));
        return result;
    }

    /** {"float": [1, 64, 56, 56]} -> the dims. */
    private static long[] shape(JsonNode typed) {
        JsonNode dims = typed.elements().hasNext() ? typed.elements().next() : null;
        if (dims == null || !dims.isArray()) return new long[0];
        long[] s = new long[dims.size()];
        for (int i = 0; i < s.length; i++) s[i] = dims.get(i).asLong();
        return s;
    }

    /**
     * The convolution class of an ONNX Runtime node, or null if it is not a convolution.
     * ONNX Runtime reports NCHW shapes ([N,C,H,W], weights [Cout,Cin/groups,kH,kW], for
     * ConvTranspose [Cin,Cout/groups,kH,kW]); in its blocked NCHWc layout the channel counts are
     * rounded up to the block (16 with AVX-512). The dilation is not in the trace (reported as 1).
     */
    public static ConvClass convClass(NodeTime n) {
        boolean transposed = n.op().equals("ConvTranspose");
        if (!(transposed || n.op().equals("Conv") || n.op().equals("FusedConv"))) return null;
        if (n.inputShapes().isEmpty() || n.inputShapes().get(0).length != 4 || n.outputShape().length != 4) return null;
        long[] x = n.inputShapes().get(0), y = n.outputShape();
        // ConvTranspose's weight is prepacked at session start: the trace then lists only the bias,
        // and the kernel is unknown (0 here; the join then ignores it).
        long[] w = n.inputShapes().size() > 1 && n.inputShapes().get(1).length == 4 ? n.inputShapes().get(1) : null;
        if (w == null && !transposed) return null;
        int inH = (int) x[2], inW = (int) x[3], outH = (int) y[2], outW = (int) y[3];
        int stride = transposed ? Math.max(1, Math.round((float) outH / inH)) : Math.max(1, Math.round((float) inH / outH));
        boolean depthwise = !transposed && w[1] == 1 && x[1] > 1 && y[1] == x[1];
        int kH = w == null ? 0 : (int) w[2], kW = w == null ? 0 : (int) w[3];
        return new ConvClass(kH, kW, stride, 1, inH, inW, outH, outW, (int) x[1], (int) y[1], depthwise, transposed, (int) x[0]);
    }
}
