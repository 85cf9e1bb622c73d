package dev.mien.formats.keras;

import dev.mien.engine.Tensor;
import dev.mien.engine.ir.Attrs;
import dev.mien.engine.ir.Node;
import dev.mien.engine.ir.Op;
import dev.mien.engine.ir.ValueInfo;

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

    /** Adds a single-output node and returns its output value name. */
    String emit(String name, Op op, List<String> in, Attrs attrs, Map<String, Tensor> params, int[] outShape) {
        String n = unique(name);
        for (int d : outShape)
            if (d <= 0) throw new KerasImportException(source() + ": value '" + n + "' would have shape "
                    + Arrays.toString(outShape) + " (input too small for this layer?)");
        nodes.add(Node.of(n, op, in, attrs, params));
        shapes.put(n, outShape.clone());
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
