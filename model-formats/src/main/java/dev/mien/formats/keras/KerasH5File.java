package dev.mien.formats.keras;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mien.engine.Tensor;
import io.jhdf.HdfFile;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Keras model saved in the legacy HDF5 format ({@code model.save('x.h5')}) by Keras 2.x,
 * tf.keras 2 or Keras 3. Everything is read when the file is opened; the file is not held open.
 *
 * <p>Layout: root attributes model_config (JSON), keras_version, backend; group model_weights
 * (or the root, for a weights-only file) with attribute layer_names; one group per layer with
 * attribute weight_names, each naming a dataset relative to that group. A nested model has one
 * group holding all of its sublayers' weights, named after the sublayer ({@code conv1/kernel:0})
 * or with enclosing model names in front; {@link #layerWeights} picks a sublayer's by name.
 */
public final class KerasH5File implements KerasModelFile {
    private record StoredWeight(String name, Tensor value) {}

    private final String source;
    private final String kerasVersion;
    private final String backend;
    private final String configJson;
    private final JsonNode config;
    private final List<String> layerNames;
    private final Map<String, List<StoredWeight>> layers;

    private KerasH5File(String source, String kerasVersion, String backend, String configJson, JsonNode config,
                        List<String> layerNames, Map<String, List<StoredWeight>> layers) {
        this.source = source;
        this.kerasVersion = kerasVersion;
        this.backend = backend;
        this.configJson = configJson;
        this.config = config;
        this.layerNames = layerNames;
        this.layers = layers;
    }

    /** A full model file: model_config is required. */
    public static KerasH5File open(Path file) throws KerasFormatException {
        return read(file.toString(), sizeOf(file), null, s -> Hdf5Access.open(s, file));
    }

    /** The same from bytes in memory; {@code source} names them in messages. */
    public static KerasH5File open(String source, byte[] bytes) throws KerasFormatException {
        return read(source, bytes.length, null, s -> Hdf5Access.open(s, bytes));
    }

    /**
     * A weights-only file ({@code model.save_weights('w.h5')}, layer_names on the root) or a full
     * file whose config should be replaced, with the model config JSON supplied separately.
     */
    public static KerasH5File openWeights(Path file, String modelConfigJson) throws KerasFormatException {
        return read(file.toString(), sizeOf(file), modelConfigJson, s -> Hdf5Access.open(s, file));
    }

    private static long sizeOf(Path file) throws KerasFormatException {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new KerasFormatException(file.toString(), "cannot read file: " + e, e);
        }
    }

    private interface Opener { HdfFile open(String source) throws KerasFormatException; }

    private static KerasH5File read(String source, long length, String suppliedConfig, Opener opener)
            throws KerasFormatException {
        HdfFile hdf = opener.open(source);
        try {
            return read(new Hdf5Access(source, length), hdf, suppliedConfig);
        } finally {
            Hdf5Access.closeQuietly(hdf);
        }
    }

    private static KerasH5File read(Hdf5Access h5, HdfFile root, String suppliedConfig) throws KerasFormatException {
        String source = h5.source();
        String configJson = suppliedConfig != null ? suppliedConfig : h5.stringAttribute(root, "model_config");
        if (configJson == null) {
            String hint = h5.hasAttribute(root, "layer_names")
                    ? " (this is a weights-only file: open it with KerasH5File.openWeights and the model's config)" : "";
            throw new KerasFormatException(source, "no model_config attribute: not a Keras model file" + hint);
        }
        JsonNode config = KerasFiles.parseConfig(source, configJson);
        String version = h5.stringAttribute(root, "keras_version");
        String backend = h5.stringAttribute(root, "backend");

        Group weightsRoot = h5.childGroup(root, "model_weights");
        if (weightsRoot == null) {
            if (!h5.hasAttribute(root, "layer_names"))
                throw new KerasFormatException(source, "no model_weights group (model saved without weights?)");
            weightsRoot = root;
        }
        if (version == null) version = h5.stringAttribute(weightsRoot, "keras_version");
        if (backend == null) backend = h5.stringAttribute(weightsRoot, "backend");
        List<String> names = h5.stringListAttribute(weightsRoot, "layer_names");
        if (names == null)
            throw new KerasFormatException(source, weightsRoot.getPath() + " has no layer_names attribute");

        Map<String, List<StoredWeight>> layers = new LinkedHashMap<>();
        for (String name : names) {
            if (layers.containsKey(name))
                throw new KerasFormatException(source, "layer_names lists " + name + " twice");
            layers.put(name, readLayer(h5, weightsRoot, name));
        }
        return new KerasH5File(source, version == null ? "" : version, backend == null ? "" : backend,
                configJson, config, List.copyOf(names), layers);
    }

    private static List<StoredWeight> readLayer(Hdf5Access h5, Group weightsRoot, String name)
            throws KerasFormatException {
        String source = h5.source();
        Node node = h5.nodeAt(weightsRoot, name);
        if (!(node instanceof Group group))
            throw new KerasFormatException(source, "layer_names lists " + name + " but there is no group "
                    + weightsRoot.getPath() + name);
        List<String> weightNames = h5.stringListAttribute(group, "weight_names");
        if (weightNames == null)
            throw new KerasFormatException(source, "layer group " + group.getPath() + " has no weight_names attribute");
        List<StoredWeight> out = new ArrayList<>();
        for (String wn : weightNames) {
            Node ds = h5.nodeAt(group, wn);
            if (!(ds instanceof Dataset dataset))
                throw new KerasFormatException(source, "weight_names of layer " + name + " lists " + wn
                        + " but there is no dataset " + group.getPath() + "/" + wn);
            out.add(new StoredWeight(wn, h5.readTensor(dataset)));
        }
        return List.copyOf(out);
    }

    @Override public String source() { return source; }
    @Override public String format() { return "h5"; }
    @Override public String kerasVersion() { return kerasVersion; }
    @Override public String modelConfigJson() { return configJson; }

    /** backend attribute ("tensorflow", "theano", ...), or "" when absent. */
    public String backend() { return backend; }

    /** The layer_names attribute: top-level layers that have a weight group, in model order. */
    public List<String> storedLayerNames() { return layerNames; }

    @Override
    public List<Tensor> layerWeights(List<String> layerPath) throws KerasFormatException {
        return select(layerPath).stream().map(StoredWeight::value).toList();
    }

    @Override
    public List<String> layerWeightNames(List<String> layerPath) throws KerasFormatException {
        return select(layerPath).stream().map(StoredWeight::name).toList();
    }

    private List<StoredWeight> select(List<String> path) throws KerasFormatException {
        if (path == null || path.isEmpty() || path.stream().anyMatch(java.util.Objects::isNull))
            throw new IllegalArgumentException(source + ": empty layer path");
        List<JsonNode> chain = KerasFiles.findLayer(config, path);
        List<StoredWeight> group = layers.get(path.get(0));
        if (group == null) {
            if (chain == null) throw unknownLayer(path);
            // Keras 3 lists operations (split, multiply) in the config but not in layer_names.
            if (KerasFiles.isOperation(chain.get(0))) return List.of();
            throw new KerasFormatException(source, "the model config lists layer " + path.get(0)
                    + " but the file stores no weights for it (layer_names: " + KerasFiles.preview(layerNames) + ")");
        }
        if (path.size() == 1) return group;
        if (chain == null) throw unknownLayer(path);
        return sublayerWeights(group, path);
    }

    private IllegalArgumentException unknownLayer(List<String> path) {
        return new IllegalArgumentException(source + ": no layer " + KerasFiles.describePath(path)
                + " in the model config (top-level layers: " + KerasFiles.preview(KerasFiles.layerNames(config)) + ")");
    }

    /**
     * A nested model's group holds every sublayer's weights, named by TF variable name: the
     * sublayer name and variable ({@code conv1/kernel:0}), sometimes with enclosing model names
     * in front ({@code base_model/conv1/kernel:0}). A weight belongs to the sublayer when the
     * segments before its variable name end with the sublayer's name; when several candidates
     * match, the one agreeing with more of the enclosing path (then the shortest) wins. The
     * group lists a model's trainable weights before its frozen ones, but one layer's weights
     * keep Keras' order within that (e.g. BatchNormalization gamma, beta, moving_mean, moving_variance).
     */
    private List<StoredWeight> sublayerWeights(List<StoredWeight> group, List<String> path)
            throws KerasFormatException {
        int bestScore = 0;
        Map<String, List<StoredWeight>> byOwner = new LinkedHashMap<>();
        for (StoredWeight w : group) {
            List<String> owner = ownerSegments(w.name());
            int score = commonSuffix(owner, path);
            if (score == 0) continue;
            if (score > bestScore) { bestScore = score; byOwner.clear(); }
            if (score == bestScore) byOwner.computeIfAbsent(String.join("/", owner), k -> new ArrayList<>()).add(w);
        }
        if (byOwner.isEmpty()) return List.of(); // a weightless sublayer (ReLU, pooling, ...)
        if (byOwner.size() == 1) return List.copyOf(byOwner.values().iterator().next());
        int shortest = byOwner.keySet().stream().mapToInt(k -> k.split("/").length).min().orElseThrow();
        List<String> owners = byOwner.keySet().stream().filter(k -> k.split("/").length == shortest).toList();
        if (owners.size() > 1)
            throw new KerasFormatException(source, "weights of " + KerasFiles.describePath(path)
                    + " are ambiguous in group " + path.get(0) + ": " + owners);
        return List.copyOf(byOwner.get(owners.get(0)));
    }

    /** "a/b/kernel:0" -> [a, b]: everything before the variable name. */
    private static List<String> ownerSegments(String weightName) {
        String[] parts = weightName.split("/");
        return Arrays.asList(parts).subList(0, Math.max(0, parts.length - 1));
    }

    private static int commonSuffix(List<String> a, List<String> b) {
        int n = 0;
        while (n < a.size() && n < b.size() && a.get(a.size() - 1 - n).equals(b.get(b.size() - 1 - n))) n++;
        return n;
    }

    @Override public String toString() { return "KerasH5File[" + source + ", keras " + kerasVersion + "]"; }
}
