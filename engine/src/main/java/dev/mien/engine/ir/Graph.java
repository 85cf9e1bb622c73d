package dev.mien.engine.ir;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A typed dataflow graph: inputs, nodes in topological order, named outputs, and metadata
 * (architecture, preprocessing, class names) that travels with the model file.
 */
public final class Graph {
    private final List<ValueInfo> inputs;
    private final List<Node> nodes;
    private final List<String> outputs;
    private final Map<String, String> metadata;

    public Graph(List<ValueInfo> inputs, List<Node> nodes, List<String> outputs, Map<String, String> metadata) {
        this.inputs = List.copyOf(inputs);
        this.nodes = List.copyOf(nodes);
        this.outputs = List.copyOf(outputs);
        this.metadata = new LinkedHashMap<>(metadata == null ? Map.of() : metadata);
    }

    public List<ValueInfo> inputs() { return inputs; }
    public List<Node> nodes() { return nodes; }
    public List<String> outputs() { return outputs; }
    public Map<String, String> metadata() { return metadata; }

    public Graph withNodes(List<Node> newNodes) { return new Graph(inputs, newNodes, outputs, metadata); }

    public Graph withMetadata(String key, String value) {
        Map<String, String> m = new LinkedHashMap<>(metadata);
        m.put(key, value);
        return new Graph(inputs, nodes, outputs, m);
    }

    /** Number of weight values of all nodes (weights a model holds packed outside the graph included). */
    public long parameterCount() {
        long n = 0;
        for (Node node : nodes) {
            for (var t : node.params().values()) n += t.size();
            if (node.param("weight") == null && node.attrs().has("weight_shape")) {
                long c = 1;
                for (int d : node.attrs().getInts("weight_shape")) c *= d;
                n += c;
            }
        }
        return n;
    }

    /** Consumers of each value name. */
    public Map<String, List<Node>> consumers() {
        Map<String, List<Node>> m = new LinkedHashMap<>();
        for (Node n : nodes) for (String in : n.inputs()) m.computeIfAbsent(in, k -> new ArrayList<>()).add(n);
        return m;
    }
}
