package dev.mien.formats;

import dev.mien.engine.io.Printable;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mien.engine.io.ModelSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipFile;

/** The container formats Mien reads, recognised by content rather than by file extension. */
public enum ModelFormat {
    MIEN("Mien model file"),
    PYTORCH_ZIP("PyTorch checkpoint (zip, torch >= 1.6)"),
    PYTORCH_LEGACY("PyTorch checkpoint (legacy pre-1.6 pickle)"),
    SAFETENSORS("safetensors"),
    KERAS_H5("Keras HDF5 (.h5)"),
    KERAS_ARCHIVE("Keras 3 archive (.keras)"),
    KERAS_DIRECTORY("Keras 3 model directory (an unzipped .keras: config.json + model.weights.h5)"),
    TFJS_GRAPH("TensorFlow.js graph model (model.json + weight shards)"),
    ONNX("ONNX model (.onnx)");

    public final String description;

    ModelFormat(String description) { this.description = description; }

    private static final byte[] HDF5 = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

    /** Manifest files are small JSON documents; refuse anything larger unread. */
    static final long MAX_MANIFEST_BYTES = 64L << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Detects the format of any source by content: a single file by its leading bytes and
     * structure, a directory by the content of its manifest file. Throws naming the source
     * when it is none of the formats Mien reads.
     */
    public static ModelFormat detect(ModelSource source) throws IOException {
        if (source.isDirectory()) return detectDirectory(source);
        try (ModelSource.LocalFile local = source.localFile()) {
            try {
                return detect(local.path());
            } catch (IOException e) {
                throw local.rename(e);
            }
        }
    }

    /**
     * A directory is a model when its manifest says so: a Keras config.json (an object with
     * "class_name" and "config") beside model.weights.h5, or a TensorFlow.js model.json.
     */
    private static ModelFormat detectDirectory(ModelSource dir) throws IOException {
        if (dir.has("config.json")) {
            JsonNode config = manifest(dir, "config.json");
            if (config == null || !config.has("class_name") || !config.has("config"))
                throw new IOException(dir.name() + ": config.json is not a Keras model config (no class_name/config)");
            if (!dir.has("model.weights.h5"))
                throw new IOException(dir.name() + ": a Keras model config without model.weights.h5 beside it");
            return KERAS_DIRECTORY;
        }
        if (dir.has("model.json")) {
            JsonNode m = manifest(dir, "model.json");
            if (m != null && (m.has("modelTopology") || m.has("weightsManifest"))) return TFJS_GRAPH;
            throw new IOException(dir.name() + ": model.json is not a model manifest Mien knows");
        }
        throw new IOException(dir.name() + ": a directory without a model manifest (expected config.json + model.weights.h5 of an unzipped Keras archive, or a TensorFlow.js model.json)");
    }

    /** The manifest parsed as JSON; null when it is not a JSON object. */
    private static JsonNode manifest(ModelSource dir, String name) throws IOException {
        byte[] bytes = dir.resolve(name).readAllBytes(MAX_MANIFEST_BYTES);
        try {
            JsonNode n = JSON.readTree(bytes);
            return n != null && n.isObject() ? n : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** Detects the format of {@code file}; throws naming the file when it is none of them. */
    public static ModelFormat detect(Path file) throws IOException {
        if (Files.isDirectory(file)) return detectDirectory(ModelSource.directory(file));
        if (!Files.exists(file)) throw new IOException(file + ": no such file or directory");
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) { head = in.readNBytes(16); }
        if (head.length == 0) throw new IOException(file + ": empty file");
        if (startsWith(head, new byte[]{'M', 'I', 'E', 'N'})) return MIEN;
        if (startsWith(head, HDF5)) return KERAS_H5;
        if (startsWith(head, new byte[]{'P', 'K', 3, 4})) {
            try (ZipFile z = new ZipFile(file.toFile())) {
                if (z.getEntry("config.json") != null && z.getEntry("model.weights.h5") != null) return KERAS_ARCHIVE;
                boolean pickle = z.stream().anyMatch(e -> e.getName().endsWith("/data.pkl") || e.getName().equals("data.pkl"));
                if (pickle) return PYTORCH_ZIP;
            } catch (IOException e) {
                throw new IOException(file + ": corrupt zip archive (" + Printable.reason(e, 160) + ")");
            }
            throw new IOException(file + ": a zip archive that is neither a PyTorch checkpoint (no data.pkl) nor a Keras archive (no config.json + model.weights.h5)");
        }
        if ((head[0] & 0xff) == 0x80 && head.length > 1 && head[1] >= 2 && head[1] <= 5) return PYTORCH_LEGACY;
        if (head.length >= 9 && head[8] == '{') {
            long len = 0;
            for (int i = 7; i >= 0; i--) len = (len << 8) | (head[i] & 0xff);
            if (len > 1 && len < Files.size(file)) return SAFETENSORS;
        }
        if (looksLikeJson(head) && Files.size(file) <= MAX_MANIFEST_BYTES
                && dev.mien.formats.tfjs.TfjsImporter.isManifest(Files.readAllBytes(file))) return TFJS_GRAPH;
        // HDF5 allows a user block (512, 1024, ... bytes) before the superblock.
        if (dev.mien.formats.keras.KerasFiles.isHdf5(file)) return KERAS_H5;
        // ONNX (a protobuf ModelProto) has no magic number: its first field is ir_version.
        if (dev.mien.formats.onnx.OnnxReader.looksLikeOnnx(head)) return ONNX;
        String start = new String(head, StandardCharsets.ISO_8859_1).replaceAll("[^\\x20-\\x7e]", "?");
        throw new IOException(file + ": unrecognised model format (starts with \"" + start + "\"); expected a PyTorch checkpoint, "
                + "safetensors, Keras .h5/.keras, a TensorFlow.js model.json, ONNX or a Mien model file");
    }

    /** A JSON object after optional whitespace (a UTF-8 byte-order mark allowed). */
    private static boolean looksLikeJson(byte[] head) {
        int i = head.length >= 3 && (head[0] & 0xff) == 0xef && (head[1] & 0xff) == 0xbb && (head[2] & 0xff) == 0xbf ? 3 : 0;
        while (i < head.length && (head[i] == ' ' || head[i] == '\n' || head[i] == '\r' || head[i] == '\t')) i++;
        return i < head.length && head[i] == '{';
    }

    private static boolean startsWith(byte[] a, byte[] prefix) {
        if (a.length < prefix.length) return false;
        for (int i = 0; i < prefix.length; i++) if (a[i] != prefix[i]) return false;
        return true;
    }
}
