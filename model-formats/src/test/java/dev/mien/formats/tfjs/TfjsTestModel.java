package dev.mien.formats.tfjs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.List;

/**
 * Writes small TF.js graph models (model.json + weight shards) the way tensorflowjs_converter
 * lays them out, for tests: GraphDef nodes with TF's attribute encoding (base64 strings, int64
 * as strings), and weights in a manifest whose order the test chooses.
 */
final class TfjsTestModel {
    static final ObjectMapper JSON = new ObjectMapper();

    private final ArrayNode nodes = JSON.createArrayNode();
    private final List<Weight> weights = new ArrayList<>();
    private final List<String> outputs = new ArrayList<>();
    private int shards = 1;
    private boolean reverseManifest, reverseNodes;

    /** One manifest entry: float values (possibly to be stored quantised) or ints. */
    record Weight(String name, int[] shape, float[] values, int[] ints, String quant, double scale, double min, int[] q) {}

    // ---- attributes ---------------------------------------------------------------------

    static final class A {
        final ObjectNode o = JSON.createObjectNode();
        A s(String k, String v) { o.putObject(k).put("s", b64(v)); return this; }
        A ints(String k, long... v) { ArrayNode l = o.putObject(k).putObject("list").putArray("i"); for (long x : v) l.add(Long.toString(x)); return this; }
        A strs(String k, String... v) { ArrayNode l = o.putObject(k).putObject("list").putArray("s"); for (String x : v) l.add(b64(x)); return this; }
        A i(String k, long v) { o.putObject(k).put("i", Long.toString(v)); return this; }
        A b(String k, boolean v) { o.putObject(k).put("b", v); return this; }
        A f(String k, float v) { o.putObject(k).put("f", v); return this; }
        A type(String k, String t) { o.putObject(k).put("type", t); return this; }
    }

    static A attrs() { return new A().type("T", "DT_FLOAT"); }

    /** Conv / pool attributes: NHWC strides, padding, dilations. */
    static A window(String padding, int sh, int sw) {
        return attrs().s("data_format", "NHWC").s("padding", padding).ints("strides", 1, sh, sw, 1).ints("dilations", 1, 1, 1, 1);
    }

    static String b64(String s) { return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8)); }

    // ---- graph --------------------------------------------------------------------------

    TfjsTestModel input(String name, long... shape) {
        ObjectNode n = node(name, "Placeholder", List.of());
        ArrayNode dims = n.putObject("attr").putObject("shape").putObject("shape").putArray("dim");
        for (long d : shape) dims.addObject().put("size", Long.toString(d));
        n.with("attr").putObject("dtype").put("type", "DT_FLOAT");
        return this;
    }

    TfjsTestModel op(String name, String op, List<String> inputs, A attrs) {
        ObjectNode n = node(name, op, inputs);
        n.set("attr", attrs == null ? JSON.createObjectNode() : attrs.o);
        return this;
    }

    TfjsTestModel constF(String name, int[] shape, float[] values) {
        if (values.length != size(shape)) throw new IllegalArgumentException(name + ": " + values.length + " values for " + Arrays.toString(shape));
        constNode(name, "DT_FLOAT");
        weights.add(new Weight(name, shape, values, null, null, 0, 0, null));
        return this;
    }

    TfjsTestModel constI(String name, int[] shape, int... values) {
        constNode(name, "DT_INT32");
        weights.add(new Weight(name, shape, null, values, null, 0, 0, null));
        return this;
    }

    /** A float constant stored as uint8 / uint16 codes {@code q}: its value is q * scale + min. */
    TfjsTestModel constQuantised(String name, int[] shape, String dtype, int[] q, double scale, double min) {
        constNode(name, "DT_FLOAT");
        float[] v = new float[q.length];
        for (int i = 0; i < q.length; i++) v[i] = (float) (q[i] * scale + min);
        weights.add(new Weight(name, shape, v, null, dtype, scale, min, q));
        return this;
    }

    /** A float constant stored as float16 (values should be representable). */
    TfjsTestModel constHalf(String name, int[] shape, float[] values) {
        constNode(name, "DT_FLOAT");
        float[] v = new float[values.length];
        for (int i = 0; i < v.length; i++) v[i] = Float.float16ToFloat(Float.floatToFloat16(values[i]));
        weights.add(new Weight(name, shape, v, null, "float16", 0, 0, null));
        return this;
    }

    TfjsTestModel outputs(String... names) { outputs.addAll(List.of(names)); return this; }
    TfjsTestModel shards(int n) { shards = n; return this; }
    /** Writes the manifest in the reverse of the order weights were added (so not node order). */
    TfjsTestModel reverseManifest() { reverseManifest = true; return this; }
    /** Writes the nodes in reverse order (consumers before producers). */
    TfjsTestModel reverseNodes() { reverseNodes = true; return this; }

    /** The value a float weight holds after dequantisation. */
    float[] value(String name) {
        for (Weight w : weights) if (w.name.equals(name)) return w.values;
        throw new IllegalArgumentException(name);
    }

    private void constNode(String name, String dtype) {
        ObjectNode n = node(name, "Const", List.of());
        ObjectNode a = n.putObject("attr");
        a.putObject("value").putObject("tensor").put("dtype", dtype);
        a.putObject("dtype").put("type", dtype);
    }

    private ObjectNode node(String name, String op, List<String> inputs) {
        ObjectNode n = nodes.addObject();
        n.put("name", name).put("op", op);
        if (!inputs.isEmpty()) { ArrayNode in = n.putArray("input"); inputs.forEach(in::add); }
        return n;
    }

    // ---- files --------------------------------------------------------------------------

    /** Writes dir/model.json and its shards; returns dir. */
    Path write(Path dir) throws IOException {
        Files.createDirectories(dir);
        List<Weight> order = new ArrayList<>(weights);
        if (reverseManifest) Collections.reverse(order);
        ByteArrayOutputStream bin = new ByteArrayOutputStream();
        ArrayNode specs = JSON.createArrayNode();
        for (Weight w : order) {
            ObjectNode s = specs.addObject();
            s.put("name", w.name);
            ArrayNode sh = s.putArray("shape");
            for (int d : w.shape) sh.add(d);
            s.put("dtype", w.ints != null ? "int32" : "float32");
            if (w.quant != null) {
                ObjectNode q = s.putObject("quantization").put("dtype", w.quant);
                if (!w.quant.equals("float16")) q.put("scale", w.scale).put("min", w.min).put("original_dtype", "float32");
            }
            bin.writeBytes(encode(w));
        }
        byte[] all = bin.toByteArray();
        ObjectNode root = JSON.createObjectNode();
        root.put("format", "graph-model").put("generatedBy", "mien tests").put("convertedBy", "TfjsTestModel");
        ArrayNode ns = nodes.deepCopy();
        if (reverseNodes) {
            List<com.fasterxml.jackson.databind.JsonNode> l = new ArrayList<>();
            ns.forEach(l::add);
            Collections.reverse(l);
            ns = JSON.createArrayNode().addAll(l);
        }
        ObjectNode topo = root.putObject("modelTopology");
        topo.set("node", ns);
        topo.putObject("library");
        topo.putObject("versions");
        if (!outputs.isEmpty()) {
            ObjectNode out = root.putObject("signature").putObject("outputs");
            for (String o : outputs) out.putObject(o).put("name", o);
        }
        ObjectNode group = root.putArray("weightsManifest").addObject();
        ArrayNode paths = group.putArray("paths");
        int per = (all.length + shards - 1) / Math.max(shards, 1);
        for (int i = 0; i < shards; i++) {
            String p = "group1-shard" + (i + 1) + "of" + shards + ".bin";
            paths.add(p);
            int from = Math.min(all.length, i * per), to = Math.min(all.length, from + per);
            Files.write(dir.resolve(p), Arrays.copyOfRange(all, from, to));
        }
        group.set("weights", specs);
        Files.writeString(dir.resolve("model.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root));
        return dir;
    }

    private static byte[] encode(Weight w) {
        int n = w.ints != null ? w.ints.length : w.values.length;
        int bytes = w.quant == null ? 4 : w.quant.equals("uint8") ? 1 : 2;
        ByteBuffer b = ByteBuffer.allocate(n * bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            if (w.ints != null) b.putInt(w.ints[i]);
            else if (w.quant == null) b.putFloat(w.values[i]);
            else if (w.quant.equals("uint8")) b.put((byte) w.q[i]);
            else if (w.quant.equals("uint16")) b.putShort((short) w.q[i]);
            else b.putShort(Float.floatToFloat16(w.values[i]));
        }
        return b.array();
    }

    static int size(int[] shape) { int n = 1; for (int d : shape) n *= d; return n; }
}
