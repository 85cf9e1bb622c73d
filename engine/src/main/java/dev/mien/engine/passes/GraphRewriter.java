package dev.mien.engine.passes;

import dev.mien.engine.ir.Graph;
import dev.mien.engine.ir.Node;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Producer/consumer bookkeeping shared by the passes. */
final class GraphRewriter {
    final Graph graph;
    final List<Node> nodes;
    final Map<String, Node> producer = new HashMap<>();
    final Map<String, Integer> uses = new HashMap<>();
    final Set<String> protectedValues;

    GraphRewriter(Graph g, Set<String> keep) {
        graph = g;
        nodes = new ArrayList<>(g.nodes());
        for (Node n : nodes) {
            for (String o : n.outputs()) producer.put(o, n);
            for (String i : n.inputs()) uses.merge(i, 1, Integer::sum);
        }
        protectedValues = new HashSet<>(g.outputs());
        protectedValues.addAll(keep);
    }

    /** The single-output node producing {@code value}, if its output is read only once and need not be kept. */
    Node soleProducer(String value) {
        Node p = producer.get(value);
        if (p == null || p.outputs().size() != 1) return null;
        if (uses.getOrDefault(value, 0) != 1 || protectedValues.contains(value)) return null;
        return p;
    }

    Graph result() { return graph.withNodes(nodes); }
}
