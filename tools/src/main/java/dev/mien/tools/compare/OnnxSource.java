package dev.mien.tools.compare;

import dev.mien.engine.ir.Graph;
import dev.mien.formats.LoadOptions;
import dev.mien.formats.ModelLoader;
import dev.mien.formats.RandomModels;
import dev.mien.formats.onnx.OnnxExporter;
import dev.mien.tools.cli.CliException;
import dev.mien.tools.cli.Problems;

import java.io.IOException;
import java.nio.file.Files;

import java.nio.file.Path;
import java.util.List;

/** The ONNX file ONNX Runtime runs when the model Mien runs is not one. */
@FunctionalInterface
interface OnnxSource {
    /**
     * An ONNX file with the same weights as {@code model} (a file), or as architecture
     * {@code arch} built with random weights from {@code seed}; temporary files it creates go
     * into {@code temporaries}.
     */
    Path export(Path model, String arch, int seed, List<Path> temporaries);

    /**
     * Whether a model file is ONNX, by its content (as Mien's loader decides). A file Mien cannot
     * recognise is not: the Mien child then reports the problem in its own words.
     */
    static boolean isOnnx(Path model) {
        try {
            return java.nio.file.Files.isRegularFile(model) && dev.mien.formats.ModelFormat.detect(model) == dev.mien.formats.ModelFormat.ONNX;
        } catch (java.io.IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Mien's ONNX exporter, on the graph Mien imports from the model file, or on the seeded
     * random-weight graph of the architecture (the one {@code mien bench --arch A --seed S} runs).
     * The file is temporary; the batch axis is symbolic, so every batch size runs.
     */
    OnnxSource EXPORTER = (model, arch, seed, temporaries) -> {
        Graph g;
        if (model != null) {
            try {
                g = ModelLoader.load(model, LoadOptions.DEFAULT).graph();
            } catch (IOException e) {
                throw new CliException(Problems.describe(e), 1, e);
            }
        } else {
            try {
                g = RandomModels.graph(arch, seed);
            } catch (IllegalArgumentException e) {
                throw new CliException("--arch " + arch + ": " + e.getMessage());
            }
        }
        String what = model != null ? model.toString() : "--arch " + arch;
        try {
            Path f = Files.createTempFile("mien-compare-", ".onnx");
            temporaries.add(f);
            OnnxExporter.write(f, g);
            return f;
        } catch (IOException e) {
            throw new CliException("cannot write the ONNX export of " + what + " for ONNX Runtime: " + e.getMessage(), 1, e);
        } catch (RuntimeException e) {
            throw new CliException(what + ": cannot export it to ONNX for ONNX Runtime: " + e.getMessage(), 1, e);
        }
    };
}
