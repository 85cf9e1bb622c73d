package dev.mien.formats.keras;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mien.engine.Tensor;
import io.jhdf.HdfFile;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * A Keras 3 {@code .keras} archive: {@code config.json}, {@code metadata.json} and
 * {@code model.weights.h5}, whose layers keep their variables at
 * {@code layers/<name>/vars/<i>} (nested models: {@code layers/<model>/layers/<name>/vars/<i>}).
 */
final class KerasArchiveFile implements KerasModelFile {
    /** Refuse entries whose declared or real size exceeds this (a zip bomb is not a model). */
    private static final long MAX_ENTRY = 1L << 31;

    private final String source;
    private final String config, version;
    private final Map<String, List<Tensor>> vars = new LinkedHashMap<>();

    KerasArchiveFile(Path path) throws KerasFormatException {
        this.source = path.toString();
        byte[] weights;
        try (ZipFile zip = new ZipFile(path.toFile())) {
            config = new String(entry(zip, "config.json"), StandardCharsets.UTF_8);
            ZipEntry meta = zip.getEntry("metadata.json");
            String v = "";
            if (meta != null) {
                try {
                    v = new ObjectMapper().readTree(entry(zip, "metadata.json")).path("keras_version").asText("");
                } catch (IOException e) {
                    throw new KerasFormatException(source, "metadata.json is not valid JSON");
                }
            }
            version = v;
            weights = entry(zip, "model.weights.h5");
        } catch (KerasFormatException e) {
            throw e;
        } catch (IOException e) {
            throw new KerasFormatException(source, "corrupt or truncated .keras archive (" + e.getMessage() + ")", e);
        }
        try (HdfFile h = HdfFile.fromBytes(weights)) {
            Node layers = h.getChildren().get("layers");
            if (layers instanceof Group g) collect(g, "");
        } catch (RuntimeException | OutOfMemoryError | StackOverflowError e) {
            throw new KerasFormatException(source, "model.weights.h5 is corrupt (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")", e);
        }
    }

    private void collect(Group layers, String prefix) {
        for (Node n : layers.getChildren().values()) {
            if (!(n instanceof Group layer)) continue;
            String path = prefix.isEmpty() ? layer.getName() : prefix + "/" + layer.getName();
            Node v = layer.getChildren().get("vars");
            if (v instanceof Group vg && !vg.getChildren().isEmpty()) {
                List<Tensor> list = new ArrayList<>();
                for (int i = 0; vg.getChildren().get(Integer.toString(i)) instanceof Dataset d; i++) list.add(Hdf5Values.tensor(d));
                vars.put(path, list);
            }
            Node inner = layer.getChildren().get("layers");
            if (inner instanceof Group ig) collect(ig, path);
        }
    }

    private byte[] entry(ZipFile zip, String name) throws IOException {
        ZipEntry e = zip.getEntry(name);
        if (e == null) throw new KerasFormatException(source, "not a Keras archive: " + name + " is missing");
        if (e.getSize() > MAX_ENTRY) throw new KerasFormatException(source, name + " is too large (" + e.getSize() + " bytes)");
        try (InputStream in = zip.getInputStream(e)) {
            byte[] b = in.readNBytes((int) Math.min(MAX_ENTRY, Integer.MAX_VALUE - 8));
            if (in.read() != -1) throw new KerasFormatException(source, name + " is larger than its declared size");
            return b;
        }
    }

    @Override public String source() { return source; }
    @Override public String format() { return "keras"; }
    @Override public String kerasVersion() { return version; }
    @Override public String modelConfigJson() { return config; }
    @Override public List<Tensor> layerWeights(List<String> path) { return vars.getOrDefault(String.join("/", path), List.of()); }

    @Override public List<String> layerWeightNames(List<String> path) {
        List<String> n = new ArrayList<>();
        for (int i = 0; i < layerWeights(path).size(); i++) n.add("layers/" + String.join("/layers/", path) + "/vars/" + i);
        return n;
    }
}
