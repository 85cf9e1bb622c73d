package dev.mien.engine.ir;

import dev.mien.engine.NetworkCard;
import dev.mien.engine.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A typed dataflow graph: inputs, named constant tensors, nodes in topological order, named
 * outputs, the network's {@link NetworkCard} (what the network is: input, preprocessing, output,
 * labels), and free string metadata (what older model files carried instead of a card). A
 * constant (like an ONNX initializer) is a value any node may read; its shape is its full shape
 * (no batch axis is added), so it broadcasts against activations as NumPy would.
 */
public final class Graph {
    private final List<ValueInfo> inputs;
    private final List<Node> nodes;
    private final List<String> outputs;
    private final Map<String, String> metadata;
    private final Map<String, Tensor> constants;
    /** Null when no importer wrote one: {@link #card()} then derives it from the graph and metadata. */
    private final NetworkCard card;

    public Graph(List<ValueInfo> inputs, List<Node> nodes, List<String> outputs, Map<String, String> metadata) {
        this(inputs, Map.of(), nodes, outputs, metadata, null);
    }

    public Graph(List<ValueInfo> inputs, List<Node> nodes, List<String> outputs, Map<String, String> metadata, NetworkCard card) {
        this(inputs, Map.of(), nodes, outputs, metadata, card);
    }

    public Graph(List<ValueInfo> inputs, Map<String, Tensor> constants, List<Node> nodes, List<String> outputs, Map<String, String> metadata) {
        this(inputs, constants, nodes, outputs, metadata, null);
    }

    public Graph(List<ValueInfo> inputs, Map<String, Tensor> constants, List<Node> nodes, List<String> outputs,
                 Map<String, String> metadata, NetworkCard card) {
        this.constants = Collections.unmodifiableMap(new LinkedHashMap<>(constants == null ? Map.of() : constants));
        this.inputs = List.copyOf(inputs);
        this.nodes = List.copyOf(nodes);
        this.outputs = List.copyOf(outputs);
        this.metadata = new LinkedHashMap<>(metadata == null ? Map.of() : metadata);
        this.card = card;
    }

    public List<ValueInfo> inputs() { return inputs; }
    public List<Node> nodes() { return nodes; }
    public List<String> outputs() { return outputs; }
    public Map<String, String> metadata() { return metadata; }
    /** Named constant tensors, in insertion order. */
    public Map<String, Tensor> constants() { return constants; }

    /** The card an importer wrote, else one derived from the graph and its string metadata. */
    public NetworkCard card() { return card != null ? card : NetworkCard.fromLegacyMetadata(this); }

    /** Whether an importer or model file supplied the card (rather than it being derived). */
    public boolean hasCard() { return card != null; }

    public Graph withCard(NetworkCard c) { return new Graph(inputs, constants, nodes, outputs, metadata, c); }

    public Graph withNodes(List<Node> newNodes) { return new Graph(inputs, constants, newNodes, outputs, metadata, card); }

    public Graph withConstants(Map<String, Tensor> newConstants) { return new Graph(inputs, newConstants, nodes, outputs, metadata, card); }

    public Graph withMetadata(String key, String value) {
        Map<String, String> m = new LinkedHashMap<>(metadata);
        m.put(key, value);
        return new Graph(inputs, constants, nodes, outputs, m, card);
    }

    /** Number of weight values held by all nodes and constants (weights a model holds packed outside the graph included). */
    public long parameterCount() {
        long n = 0;
        for (Tensor t : constants.values()) n += t.size();
        for (Node node : nodes) {
            for (Tensor t : node.params().values()) n += t.size();
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
