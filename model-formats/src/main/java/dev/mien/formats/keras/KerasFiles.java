package dev.mien.formats.keras;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mien.engine.io.Printable;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Opens a Keras model file of either kind, chosen by content rather than by extension, plus the
 * small amount of model-config reading that locating weights needs (layer lists, nesting).
 */
public final class KerasFiles {
    private KerasFiles() {}

    static final byte[] ZIP_SIGNATURE = {'P', 'K', 3, 4};
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A legacy HDF5 model ({@link KerasH5File}) or a Keras 3 archive ({@link KerasArchiveFile}). */
    public static KerasModelFile open(Path file) throws IOException {
        String source = file.toString();
        if (!Files.isRegularFile(file)) throw new KerasFormatException(source, "no such file");
        if (startsWith(file, ZIP_SIGNATURE)) return KerasArchiveFile.open(file);
        if (isHdf5(file)) return KerasH5File.open(file);
        throw new KerasFormatException(source, "neither an HDF5 file (.h5/.hdf5) nor a zip archive (.keras)");
    }

    /** Whether the file starts with a zip local-file header. */
    public static boolean isZip(Path file) throws IOException { return startsWith(file, ZIP_SIGNATURE); }

    /**
     * Whether the file carries the HDF5 superblock signature at offset 0, 512, 1024, 2048, ...
     * (HDF5 allows a user block of a power-of-two size before the superblock).
     */
    public static boolean isHdf5(Path file) throws IOException {
        try (var ch = Files.newByteChannel(file)) {
            return Hdf5Superblock.find(ch.size(), Hdf5Superblock.of(ch, ch.size())) >= 0;
        }
    }

    private static boolean startsWith(Path file, byte[] signature) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return Arrays.equals(in.readNBytes(signature.length), signature);
        }
    }

    // ---- model config helpers shared by both file kinds ----

    static JsonNode parseConfig(String source, String json) throws KerasFormatException {
        try {
            JsonNode node = JSON.readTree(json);
            if (node == null || !node.isObject())
                throw new KerasFormatException(source, "model config is not a JSON object");
            return node;
        } catch (JsonProcessingException e) {
            throw new KerasFormatException(source, "model config is not valid JSON: " + dev.mien.engine.io.Printable.clip(String.valueOf(e.getOriginalMessage()), 160), e);
        }
    }

    static JsonNode parseJson(String source, String what, byte[] json) throws KerasFormatException {
        try {
            JsonNode node = JSON.readTree(json);
            if (node == null || !node.isObject()) throw new KerasFormatException(source, what + " is not a JSON object");
            return node;
        } catch (IOException e) {
            throw new KerasFormatException(source, what + " is not valid JSON: " + Printable.reason(e, 160), e);
        }
    }

    /**
     * The layer entries of a model config ({"class_name", "config": {...}}). Keras 2.0's
     * Sequential stored the list itself as "config"; later versions use config.layers.
     * Null when the entry is not a model.
     */
    static List<JsonNode> layerEntries(JsonNode model) {
        JsonNode config = model.path("config");
        JsonNode layers = config.isArray() ? config : config.path("layers");
        if (!layers.isArray()) return null;
        List<JsonNode> out = new ArrayList<>();
        layers.forEach(out::add);
        return out;
    }

    /** A layer entry's name: top-level "name" (functional) or config.name (Sequential entries). */
    static String layerName(JsonNode entry) {
        JsonNode n = entry.get("name");
        if (n != null && n.isTextual()) return n.asText();
        n = entry.path("config").get("name");
        return n != null && n.isTextual() ? n.asText() : null;
    }

    /**
     * Keras 3 operations (ops.split, '*' on tensors) appear in the config but are not layers and
     * hold no weights. The .keras config names their module (keras.src.ops...); the legacy h5
     * config omits modules, so there an entry whose config lacks "trainable" (which every
     * Layer.get_config writes) counts as an operation. Callers only ask about entries that have
     * no stored weights, so InputLayer (also without "trainable") never reaches this question.
     */
    static boolean isOperation(JsonNode entry) {
        JsonNode module = entry.get("module");
        if (module != null && module.isTextual()) {
            String m = module.asText();
            return m.startsWith("keras.src.ops.") || m.startsWith("keras.ops.");
        }
        JsonNode config = entry.path("config");
        return config.isObject() && !config.has("trainable");
    }

    /** The config entries along {@code path} (outermost first), or null when some name is not listed. */
    static List<JsonNode> findLayer(JsonNode model, List<String> path) {
        List<JsonNode> chain = new ArrayList<>();
        JsonNode container = model;
        for (String name : path) {
            List<JsonNode> layers = container == null ? null : layerEntries(container);
            if (layers == null) return null;
            JsonNode found = null;
            for (JsonNode e : layers) if (name.equals(layerName(e))) { found = e; break; }
            if (found == null) return null;
            chain.add(found);
            container = found;
        }
        return chain;
    }

    /** Names of the layers listed directly in a model config, for error messages. */
    static List<String> layerNames(JsonNode model) {
        List<JsonNode> layers = layerEntries(model);
        List<String> out = new ArrayList<>();
        if (layers != null) for (JsonNode e : layers) out.add(layerName(e));
        return out;
    }

    static String describePath(List<String> path) { return String.join("/", path); }

    /** Shortened list for error messages. */
    static String preview(List<String> names) {
        if (names.size() <= 12) return names.toString();
        return names.subList(0, 12) + " ... (" + names.size() + " in all)";
    }
}
