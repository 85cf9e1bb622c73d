package dev.mien.tools.compare;

import dev.mien.tools.cli.CliException;

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

    /** Mien's ONNX exporter. */
    OnnxSource EXPORTER = (model, arch, seed, temporaries) -> {
        throw new CliException("--compare onnxruntime needs an ONNX file with the same weights: this build has no ONNX exporter yet; "
                + "pass --onnx FILE");
    };
}
