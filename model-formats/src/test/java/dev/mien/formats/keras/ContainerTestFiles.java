package dev.mien.formats.keras;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.WritableGroup;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Builds small Keras-like files (configs, HDF5 via jHDF's writer, zip archives) for the tests. */
final class ContainerTestFiles {
    private ContainerTestFiles() {}

    static final ObjectMapper JSON = new ObjectMapper();

    /** {"class_name": cls, "config": {"name": name, "trainable": true, ...extra}, "name": name} */
    static ObjectNode layer(String cls, String name, Consumer<ObjectNode> config) {
        ObjectNode l = JSON.createObjectNode();
        l.put("class_name", cls);
        ObjectNode c = l.putObject("config");
        c.put("name", name);
        c.put("trainable", true);
        if (config != null) config.accept(c);
        l.put("name", name);
        return l;
    }

    /** A Keras 3 operation entry as the .keras config writes it (module keras.src.ops...). */
    static ObjectNode operation(String cls, String name, boolean withModule) {
        ObjectNode l = JSON.createObjectNode();
        if (withModule) l.put("module", "keras.src.ops.numpy");
        l.put("class_name", cls);
        l.putObject("config").put("axis", -1);
        l.put("name", name);
        return l;
    }

    static ObjectNode model(String cls, String name, ObjectNode... layers) {
        ObjectNode m = JSON.createObjectNode();
        m.put("class_name", cls);
        ObjectNode c = m.putObject("config");
        c.put("name", name);
        ArrayNode arr = c.putArray("layers");
        for (ObjectNode l : layers) arr.add(l);
        m.put("name", name);
        return m;
    }

    static ObjectNode conv2d(String name, int filters) {
        return layer("Conv2D", name, c -> {
            c.put("filters", filters);
            c.putArray("kernel_size").add(1).add(1);
            c.put("use_bias", true);
        });
    }

    static float[] ramp(int n, float start) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = start + i;
        return v;
    }

    /** Writes with jHDF, which names its temp files itself; returns the bytes too. */
    static byte[] writeHdf5(Path file, Consumer<WritableHdfFile> content) throws IOException {
        try (WritableHdfFile f = HdfFile.write(file)) {
            content.accept(f);
        }
        return Files.readAllBytes(file);
    }

    static void putGroupPath(WritableGroup root, String path, Consumer<WritableGroup> content) {
        WritableGroup g = root;
        for (String part : path.split("/")) {
            var existing = g.getChildren().get(part);
            g = existing instanceof WritableGroup wg ? wg : g.putGroup(part);
        }
        content.accept(g);
    }

    static void writeZip(Path file, Map<String, byte[]> entries, boolean stored) throws IOException {
        try (OutputStream os = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(os)) {
            for (var e : entries.entrySet()) {
                ZipEntry ze = new ZipEntry(e.getKey());
                if (stored) {
                    var crc = new java.util.zip.CRC32();
                    crc.update(e.getValue());
                    ze.setMethod(ZipEntry.STORED);
                    ze.setSize(e.getValue().length);
                    ze.setCompressedSize(e.getValue().length);
                    ze.setCrc(crc.getValue());
                }
                zip.putNextEntry(ze);
                zip.write(e.getValue());
                zip.closeEntry();
            }
        }
    }

    static Map<String, byte[]> archiveEntries(String configJson, byte[] weights) {
        Map<String, byte[]> m = new LinkedHashMap<>();
        m.put("metadata.json", "{\"keras_version\": \"3.99.0\", \"date_saved\": \"x\"}".getBytes(StandardCharsets.UTF_8));
        m.put("config.json", configJson.getBytes(StandardCharsets.UTF_8));
        m.put("model.weights.h5", weights);
        return m;
    }
}
