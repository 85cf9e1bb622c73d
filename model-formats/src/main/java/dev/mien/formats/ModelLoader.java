package dev.mien.formats;

import dev.mien.engine.Tensor;
import dev.mien.engine.io.ModelFile;
import dev.mien.engine.ir.Graph;
import dev.mien.engine.passes.Passes;
import dev.mien.formats.keras.KerasFiles;
import dev.mien.formats.keras.KerasImporter;
import dev.mien.formats.keras.KerasModelFile;
import dev.mien.formats.manet.ManetGraphBuilder;
import dev.mien.formats.safetensors.Safetensors;
import dev.mien.formats.torch.TorchCheckpoint;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Import step of the pipeline: any supported file to an optimised graph. Format readers
 * produce weights and a graph; {@link Passes} fold and fuse once; the engine plans and runs.
 * Mien model files are already optimised and are returned as stored.
 */
public final class ModelLoader {
    private ModelLoader() {}

    /** A graph plus where it came from. */
    public record Loaded(Graph graph, ModelFormat format) {}

    public static Loaded load(Path file) throws IOException { return load(file, LoadOptions.DEFAULT); }

    public static Loaded load(Path file, LoadOptions options) throws IOException {
        ModelFormat format = ModelFormat.detect(file);
        Graph g = switch (format) {
            case MIEN -> ModelFile.read(file);
            case PYTORCH_ZIP, PYTORCH_LEGACY -> fromStateDict(file, TorchCheckpoint.loadStateDict(file), options);
            case SAFETENSORS -> fromStateDict(file, Safetensors.read(file), options);
            case KERAS_H5, KERAS_ARCHIVE -> {
                KerasModelFile kf = KerasFiles.open(file);
                yield KnownNetworks.annotate(KerasImporter.importModel(kf));
            }
        };
        g = g.withMetadata("source_format", format.name().toLowerCase(java.util.Locale.ROOT));
        if (format != ModelFormat.MIEN && options.optimize()) g = Passes.optimize(g, options.keep());
        return new Loaded(g, format);
    }

    private static Graph fromStateDict(Path file, Map<String, Tensor> sd, LoadOptions options) throws IOException {
        if (!ManetGraphBuilder.looksLikeManet(sd))
            throw new IOException(file + ": the state_dict (" + sd.size() + " tensors) is not an architecture Mien knows; supported: MA-Net");
        try {
            return ManetGraphBuilder.build(sd, options.manetBeta());
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }
}
