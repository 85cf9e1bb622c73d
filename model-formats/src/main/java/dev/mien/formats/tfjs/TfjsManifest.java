package dev.mien.formats.tfjs;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.core.JsonFactory;
import dev.mien.engine.io.Printable;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A TensorFlow.js graph model's {@code model.json}: the GraphDef nodes (name, op, inputs,
 * attributes), the weight groups (shard paths and the tensors laid out in them, in manifest
 * order) and the signature's output names. Only the structure is read here; values come from
 * the shards ({@link TfjsWeights}).
 */
record TfjsManifest(String source, List<TfNode> nodes, List<WeightGroup> weightGroups,
                    List<String> signatureInputs, List<String> signatureOutputs, Map<String, String> info) {

    /** The longest name, op or attribute string kept; anything longer is refused. */
    static final int MAX_NAME = 4096;
    static final int MAX_NODES = 1_000_000;

    /** One GraphDef node; {@code attrs} is the raw attribute object. */
    record TfNode(String name, String op, List<String> inputs, JsonNode attrs) {
        String string(String key, String dflt) {
            JsonNode a = attrs.get(key);
            if (a == null || !a.has("s")) return dflt;
            return new String(Base64.getDecoder().decode(a.get("s").asText()), StandardCharsets.UTF_8);
        }

        List<String> strings(String key) {
            List<String> out = new ArrayList<>();
            JsonNode a = attrs.get(key);
            if (a == null || !a.has("list") || !a.get("list").has("s")) return out;
            for (JsonNode s : a.get("list").get("s")) out.add(new String(Base64.getDecoder().decode(s.asText()), StandardCharsets.UTF_8));
            return out;
        }

        /** An int list attribute (GraphDef stores int64 as strings); null when absent. */
        long[] ints(String key) {
            JsonNode a = attrs.get(key);
            if (a == null || !a.has("list")) return null;
            JsonNode l = a.get("list").get("i");
            if (l == null) return new long[0];
            long[] out = new long[l.size()];
            for (int i = 0; i < out.length; i++) out[i] = parseLong(l.get(i));
            return out;
        }

        long integer(String key, long dflt) {
            JsonNode a = attrs.get(key);
            return a == null || !a.has("i") ? dflt : parseLong(a.get("i"));
        }

        boolean bool(String key, boolean dflt) {
            JsonNode a = attrs.get(key);
            return a == null || !a.has("b") ? dflt : a.get("b").asBoolean();
        }

        Float floatAttr(String key) {
            JsonNode a = attrs.get(key);
            return a == null || !a.has("f") ? null : (float) a.get("f").asDouble();
        }

        /** The placeholder's shape (-1 for unknown dims); null when it has none. */
        long[] shape() {
            JsonNode a = attrs.get("shape");
            if (a == null || !a.has("shape")) return null;
            JsonNode dims = a.get("shape").get("dim");
            if (dims == null) return a.get("shape").has("unknownRank") ? null : new long[0];
            long[] out = new long[dims.size()];
            for (int i = 0; i < out.length; i++) out[i] = dims.get(i).has("size") ? parseLong(dims.get(i).get("size")) : 1;
            return out;
        }

        private static long parseLong(JsonNode n) {
            if (n.isIntegralNumber()) return n.asLong();
            try {
                return Long.parseLong(n.asText());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not an integer: " + Printable.clip(n.asText()));
            }
        }
    }

    /** One tensor in a weight group, in the order the shards hold them. */
    record WeightSpec(String name, long[] shape, String dtype, Quantization quantization) {}

    /** uint8/uint16: value = q * scale + min; float16: IEEE half. */
    record Quantization(String dtype, double scale, double min) {}

    /** Shards read back to back hold the group's tensors in order. */
    record WeightGroup(List<String> paths, List<WeightSpec> weights) {}

    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).maxStringLength(1 << 24).build())
            .build()).enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    /** True when {@code root} looks like a TF.js model manifest (has modelTopology or weightsManifest). */
    static boolean looksLikeTfjs(JsonNode root) {
        return root != null && root.isObject() && (root.has("modelTopology") || root.has("weightsManifest"));
    }

    static TfjsManifest parse(String source, byte[] json) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw new IOException(source + ": model.json is not valid JSON (" + Printable.clip(String.valueOf(e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()), 120) + ")");
        }
        if (!looksLikeTfjs(root)) throw new IOException(source + ": not a TensorFlow.js model manifest (no modelTopology / weightsManifest)");
        String format = root.path("format").asText("graph-model");
        if (!format.equals("graph-model"))
            throw new IOException(source + ": a TensorFlow.js " + Printable.clip(format) + "; only graph-model is imported (convert layers models with tensorflowjs_converter --output_format tfjs_graph_model)");
        try {
            return new TfjsManifest(source, nodes(root.path("modelTopology")), groups(root.path("weightsManifest")),
                    signature(root, "inputs"), signature(root, "outputs"), info(root));
        } catch (IllegalArgumentException | ClassCastException | NullPointerException e) {
            throw new IOException(source + ": malformed model.json: " + Printable.reason(e, 160));
        }
    }

    private static List<TfNode> nodes(JsonNode topology) {
        JsonNode list = topology.get("node");
        if (list == null || !list.isArray()) throw new IllegalArgumentException("modelTopology has no node list");
        if (list.size() > MAX_NODES) throw new IllegalArgumentException(list.size() + " nodes (more than " + MAX_NODES + ")");
        List<TfNode> nodes = new ArrayList<>();
        for (JsonNode n : list) {
            if (!n.isObject()) throw new IllegalArgumentException("a node that is not an object");
            String name = text(n, "name"), op = text(n, "op");
            List<String> inputs = new ArrayList<>();
            JsonNode in = n.get("input");
            if (in != null) {
                if (!in.isArray()) throw new IllegalArgumentException("node " + Printable.clip(name) + ": input is not a list");
                for (JsonNode i : in) inputs.add(checked(i.asText(), "input name"));
            }
            JsonNode attrs = n.get("attr");
            nodes.add(new TfNode(name, op, inputs, attrs != null && attrs.isObject() ? attrs : JSON.createObjectNode()));
        }
        return nodes;
    }

    private static List<WeightGroup> groups(JsonNode manifest) {
        List<WeightGroup> out = new ArrayList<>();
        if (manifest == null || manifest.isMissingNode()) return out;
        if (!manifest.isArray()) throw new IllegalArgumentException("weightsManifest is not a list");
        for (JsonNode g : manifest) {
            List<String> paths = new ArrayList<>();
            for (JsonNode p : g.path("paths")) paths.add(checked(p.asText(), "shard path"));
            List<WeightSpec> weights = new ArrayList<>();
            for (JsonNode w : g.path("weights")) {
                String name = text(w, "name"), dtype = text(w, "dtype");
                JsonNode shapeNode = w.get("shape");
                if (shapeNode == null || !shapeNode.isArray()) throw new IllegalArgumentException("weight " + Printable.clip(name) + " has no shape");
                long[] shape = new long[shapeNode.size()];
                for (int i = 0; i < shape.length; i++) {
                    if (!shapeNode.get(i).canConvertToLong()) throw new IllegalArgumentException("weight " + Printable.clip(name) + " has a non-integer dimension");
                    shape[i] = shapeNode.get(i).asLong();
                    if (shape[i] < 0) throw new IllegalArgumentException("weight " + Printable.clip(name) + " has a negative dimension " + shape[i]);
                }
                Quantization q = null;
                JsonNode qn = w.get("quantization");
                if (qn != null && qn.isObject()) {
                    String qd = text(qn, "dtype");
                    double scale = qn.path("scale").asDouble(Double.NaN), min = qn.path("min").asDouble(Double.NaN);
                    if (!qd.equals("float16") && (!Double.isFinite(scale) || !Double.isFinite(min)))
                        throw new IllegalArgumentException("weight " + Printable.clip(name) + ": " + Printable.clip(qd) + " quantization without finite scale/min");
                    q = new Quantization(qd, scale, min);
                }
                weights.add(new WeightSpec(name, shape, dtype, q));
            }
            out.add(new WeightGroup(paths, weights));
        }
        return out;
    }

    /** Signature tensor names ("Identity_2:0") sorted naturally; empty when there is no signature. */
    private static List<String> signature(JsonNode root, String which) {
        JsonNode s = root.path("signature").path(which);
        if (s.isMissingNode()) s = root.path("userDefinedMetadata").path("signature").path(which);
        List<String> names = new ArrayList<>();
        for (Iterator<String> it = s.fieldNames(); it.hasNext(); ) names.add(checked(it.next(), "signature name"));
        names.sort(TfjsManifest::natural);
        return names;
    }

    private static Map<String, String> info(JsonNode root) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String k : List.of("generatedBy", "convertedBy"))
            if (root.path(k).isTextual()) m.put(k, Printable.clip(root.get(k).asText(), 200));
        return m;
    }

    /** "Identity_10" after "Identity_2": digit runs compare by value. */
    static int natural(String a, String b) {
        int i = 0, j = 0;
        while (i < a.length() && j < b.length()) {
            char ca = a.charAt(i), cb = b.charAt(j);
            if (Character.isDigit(ca) && Character.isDigit(cb)) {
                int si = i, sj = j;
                while (i < a.length() && Character.isDigit(a.charAt(i))) i++;
                while (j < b.length() && Character.isDigit(b.charAt(j))) j++;
                String da = a.substring(si, i).replaceFirst("^0+(?=.)", ""), db = b.substring(sj, j).replaceFirst("^0+(?=.)", "");
                int c = da.length() != db.length() ? Integer.compare(da.length(), db.length()) : da.compareTo(db);
                if (c != 0) return c;
            } else {
                if (ca != cb) return Character.compare(ca, cb);
                i++;
                j++;
            }
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }

    private static String text(JsonNode n, String key) {
        JsonNode v = n.get(key);
        if (v == null || !v.isTextual()) throw new IllegalArgumentException("missing '" + key + "'");
        return checked(v.asText(), key);
    }

    private static String checked(String s, String what) {
        if (s.isEmpty() || s.length() > MAX_NAME) throw new IllegalArgumentException("bad " + what + " '" + Printable.clip(s) + "'");
        return s;
    }
}
