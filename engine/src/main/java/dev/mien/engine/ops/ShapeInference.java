package dev.mien.engine.ops;

import dev.mien.engine.Tensor;
import dev.mien.engine.io.Printable;
import dev.mien.engine.ir.Graph;
import dev.mien.engine.ir.GraphException;
import dev.mien.engine.ir.Node;
import dev.mien.engine.ir.ValueInfo;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The shape of every value of a graph at one batch size, and the multiply-accumulates of one
 * run, from the op definitions alone (no backend, no lowering). Validates every node on the
 * way, so a malformed graph fails here with one message naming the node.
 */
public final class ShapeInference {
    private ShapeInference() {}

    /**
     * @param shapes   every value's full shape (batch included; constants as stored), in definition order
     * @param nodeMacs multiply-accumulates of each node, indexed like {@link Graph#nodes()}
     * @param macs     their sum
     */
    public record Result(Map<String, int[]> shapes, long[] nodeMacs, long macs) {
        public int[] shape(String value) {
            int[] s = shapes.get(value);
            if (s == null) throw new IllegalArgumentException("unknown value " + value);
            return s.clone();
        }
    }

    public static Result infer(Graph g, int batch) {
        if (batch < 1) throw new GraphException("batch must be >= 1, got " + batch);
        Map<String, int[]> shapes = new LinkedHashMap<>();
        for (ValueInfo in : g.inputs()) {
            int[] s = in.sampleShape();
            int[] full = new int[s.length + 1];
            full[0] = batch;
            System.arraycopy(s, 0, full, 1, s.length);
            define(shapes, in.name(), full);
        }
        for (Map.Entry<String, Tensor> c : g.constants().entrySet()) define(shapes, c.getKey(), c.getValue().shape());
        long[] nodeMacs = new long[g.nodes().size()];
        long macs = 0;
        for (int i = 0; i < nodeMacs.length; i++) {
            Node n = g.nodes().get(i);
            OpDefinition d = OpDefinitions.of(n.op());
            d.validate(n);
            int[][] in = new int[n.inputs().size()][];
            for (int k = 0; k < in.length; k++) {
                in[k] = shapes.get(n.inputs().get(k));
                if (in[k] == null) throw new GraphException(OpDefinition.where(n) + "input '" + Printable.clip(n.inputs().get(k)) + "' is not produced by any earlier node");
            }
            int[][] out = d.outputShapes(n, in);
            if (out.length != n.outputs().size())
                throw new GraphException(OpDefinition.where(n) + "produces " + out.length + " values, graph names " + n.outputs().size());
            for (int k = 0; k < out.length; k++) {
                for (int dim : out[k])
                    if (dim < 1) throw new GraphException(OpDefinition.where(n) + "value '" + Printable.clip(n.outputs().get(k)) + "' would have shape "
                            + Arrays.toString(out[k]) + " (input too small for this op?)");
                define(shapes, n.outputs().get(k), out[k]);
            }
            nodeMacs[i] = d.macs(n, in, out);
            macs += nodeMacs[i];
        }
        for (String o : g.outputs()) if (!shapes.containsKey(o)) throw new GraphException("graph output '" + o + "' is not a value of the graph");
        return new Result(Collections.unmodifiableMap(shapes), nodeMacs, macs);
    }

    private static void define(Map<String, int[]> shapes, String name, int[] shape) {
        if (shapes.putIfAbsent(name, shape) != null) throw new GraphException("value '" + name + "' is defined twice");
    }
}
