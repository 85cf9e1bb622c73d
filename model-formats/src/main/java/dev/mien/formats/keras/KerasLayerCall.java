package dev.mien.formats.keras;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mien.engine.Tensor;
import dev.mien.engine.ir.Attrs;
import dev.mien.engine.ir.GraphException;
import dev.mien.engine.ir.Op;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * One call of one Keras layer being imported: its config, its resolved inputs (value names,
 * with constants kept in place for op layers), its weights, and the builder to emit into.
 */
final class KerasLayerCall {
    /** A positional operand: a graph value or a constant from the config. */
    record Operand(String value, JsonNode constant) {
        boolean isTensor() { return value != null; }
    }

    final KerasConfig.LayerSpec layer;
    final JsonNode config;
    final KerasGraphBuilder b;
    /** Name of the main output value (layer name, scoped by nested models, suffixed for repeated calls). */
    final String name;
    final List<String> weightPath;
    final List<Operand> operands;
    final JsonNode kwargs;
    /** Tensor-ref resolution for references inside kwargs (TFOpLambda's y, ...). */
    final java.util.function.Function<KerasConfig.TensorRef, String> resolver;

    KerasLayerCall(KerasConfig.LayerSpec layer, KerasGraphBuilder b, String name, List<String> weightPath,
                   List<Operand> operands, JsonNode kwargs,
                   java.util.function.Function<KerasConfig.TensorRef, String> resolver) {
        this.layer = layer;
        this.config = layer.config();
        this.b = b;
        this.name = name;
        this.weightPath = weightPath;
        this.operands = operands;
        this.kwargs = kwargs;
        this.resolver = resolver;
    }

    /** Tensor inputs in order. */
    List<String> inputs() {
        List<String> r = new ArrayList<>();
        for (Operand o : operands) if (o.isTensor()) r.add(o.value);
        return r;
    }

    String input() {
        List<String> in = inputs();
        if (in.size() != 1) throw fail("expects one input tensor, got " + in.size());
        return in.get(0);
    }

    int[] shape(String v) { return b.shape(v); }

    /** Emits a node; a node the op's definition rejects fails naming this layer and the node. */
    String emit(String nodeName, Op op, List<String> in, Attrs attrs, Map<String, Tensor> params) {
        try {
            return b.emit(nodeName, op, in, attrs, params);
        } catch (GraphException e) {
            throw fail(e.getMessage());
        }
    }

    KerasImportException fail(String what) {
        return new KerasImportException(b.source() + ": layer " + layer.describe() + ": " + what);
    }

    // --- config access -----------------------------------------------------------------------

    int cfgInt(String key, int dflt) { JsonNode n = config.get(key); return n == null || n.isNull() ? dflt : n.asInt(); }
    double cfgDouble(String key, double dflt) { JsonNode n = config.get(key); return n == null || n.isNull() ? dflt : n.asDouble(); }
    boolean cfgBool(String key, boolean dflt) { JsonNode n = config.get(key); return n == null || n.isNull() ? dflt : n.asBoolean(); }
    String cfgString(String key, String dflt) { JsonNode n = config.get(key); return n == null || n.isNull() ? dflt : n.asText(); }

    int[] cfgPair(String key, int dflt) {
        try {
            return KerasConfig.pair(config.get(key), dflt, key);
        } catch (IllegalArgumentException e) {
            throw fail(e.getMessage());
        }
    }

    // --- weights -----------------------------------------------------------------------------

    /** The layer's stored weights, checked to be exactly {@code expected} many. */
    List<Tensor> weights(int expected, String what) {
        List<Tensor> w = b.weights(weightPath);
        if (w.size() != expected)
            throw fail("expected " + expected + " weight arrays (" + what + "), the file has " + w.size()
                    + (w.isEmpty() ? " (missing weights)" : " " + b.weightNames(weightPath)));
        return w;
    }

    /** Checks a weight's shape; -1 in {@code expected} matches any size. */
    Tensor check(Tensor t, String what, int... expected) {
        int[] s = t.shape();
        boolean ok = s.length == expected.length;
        for (int i = 0; ok && i < s.length; i++) ok = expected[i] < 0 || expected[i] == s[i];
        if (!ok) throw fail(what + " has shape " + Arrays.toString(s) + ", expected " + Arrays.toString(expected)
                + " from the config and the input shape");
        return t;
    }
}
