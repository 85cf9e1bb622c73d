package dev.mien.formats.keras;

import dev.mien.engine.Tensor;
import io.jhdf.HdfFile;
import io.jhdf.api.Attribute;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;

import java.lang.reflect.Array;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A minimal legacy-HDF5 Keras reader for the importer's fixture tests only (the real container
 * reader is KerasFiles on another branch): model_config, and each layer's weights by following
 * weight_names under model_weights; a nested layer's weights are the names starting with
 * "<inner layer>/".
 */
final class ImportH5TestReader implements KerasModelFile {
    private final Path path;
    private final String config, version;
    private final Map<String, List<String>> names = new LinkedHashMap<>();
    private final Map<String, Tensor> data = new LinkedHashMap<>();

    ImportH5TestReader(Path path) {
        this.path = path;
        try (HdfFile h = new HdfFile(path)) {
            config = str(h.getAttribute("model_config"));
            Attribute v = h.getAttribute("keras_version");
            version = v == null ? "" : str(v);
            Group mw = (Group) h.getChild("model_weights");
            for (Node n : mw.getChildren().values()) {
                if (!(n instanceof Group g) || g.getAttribute("weight_names") == null) continue;
                List<String> wn = new ArrayList<>();
                Object raw = g.getAttribute("weight_names").getData();
                if (raw != null && raw.getClass().isArray() && !(raw instanceof double[]))
                    for (int i = 0; i < Array.getLength(raw); i++) wn.add(String.valueOf(Array.get(raw, i)));
                names.put(g.getName(), wn);
                for (String w : wn) {
                    Dataset d = (Dataset) g.getByPath(w);
                    int[] shape = d.getDimensions();
                    Object flat = d.getDataFlat();
                    float[] f = flat instanceof float[] a ? a : new float[]{((Number) (flat.getClass().isArray() ? Array.get(flat, 0) : flat)).floatValue()};
                    data.put(g.getName() + "/" + w, new Tensor(shape, f));
                }
            }
        }
    }

    private static String str(Attribute a) {
        Object d = a.getData();
        if (d instanceof String s) return s;
        if (d instanceof byte[] b) return new String(b, java.nio.charset.StandardCharsets.UTF_8);
        if (d != null && d.getClass().isArray()) return String.valueOf(Array.get(d, 0));
        return String.valueOf(d);
    }

    @Override public String source() { return path.toString(); }
    @Override public String format() { return "h5"; }
    @Override public String kerasVersion() { return version; }
    @Override public String modelConfigJson() { return config; }

    @Override public List<String> layerWeightNames(List<String> p) {
        List<String> all = names.getOrDefault(p.get(0), List.of());
        if (p.size() == 1) return all;
        String prefix = String.join("/", p.subList(1, p.size())) + "/";
        return all.stream().filter(n -> n.startsWith(prefix)).toList();
    }

    @Override public List<Tensor> layerWeights(List<String> p) {
        List<Tensor> out = new ArrayList<>();
        for (String n : layerWeightNames(p)) out.add(data.get(p.get(0) + "/" + n));
        return out;
    }
}
