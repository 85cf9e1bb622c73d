package dev.mien.formats.keras;

import dev.mien.engine.Tensor;
import dev.mien.engine.ir.Attrs;
import dev.mien.engine.ir.Node;
import dev.mien.engine.ir.Op;
import dev.mien.engine.ir.ValueInfo;
import dev.mien.engine.ops.OpDefinition;
import dev.mien.engine.ops.OpDefinitions;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The graph under construction: nodes in topological order, the per-sample shape of every value
 * (shape inference runs as layers are imported, because TF's 'same' padding depends on sizes),
 * unique names, and access to the file's weights.
 */
final class KerasGraphBuilder {
    final KerasModelFile file;
    final boolean keras3;
    final List<ValueInfo> inputs = new ArrayList<>();
    final List<Node> nodes = new ArrayList<>();
    /** Constant operands from the config (TFOpLambda / operation layers), with their full shapes. */
    final Map<String, Tensor> constants = new LinkedHashMap<>();
    private final Map<String, int[]> shapes = new HashMap<>();
    private final Set<String> names = new HashSet<>();
    /** Keras layer path ("base_model/conv1") -> the value of its first call's first output. */
    final Map<String, String> kerasValues = new LinkedHashMap<>();

    KerasGraphBuilder(KerasModelFile file, boolean keras3) {
        this.file = file;
        this.keras3 = keras3;
    }

    String source() { return file.source(); }

    String unique(String base) {
        String n = base;
        for (int i = 1; names.contains(n); i++) n = base + "~" + i;
        names.add(n);
        return n;
    }

    String addInput(String name, int[] sampleShape) {
        String n = unique(name);
        inputs.add(new ValueInfo(n, sampleShape, "NHWC"));
        shapes.put(n, sampleShape.clone());
        return n;
    }

    /** Adds a graph constant; its shape is its full shape (it broadcasts against batched values). */
    String addConstant(String name, Tensor value) {
        String n = unique(name);
        constants.put(n, value);
        return n;
    }

    /** Full shape (batch 1) of a value for the op definitions: a constant's own shape, else batch + per-sample shape. */
    private int[] fullShape(String value) {
        Tensor c = constants.get(value);
        if (c != null) return c.shape();
        int[] s = shape(value);
        int[] full = new int[s.length + 1];
        full[0] = 1;
        System.arraycopy(s, 0, full, 1, s.length);
        return full;
    }

    /**
     * Adds a single-output node and returns its output value name. The node is validated and its
     * shape inferred by the op's definition (the one the planner uses), at batch 1.
     */
    String emit(String name, Op op, List<String> in, Attrs attrs, Map<String, Tensor> params) {
        String n = unique(name);
        Node node = Node.of(n, op, in, attrs, params);
        int[][] full = new int[in.size()][];
        for (int i = 0; i < full.length; i++) full[i] = fullShape(in.get(i));
        OpDefinition def = OpDefinitions.of(op);
        def.validate(node);
        int[] out = def.outputShapes(node, full)[0];
        int[] sample = Arrays.copyOfRange(out, 1, out.length);
        for (int d : sample)
            if (d <= 0) throw new KerasImportException(source() + ": value '" + n + "' would have shape "
                    + Arrays.toString(sample) + " (input too small for this layer?)");
        nodes.add(node);
        shapes.put(n, sample);
        return n;
    }

    int[] shape(String value) {
        int[] s = shapes.get(value);
        if (s == null) throw new IllegalStateException("no shape for value " + value);
        return s.clone();
    }

    List<Tensor> weights(List<String> path) {
        try {
            return file.layerWeights(path);
        } catch (KerasImportException e) {
            throw e;
        } catch (KerasFormatException e) {
            throw new KerasImportException(e.getMessage());
        } catch (RuntimeException e) {
            throw new KerasImportException(source() + ": cannot read the weights of layer '"
                    + String.join("/", path) + "': " + e.getMessage());
        }
    }

    List<String> weightNames(List<String> path) {
        try {
            return file.layerWeightNames(path);
        } catch (KerasFormatException | RuntimeException e) {
            return List.of();
        }
    }
}
