package dev.mien.formats.keras;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.mien.engine.io.Printable;

import java.util.ArrayList;
import java.util.List;

/** Reading Keras config JSON: layer entries, tensor references and call structures of Keras 2 and 3. */
final class KerasConfig {
    private KerasConfig() {}

    /** A reference to output {@code tensor} of call {@code node} of layer {@code layer}. */
    record TensorRef(String layer, int node, int tensor) {
        @Override public String toString() { return layer + "[" + node + "][" + tensor + "]"; }
    }

    /** A positional call argument: a tensor reference or a constant (number or nested list). */
    record Arg(TensorRef ref, JsonNode constant) {
        boolean isTensor() { return ref != null; }
    }

    /** One call of a layer: positional arguments (flattened in order) and keyword arguments. */
    record Call(List<Arg> args, JsonNode kwargs) {
        List<TensorRef> tensorRefs() {
            List<TensorRef> r = new ArrayList<>();
            for (Arg a : args) if (a.isTensor()) r.add(a.ref);
            return r;
        }
    }

    /** One entry of a model's layer list. */
    record LayerSpec(String className, String name, JsonNode config, List<Call> calls, JsonNode raw) {
        boolean isModel() {
            return className.equals("Functional") || className.equals("Sequential") || className.equals("Model");
        }
        /** For messages: class and name come from the file, so each is quoted printable and cut. */
        String describe() { return Printable.clip(className) + " '" + Printable.clip(name) + "'"; }
    }

    static LayerSpec layer(JsonNode entry, String source) {
        String cls = text(entry.get("class_name"));
        JsonNode cfg = entry.path("config");
        String name = entry.hasNonNull("name") ? entry.get("name").asText()
                : cfg.hasNonNull("name") ? cfg.get("name").asText() : null;
        if (cls == null || name == null)
            throw new KerasImportException(source + ": layer entry without class_name or name: " + abbreviate(entry));
        List<Call> calls = new ArrayList<>();
        JsonNode nodes = entry.get("inbound_nodes");
        if (nodes != null && nodes.isArray()) for (JsonNode n : nodes) calls.add(call(n, name, source));
        return new LayerSpec(cls, name, cfg, calls, entry);
    }

    /** Parses one inbound node in Keras 2 list form or Keras 3 {args, kwargs} form. */
    static Call call(JsonNode node, String layer, String source) {
        List<Arg> args = new ArrayList<>();
        if (node.isObject() && node.has("args")) {
            try {
                flattenKeras3(node.get("args"), args);
            } catch (KerasImportException e) {
                throw new KerasImportException(source + ": layer '" + layer + "': " + e.getMessage());
            }
            return new Call(args, node.path("kwargs"));
        }
        if (!node.isArray() || node.isEmpty())
            throw new KerasImportException(source + ": layer '" + layer + "': unreadable inbound node " + abbreviate(node));
        JsonNode kwargs = NullNode.getInstance();
        // A TFOpLambda keeps its input structure: the node is a single [layer, node, tensor, kwargs].
        List<JsonNode> entries = new ArrayList<>();
        if (node.get(0).isTextual()) entries.add(node);
        else node.forEach(entries::add);
        for (JsonNode e : entries) {
            if (!e.isArray() || e.size() < 3 || !e.get(0).isTextual())
                throw new KerasImportException(source + ": layer '" + layer + "': unreadable inbound tensor " + abbreviate(e));
            if (e.size() > 3 && kwargs.isNull()) kwargs = e.get(3);
            if (e.get(0).asText().equals("_CONSTANT_VALUE")) args.add(new Arg(null, e.get(2)));
            else args.add(new Arg(new TensorRef(e.get(0).asText(), e.get(1).asInt(), e.get(2).asInt()), null));
        }
        return new Call(args, kwargs);
    }

    private static void flattenKeras3(JsonNode n, List<Arg> out) {
        TensorRef r = keras3Ref(n);
        if (r != null) out.add(new Arg(r, null));
        else if (n.isArray()) for (JsonNode c : n) flattenKeras3(c, out);
        else if (!n.isNull()) out.add(new Arg(null, n));
    }

    /** A Keras 3 {@code __keras_tensor__} dict, or null. */
    static TensorRef keras3Ref(JsonNode n) {
        if (n == null || !n.isObject() || !"__keras_tensor__".equals(text(n.get("class_name")))) return null;
        return ref(n.path("config").path("keras_history"), n);
    }

    /** The [layer, node, tensor] triple {@code h} found in {@code where}, or a one-line refusal quoting it: a config is a stranger's JSON. */
    private static TensorRef ref(JsonNode h, JsonNode where) {
        if (!h.isArray() || h.size() < 3 || !h.get(0).isTextual() || !h.get(1).canConvertToInt() || !h.get(2).canConvertToInt())
            throw new KerasImportException("unreadable tensor reference " + abbreviate(where) + " (expected [layer, node, tensor])");
        return new TensorRef(h.get(0).asText(), h.get(1).asInt(), h.get(2).asInt());
    }

    /** A tensor reference found in a keyword argument: Keras 3 dict or tf.keras [layer, node, tensor]. */
    static TensorRef kwargRef(JsonNode n) {
        TensorRef r = keras3Ref(n);
        if (r != null) return r;
        if (n != null && n.isArray() && n.size() == 3 && n.get(0).isTextual() && n.get(1).isInt() && n.get(2).isInt())
            return new TensorRef(n.get(0).asText(), n.get(1).asInt(), n.get(2).asInt());
        return null;
    }

    /** input_layers / output_layers: [[name, node, tensor], ...] or a single [name, node, tensor]. */
    static List<TensorRef> refList(JsonNode n) {
        List<TensorRef> out = new ArrayList<>();
        if (n == null || !n.isArray() || n.isEmpty()) return out;
        if (n.get(0).isTextual()) {
            out.add(ref(n, n));
            return out;
        }
        for (JsonNode e : n) out.add(ref(e, e));
        return out;
    }

    static String text(JsonNode n) { return n == null || n.isNull() ? null : n.asText(); }

    /** An int or an [a, b] pair as a pair. */
    static int[] pair(JsonNode n, int dflt, String what) {
        if (n == null || n.isNull()) return new int[]{dflt, dflt};
        if (n.isNumber()) return new int[]{n.asInt(), n.asInt()};
        if (n.isArray() && n.size() == 2) return new int[]{n.get(0).asInt(), n.get(1).asInt()};
        if (n.isArray() && n.size() == 1) return new int[]{n.get(0).asInt(), n.get(0).asInt()};
        throw new IllegalArgumentException("bad " + what + ": " + n);
    }

    static int[] ints(JsonNode n) {
        int[] r = new int[n.size()];
        for (int i = 0; i < r.length; i++) r[i] = n.get(i).isNull() ? -1 : n.get(i).asInt();
        return r;
    }

    static String abbreviate(JsonNode n) {
        String s = String.valueOf(n);
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }
}
