package dev.mien.engine.ir;

import dev.mien.engine.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A typed dataflow graph: inputs, named constant tensors, nodes in topological order, named
 * outputs, and metadata (architecture, preprocessing, class names) that travels with the model
 * file. A constant (like an ONNX initializer) is a value any node may read; its shape is its full
 * shape (no batch axis is added), so it broadcasts against activations as NumPy would.
 */
public final class Graph {
    private final List<ValueInfo> inputs;
    private final List<Node> nodes;
    private final List<String> outputs;
    private final Map<String, String> metadata;
    private final Map<String, Tensor> constants;

    public Graph(List<ValueInfo> inputs, List<Node> nodes, List<String> outputs, Map<String, String> metadata) {
        this(inputs, Map.of(), nodes, outputs, metadata);
    }

    public Graph(List<ValueInfo> inputs, Map<String, Tensor> constants, List<Node> nodes, List<String> outputs, Map<String, String> metadata) {
        this.constants = Collections.unmodifiableMap(new LinkedHashMap<>(constants == null ? Map.of() : constants));
        this.inputs = List.copyOf(inputs);
        this.nodes = List.copyOf(nodes);
        this.outputs = List.copyOf(outputs);
        this.metadata = new LinkedHashMap<>(metadata == null ? Map.of() : metadata);
    }

    public List<ValueInfo> inputs() { return inputs; }
    public List<Node> nodes() { return nodes; }
    public List<String> outputs() { return outputs; }
    public Map<String, String> metadata() { return metadata; }
    /** Named constant tensors, in insertion order. */
    public Map<String, Tensor> constants() { return constants; }

    public Graph withNodes(List<Node> newNodes) { return new Graph(inputs, constants, newNodes, outputs, metadata); }

    public Graph withConstants(Map<String, Tensor> newConstants) { return new Graph(inputs, newConstants, nodes, outputs, metadata); }

    public Graph withMetadata(String key, String value) {
        Map<String, String> m = new LinkedHashMap<>(metadata);
        m.put(key, value);
        return new Graph(inputs, constants, nodes, outputs, m);
    }

    /** Number of weight values held by all nodes and constants. */
    public long parameterCount() {
        long n = 0;
        for (Tensor t : constants.values()) n += t.size();
        for (Node node : nodes) for (Tensor t : node.params().values()) n += t.size();
        return n;
    }

    /** Consumers of each value name. */
    public Map<String, List<Node>> consumers() {
        Map<String, List<Node>> m = new LinkedHashMap<>();
        for (Node n : nodes) for (String in : n.inputs()) m.computeIfAbsent(in, k -> new ArrayList<>()).add(n);
        return m;
    }
}
