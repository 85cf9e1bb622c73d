package dev.mien.formats.keras;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mien.engine.Tensor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Builds Keras model configs (Keras 2 list-style or Keras 3 {args, kwargs} inbound nodes) and
 * an in-memory {@link KerasModelFile} holding generated weights, for importer tests.
 */
final class ImportTestModel {
    static final JsonNodeFactory F = JsonNodeFactory.instance;
    private final boolean keras3;
    private final ArrayNode layers = F.arrayNode();
    private final ArrayNode inputs = F.arrayNode(), outputs = F.arrayNode();
    final Map<List<String>, List<Tensor>> weights = new HashMap<>();
    private final Random rnd = new Random(42);

    ImportTestModel(boolean keras3) { this.keras3 = keras3; }

    /** Config object from alternating keys and values (Integer, Double, String, Boolean, int[], List, JsonNode, null). */
    static ObjectNode cfg(Object... kv) {
        ObjectNode o = F.objectNode();
        for (int i = 0; i < kv.length; i += 2) o.set((String) kv[i], json(kv[i + 1]));
        return o;
    }

    static com.fasterxml.jackson.databind.JsonNode json(Object v) {
        if (v == null) return F.nullNode();
        if (v instanceof com.fasterxml.jackson.databind.JsonNode j) return j;
        if (v instanceof Integer i) return F.numberNode(i);
        if (v instanceof Double d) return F.numberNode(d);
        if (v instanceof Float f) return F.numberNode(f);
        if (v instanceof Boolean b) return F.booleanNode(b);
        if (v instanceof String s) return F.textNode(s);
        if (v instanceof int[] a) { ArrayNode n = F.arrayNode(); for (int x : a) n.add(x); return n; }
        if (v instanceof List<?> l) { ArrayNode n = F.arrayNode(); for (Object x : l) n.add(json(x)); return n; }
        throw new IllegalArgumentException(String.valueOf(v));
    }

    String input(String name, Integer... shape) {
        ArrayNode bs = F.arrayNode().addNull();
        for (Integer d : shape) if (d == null) bs.addNull(); else bs.add(d);
        ObjectNode c = cfg("name", name, "dtype", "float32");
        c.set(keras3 ? "batch_shape" : "batch_input_shape", bs);
        layers.add(cfg("class_name", "InputLayer", "name", name, "config", c, "inbound_nodes", F.arrayNode()));
        inputs.add(ref(name, 0, 0));
        return name;
    }

    private static ArrayNode ref(String layer, int node, int tensor) {
        return F.arrayNode().add(layer).add(node).add(tensor);
    }

    /** A tensor argument "layer" or "layer:t" (output t of call 0). */
    private com.fasterxml.jackson.databind.JsonNode tensorArg(String in) {
        String l = in;
        int t = 0;
        int colon = in.lastIndexOf(':');
        if (colon > 0) { l = in.substring(0, colon); t = Integer.parseInt(in.substring(colon + 1)); }
        if (keras3) return cfg("class_name", "__keras_tensor__", "config", cfg("shape", null, "keras_history", List.of(l, 0, t)));
        return ref(l, 0, t).add(F.objectNode());
    }

    /** A layer called once on the given inputs ("layer" or "layer:t"; Double/Integer = constant, Keras 3 only). */
    String layer(String cls, String name, ObjectNode config, Object... in) {
        config.put("name", name);
        ObjectNode e = cfg("class_name", cls, "name", name, "config", config);
        ArrayNode nodes = F.arrayNode();
        if (keras3) {
            ArrayNode args = F.arrayNode();
            boolean list = cls.equals("Concatenate") || cls.equals("Add") && in.length > 2 || cls.equals("Attention");
            ArrayNode target = list ? F.arrayNode() : args;
            for (Object o : in) target.add(o instanceof String s ? tensorArg(s) : json(o));
            if (list) args.add(target);
            nodes.add(cfg("args", args, "kwargs", F.objectNode()));
        } else {
            ArrayNode node = F.arrayNode();
            for (Object o : in) node.add(tensorArg((String) o));
            nodes.add(node);
        }
        e.set("inbound_nodes", nodes);
        layers.add(e);
        return name;
    }

    /** A raw layer entry (custom inbound nodes). */
    void raw(ObjectNode entry) { layers.add(entry); }

    ImportTestModel output(String layer) {
        outputs.add(ref(layer, 0, 0));
        return this;
    }

    /** Uniform random weights of the given shapes for a (possibly nested) layer path. */
    ImportTestModel weights(List<String> path, int[]... shapes) {
        List<Tensor> ts = new ArrayList<>();
        for (int[] s : shapes) ts.add(random(s));
        weights.put(path, ts);
        return this;
    }

    ImportTestModel weights(String layer, int[]... shapes) { return weights(List.of(layer), shapes); }

    Tensor random(int... shape) {
        Tensor t = Tensor.zeros(shape);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) d[i] = rnd.nextFloat() * 2 - 1;
        return t;
    }

    /** Weight t of a layer (as stored). */
    Tensor w(String layer, int t) { return weights.get(List.of(layer)).get(t); }

    ObjectNode functionalConfig(String name) {
        return cfg("class_name", "Functional", "config", cfg("name", name, "layers", layers,
                "input_layers", inputs, "output_layers", outputs));
    }

    ArrayNode layerList() { return layers; }

    KerasModelFile file() { return file(functionalConfig("test_model").toString()); }

    KerasModelFile file(String config) { return of(config, keras3 ? "3.10.0" : "2.6.0", weights); }

    static KerasModelFile of(String config, String version, Map<List<String>, List<Tensor>> weights) {
        return new KerasModelFile() {
            @Override public String source() { return "test.h5"; }
            @Override public String format() { return "h5"; }
            @Override public String kerasVersion() { return version; }
            @Override public String modelConfigJson() { return config; }
            @Override public List<Tensor> layerWeights(List<String> p) { return weights.getOrDefault(p, List.of()); }
            @Override public List<String> layerWeightNames(List<String> p) {
                List<String> n = new ArrayList<>();
                for (int i = 0; i < layerWeights(p).size(); i++) n.add(String.join("/", p) + "/w" + i);
                return n;
            }
        };
    }

    static String pretty(Object o) {
        try {
            return new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(o);
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }
}
