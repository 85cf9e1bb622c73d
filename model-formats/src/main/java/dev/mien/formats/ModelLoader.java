package dev.mien.formats;

import dev.mien.engine.Tensor;
import dev.mien.engine.io.ModelFile;
import dev.mien.engine.io.ModelSource;
import dev.mien.engine.ir.Graph;
import dev.mien.engine.passes.Passes;
import dev.mien.formats.keras.KerasArchiveFile;
import dev.mien.formats.keras.KerasFiles;
import dev.mien.formats.keras.KerasImporter;
import dev.mien.formats.keras.KerasModelFile;
import dev.mien.formats.manet.ManetGraphBuilder;
import dev.mien.formats.safetensors.Safetensors;
import dev.mien.formats.tfjs.TfjsImporter;
import dev.mien.formats.torch.TorchCheckpoint;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Import step of the pipeline: any supported model, from any {@link ModelSource}, to an
 * optimised graph carrying its {@link dev.mien.engine.NetworkCard}. Format readers produce
 * weights and a graph; {@link Passes} fold and fuse once; the engine plans and runs. Mien model
 * files are already optimised and are returned as stored.
 *
 * <p>The format is recognised by content, never by the name. Sources that are not files
 * (bytes, streams, resources inside a jar) are copied to a private temporary file for the
 * readers that need random access (zip, HDF5, memory-mapped model files) and the copy is
 * deleted once read; every error names the source, not the copy.
 */
public final class ModelLoader {
    private ModelLoader() {}

    /** A graph plus where it came from. */
    public record Loaded(Graph graph, ModelFormat format) {}

    public static Loaded load(Path file) throws IOException { return load(file, LoadOptions.DEFAULT); }

    public static Loaded load(Path file, LoadOptions options) throws IOException {
        return load(ModelSource.of(file), options);
    }

    public static Loaded load(ModelSource source) throws IOException { return load(source, LoadOptions.DEFAULT); }

    public static Loaded load(ModelSource source, LoadOptions options) throws IOException {
        if (source.isDirectory()) {
            ModelFormat format = ModelFormat.detect(source);
            if (format == ModelFormat.TFJS_GRAPH) return finish(KnownNetworks.annotate(TfjsImporter.importModel(source)), format, options);
            // detect() only returns formats it can read: the other directory format is an unzipped Keras archive.
            KerasModelFile kf = KerasArchiveFile.openDirectory(source);
            return finish(KnownNetworks.annotate(KerasImporter.importModel(kf)), format, options);
        }
        try (ModelSource.LocalFile local = source.localFile()) {
            try {
                return loadFile(local.path(), options);
            } catch (IOException e) {
                throw local.rename(e);
            } catch (RuntimeException e) {
                String renamed = local.rename(e.getMessage());
                if (renamed == null || renamed.equals(e.getMessage())) throw e;
                throw new IOException(renamed, e);
            }
        }
    }

    private static Loaded loadFile(Path file, LoadOptions options) throws IOException {
        ModelFormat format = ModelFormat.detect(file);
        Graph g = switch (format) {
            case MIEN -> ModelFile.read(file);
            case PYTORCH_ZIP, PYTORCH_LEGACY -> fromStateDict(file, TorchCheckpoint.loadStateDict(file), options);
            case SAFETENSORS -> fromStateDict(file, Safetensors.read(file), options);
            case KERAS_H5, KERAS_ARCHIVE -> {
                KerasModelFile kf = KerasFiles.open(file);
                yield KnownNetworks.annotate(KerasImporter.importModel(kf));
            }
            case ONNX -> dev.mien.formats.onnx.OnnxImporter.importModel(dev.mien.formats.onnx.OnnxReader.read(file));
            case KERAS_DIRECTORY -> throw new IOException(file + ": a directory, not a file");
            // A manifest file names its shards relative to its own directory.
            case TFJS_GRAPH -> KnownNetworks.annotate(TfjsImporter.importModel(
                    ModelSource.directory(file.toAbsolutePath().getParent()), file.getFileName().toString()));
        };
        return finish(g, format, options);
    }

    /** Records the source format in the card and optimises what was imported. */
    private static Loaded finish(Graph g, ModelFormat format, LoadOptions options) {
        if (format != ModelFormat.MIEN) {
            g = g.withCard(g.card().withExtra("source_format", format.name().toLowerCase(Locale.ROOT)));
            if (options.optimize()) g = Passes.optimize(g, options.keep());
        }
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
