package dev.mien.formats.keras;

import dev.mien.engine.Tensor;
import io.jhdf.HdfFile;
import io.jhdf.api.Attribute;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A legacy Keras HDF5 model ({@code model.save('m.h5')} in Keras 2.0-2.x, tf.keras 2 and Keras 3):
 * the {@code model_config} attribute and, under {@code model_weights}, one group per top-level
 * layer whose {@code weight_names} attribute lists its datasets in Keras' order. A nested
 * model's group holds its layers' weights, named {@code <inner layer>/<weight>}.
 */
final class KerasH5File implements KerasModelFile {
    private final String source;
    private final String config, version;
    private final Map<String, List<String>> names = new LinkedHashMap<>();
    private final Map<String, Tensor> data = new LinkedHashMap<>();

    KerasH5File(Path path) throws KerasFormatException {
        this.source = path.toString();
        try (HdfFile h = new HdfFile(path)) {
            Attribute cfg = h.getAttribute("model_config");
            if (cfg == null) throw new KerasFormatException(source, "no model_config attribute: a weights-only file, not a whole Keras model");
            config = Hdf5Values.string(cfg);
            Attribute v = h.getAttribute("keras_version");
            version = v == null ? "" : Hdf5Values.string(v);
            Node mw = h.getChildren().get("model_weights");
            if (!(mw instanceof Group weights)) throw new KerasFormatException(source, "no model_weights group");
            for (Node n : weights.getChildren().values()) {
                if (!(n instanceof Group g) || g.getAttribute("weight_names") == null) continue;
                List<String> wn = Hdf5Values.strings(g.getAttribute("weight_names"));
                names.put(g.getName(), wn);
                for (String w : wn) {
                    Node d = g.getByPath(w);
                    if (!(d instanceof Dataset ds))
                        throw new KerasFormatException(source, "layer " + g.getName() + " names weight " + w + " but the file has no such dataset");
                    data.put(g.getName() + "/" + w, Hdf5Values.tensor(ds));
                }
            }
        } catch (KerasFormatException e) {
            throw e;
        } catch (RuntimeException | OutOfMemoryError | StackOverflowError e) {
            throw new KerasFormatException(source, "corrupt or truncated HDF5 file (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")", e);
        }
    }

    @Override public String source() { return source; }
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
