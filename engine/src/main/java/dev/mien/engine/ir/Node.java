package dev.mien.engine.ir;

import dev.mien.engine.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One operation: reads named values, writes named values, owns its weights (params). */
public final class Node {
    private final String name;
    private final Op op;
    private final List<String> inputs;
    private final List<String> outputs;
    private final Attrs attrs;
    private final Map<String, Tensor> params;

    public Node(String name, Op op, List<String> inputs, List<String> outputs, Attrs attrs, Map<String, Tensor> params) {
        this.name = name;
        this.op = op;
        this.inputs = new ArrayList<>(inputs);
        this.outputs = new ArrayList<>(outputs);
        this.attrs = attrs == null ? new Attrs() : attrs;
        this.params = params == null ? new LinkedHashMap<>() : new LinkedHashMap<>(params);
    }

    /** Convenience: a single-output node whose output value is named after the node. */
    public static Node of(String name, Op op, List<String> inputs, Attrs attrs, Map<String, Tensor> params) {
        return new Node(name, op, inputs, List.of(name), attrs, params);
    }

    public String name() { return name; }
    public Op op() { return op; }
    public List<String> inputs() { return inputs; }
    public List<String> outputs() { return outputs; }
    public String output() { return outputs.get(0); }
    public Attrs attrs() { return attrs; }
    public Map<String, Tensor> params() { return params; }
    public Tensor param(String key) { return params.get(key); }

    public Node withInputs(List<String> newInputs) { return new Node(name, op, newInputs, outputs, attrs, params); }
    public Node withOutputs(List<String> newOutputs) { return new Node(name, op, inputs, newOutputs, attrs, params); }

    @Override public String toString() { return name + ":" + op + inputs + "->" + outputs + " " + attrs; }
}
