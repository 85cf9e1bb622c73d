package dev.mien.formats.keras;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mien.engine.Tensor;
import dev.mien.engine.io.Printable;
import dev.mien.engine.io.ReadLimits;
import dev.mien.formats.ZipMembers;
import io.jhdf.HdfFile;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * A Keras 3 {@code .keras} archive: a zip with config.json, metadata.json and model.weights.h5.
 * Entries are read into memory with size limits (never extracted to disk); everything is read
 * when the archive is opened.
 *
 * <p>model.weights.h5 stores each layer's variables at {@code layers/<key>/vars/0, 1, ...},
 * nested models at {@code layers/<key>/layers/<key>/vars/...}. Keras names {@code <key>} after
 * the layer's class, not the layer: snake_case(class) with _1, _2, ... for repeats, counted
 * over the model's layers in config order. Newer files also put the layer's name in an
 * attribute {@code name} of each vars group; that is preferred when present.
 */
public final class KerasArchiveFile implements KerasModelFile {
    static final String CONFIG = "config.json";
    static final String METADATA = "metadata.json";
    static final String WEIGHTS = "model.weights.h5";
    /** Largest JSON entry we read (configs of large models are a few MB). */
    static final long MAX_JSON_BYTES = 64L << 20;
    /** Largest weights entry: it is held in one byte array. */
    static final long MAX_WEIGHTS_BYTES = Integer.MAX_VALUE - 64;
    static final int MAX_ENTRIES = 100_000;
    /** Bounds the walk over the weights file: nesting and the number of groups visited. */
    private static final int MAX_DEPTH = 64;
    private static final int MAX_GROUPS = 1_000_000;

    /** The variables of one stored object (a vars group). */
    private record StoredVars(String path, String nameAttr, List<Tensor> values) {}

    private final String source;
    private final String kerasVersion;
    private final String configJson;
    private final JsonNode config;
    /** Storage path of the object (e.g. "layers/conv2d") -> its variables. */
    private final Map<String, StoredVars> vars;
    /** Every group path below the layer container, with or without vars (nested models may lack them). */
    private final java.util.Set<String> objects;
    /** "layers" or, in files from Keras 2.13, "_layer_checkpoint_dependencies". */
    private final String containerName;

    private KerasArchiveFile(String source, String kerasVersion, String configJson, JsonNode config,
                             Map<String, StoredVars> vars, java.util.Set<String> objects, String containerName) {
        this.source = source;
        this.kerasVersion = kerasVersion;
        this.configJson = configJson;
        this.config = config;
        this.vars = vars;
        this.objects = objects;
        this.containerName = containerName;
    }

    public static KerasArchiveFile open(Path file) throws KerasFormatException {
        String source = file.toString();
        Map<String, byte[]> entries;
        try (ZipFile zip = new ZipFile(file.toFile())) {
            entries = readEntries(source, zip);
        } catch (ZipException e) {
            throw new KerasFormatException(source, "not a readable zip archive: " + Printable.reason(e, 160), e);
        } catch (KerasFormatException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new KerasFormatException(source, "cannot read zip archive: " + e, e);
        }
        return read(source, entries);
    }

    /**
     * An unzipped archive: a directory (or class-path resource directory) holding config.json,
     * model.weights.h5 and optionally metadata.json, read with the archive's size limits.
     */
    public static KerasArchiveFile openDirectory(dev.mien.engine.io.ModelSource dir) throws IOException {
        Map<String, byte[]> entries = new HashMap<>();
        for (String name : List.of(CONFIG, METADATA, WEIGHTS)) {
            if (!dir.has(name)) {
                if (name.equals(METADATA)) continue;
                throw new KerasFormatException(dir.name(), "not a Keras model directory: no " + name);
            }
            entries.put(name, dir.resolve(name).readAllBytes(name.equals(WEIGHTS) ? MAX_WEIGHTS_BYTES : MAX_JSON_BYTES));
        }
        return read(dir.name(), entries);
    }

    private static Map<String, byte[]> readEntries(String source, ZipFile zip) throws IOException {
        Map<String, ZipEntry> wanted = new HashMap<>();
        int count = 0;
        for (Enumeration<? extends ZipEntry> en = zip.entries(); en.hasMoreElements(); ) {
            ZipEntry e = en.nextElement();
            if (++count > MAX_ENTRIES)
                throw new KerasFormatException(source, "zip archive has more than " + MAX_ENTRIES + " entries");
            String name = e.getName();
            if (isSuspiciousName(name))
                throw new KerasFormatException(source, "zip entry with an unsafe name: " + name);
            if (name.equals(CONFIG) || name.equals(METADATA) || name.equals(WEIGHTS)) {
                if (wanted.put(name, e) != null)
                    throw new KerasFormatException(source, "zip archive holds " + name + " twice");
            }
        }
        for (String required : List.of(CONFIG, WEIGHTS))
            if (!wanted.containsKey(required))
                throw new KerasFormatException(source, "not a Keras archive: no " + required + " entry"
                        + (required.equals(WEIGHTS) ? " (weights stored in another format, e.g. .npz, are not supported)" : ""));
        Map<String, byte[]> out = new HashMap<>();
        for (var e : wanted.entrySet()) {
            long limit = e.getKey().equals(WEIGHTS) ? MAX_WEIGHTS_BYTES : MAX_JSON_BYTES;
            out.put(e.getKey(), readBounded(source, zip, e.getValue(), limit));
        }
        return out;
    }

    /** Absolute paths, drive letters, backslashes, ".." segments, NULs: nothing Keras writes. */
    static boolean isSuspiciousName(String name) {
        if (name.isEmpty() || name.startsWith("/") || name.indexOf('\\') >= 0 || name.indexOf('\0') >= 0) return true;
        if (name.length() > 1 && name.charAt(1) == ':') return true;
        for (String part : name.split("/")) if (part.equals("..")) return true;
        return false;
    }

    /** Reads at most {@code limit} bytes whatever the entry claims, CRC-checked ({@link ZipMembers}). */
    private static byte[] readBounded(String source, ZipFile zip, ZipEntry entry, long limit) throws IOException {
        try {
            return ZipMembers.read(zip, entry, limit, java.nio.file.Files.size(Path.of(zip.getName())), ReadLimits.current());
        } catch (ZipMembers.BadMember e) {
            throw new KerasFormatException(source, e.getMessage());
        }
    }

    private static KerasArchiveFile read(String source, Map<String, byte[]> entries) throws KerasFormatException {
        String configJson = new String(entries.get(CONFIG), StandardCharsets.UTF_8);
        JsonNode config = KerasFiles.parseConfig(source + "!" + CONFIG, configJson);
        String version = "";
        if (entries.containsKey(METADATA)) {
            JsonNode meta = KerasFiles.parseJson(source + "!" + METADATA, "metadata", entries.get(METADATA));
            version = meta.path("keras_version").asText("");
        }
        String h5Source = source + "!" + WEIGHTS;
        byte[] h5Bytes = entries.get(WEIGHTS);
        HdfFile hdf = Hdf5Access.open(h5Source, h5Bytes);
        try {
            Hdf5Access h5 = new Hdf5Access(h5Source, h5Bytes.length);
            Map<String, StoredVars> vars = new LinkedHashMap<>();
            java.util.Set<String> objects = new java.util.HashSet<>();
            String container = h5.childGroup(hdf, "layers") != null ? "layers"
                    : h5.childGroup(hdf, "_layer_checkpoint_dependencies") != null ? "_layer_checkpoint_dependencies"
                    : "layers";
            Group layersGroup = h5.childGroup(hdf, container);
            if (layersGroup != null) collectVars(h5, layersGroup, container, 0, vars, objects, new int[1]);
            return new KerasArchiveFile(source, version, configJson, config, vars, objects, container);
        } finally {
            Hdf5Access.closeQuietly(hdf);
        }
    }

    /** Every vars group below {@code group}, keyed by the path of the object owning it. */
    private static void collectVars(Hdf5Access h5, Group group, String path, int depth,
                                    Map<String, StoredVars> out, java.util.Set<String> objects, int[] visited)
            throws KerasFormatException {
        objects.add(path);
        if (depth > MAX_DEPTH || ++visited[0] > MAX_GROUPS)
            throw new KerasFormatException(h5.source(), "weights file nests too deeply (looping groups?) at " + path);
        Map<String, Node> children = h5.guard("cannot read group " + path, group::getChildren);
        for (var e : children.entrySet()) {
            String name = e.getKey();
            if (!(e.getValue() instanceof Group child)) continue;
            if (name.equals("vars")) out.put(path, readVars(h5, child, path));
            else collectVars(h5, child, path + "/" + name, depth + 1, out, objects, visited);
        }
    }

    private static StoredVars readVars(Hdf5Access h5, Group varsGroup, String ownerPath) throws KerasFormatException {
        Map<String, Node> children = h5.guard("cannot read group " + ownerPath + "/vars", varsGroup::getChildren);
        int n = children.size();
        List<Tensor> values = new ArrayList<>(n);
        // Variables are named 0, 1, ..., n-1: read them by number, not in the (lexical) listing order.
        for (int i = 0; i < n; i++) {
            Node node = children.get(Integer.toString(i));
            if (!(node instanceof Dataset ds))
                throw new KerasFormatException(h5.source(), ownerPath + "/vars should hold datasets 0.." + (n - 1)
                        + " but has " + children.keySet());
            values.add(h5.readTensor(ds));
        }
        return new StoredVars(ownerPath, h5.stringAttribute(varsGroup, "name"), List.copyOf(values));
    }

    @Override public String source() { return source; }
    @Override public String format() { return "keras"; }
    @Override public String kerasVersion() { return kerasVersion; }
    @Override public String modelConfigJson() { return configJson; }

    @Override
    public List<Tensor> layerWeights(List<String> layerPath) throws KerasFormatException {
        StoredVars v = locate(layerPath);
        return v == null ? List.of() : v.values();
    }

    @Override
    public List<String> layerWeightNames(List<String> layerPath) throws KerasFormatException {
        StoredVars v = locate(layerPath);
        if (v == null) return List.of();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < v.values().size(); i++) names.add(v.path() + "/vars/" + i);
        return names;
    }

    /** The storage path of the layer at {@code layerPath}, e.g. "layers/functional/layers/conv2d". */
    public String storagePath(List<String> layerPath) throws KerasFormatException {
        StoredVars v = locate(layerPath);
        return v == null ? null : v.path();
    }

    /** The stored vars of the layer, or null for a Keras operation (no weights by construction). */
    private StoredVars locate(List<String> path) throws KerasFormatException {
        if (path == null || path.isEmpty() || path.stream().anyMatch(java.util.Objects::isNull))
            throw new IllegalArgumentException(source + ": empty layer path");
        List<JsonNode> chain = KerasFiles.findLayer(config, path);
        if (chain == null)
            throw new IllegalArgumentException(source + ": no layer " + KerasFiles.describePath(path)
                    + " in the model config (top-level layers: " + KerasFiles.preview(KerasFiles.layerNames(config)) + ")");
        if (KerasFiles.isOperation(chain.get(chain.size() - 1))) return null;
        String prefix = "";
        JsonNode container = config;
        StoredVars found = null;
        for (int i = 0; i < path.size(); i++) {
            String key = storageKey(prefix + containerName, container, chain.get(i));
            if (key == null)
                throw new KerasFormatException(source, "the model config lists layer " + KerasFiles.describePath(path.subList(0, i + 1))
                        + " but " + WEIGHTS + " stores no variables for it (expected under " + prefix + containerName + "/)");
            found = vars.get(key);
            prefix = key + "/";
            container = chain.get(i);
        }
        return found;
    }

    /**
     * Where Keras stored {@code layer}, one of {@code container}'s layers, below {@code base}
     * (e.g. "layers"): by the vars group's name attribute when the file has them, else by
     * Keras' class-based naming, else under the layer's own name. Null when none exists.
     */
    private String storageKey(String base, JsonNode container, JsonNode layer) {
        String name = KerasFiles.layerName(layer);
        String byAttr = null;
        for (StoredVars v : vars.values()) {
            if (name.equals(v.nameAttr()) && isDirectChild(base, v.path())) {
                if (byAttr != null) { byAttr = null; break; } // ambiguous: fall back to naming
                byAttr = v.path();
            }
        }
        if (byAttr != null) return byAttr;
        String byClass = classBasedKey(base, container, layer);
        if (byClass != null && objects.contains(byClass)) return byClass;
        String literal = base + "/" + name;
        return objects.contains(literal) ? literal : null;
    }

    private static boolean isDirectChild(String base, String path) {
        return path.startsWith(base + "/") && path.indexOf('/', base.length() + 1) < 0;
    }

    /** Keras' saving_lib key: snake_case(class) for the first of its class, then _1, _2, ... */
    private static String classBasedKey(String base, JsonNode container, JsonNode layer) {
        List<JsonNode> siblings = KerasFiles.layerEntries(container);
        if (siblings == null) return null;
        Map<String, Integer> used = new HashMap<>();
        for (JsonNode s : siblings) {
            if (KerasFiles.isOperation(s)) continue;
            String key = toSnakeCase(s.path("class_name").asText(""));
            Integer seen = used.get(key);
            used.put(key, seen == null ? 0 : seen + 1);
            String unique = seen == null ? key : key + "_" + (seen + 1);
            if (s == layer) return base + "/" + unique;
        }
        return null;
    }

    /** Keras' naming.to_snake_case: "Conv2DTranspose" -> "conv2d_transpose", "ReLU" -> "re_lu". */
    static String toSnakeCase(String className) {
        String s = className.replaceAll("\\W+", "");
        s = s.replaceAll("(.)([A-Z][a-z]+)", "$1_$2");
        s = s.replaceAll("([a-z])([A-Z])", "$1_$2");
        return s.toLowerCase(Locale.ROOT);
    }

    @Override public String toString() { return "KerasArchiveFile[" + source + ", keras " + kerasVersion + "]"; }
}
