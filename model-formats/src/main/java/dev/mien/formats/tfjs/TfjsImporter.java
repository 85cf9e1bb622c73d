package dev.mien.formats.tfjs;

import dev.mien.engine.io.ModelSource;
import dev.mien.engine.io.Printable;
import dev.mien.engine.ir.Graph;

import java.io.IOException;
import java.util.Map;

/**
 * Imports a TensorFlow.js graph model: a {@code model.json} (or any manifest file) plus its
 * weight shards, from a directory or class-path resource directory. The result is an
 * unoptimised graph with a generic card; {@code ModelLoader} optimises it like any import.
 */
public final class TfjsImporter {
    private TfjsImporter() {}

    /** The largest model.json read (64 MiB); the shards are bounded by the manifest itself. */
    public static final long MAX_MANIFEST_BYTES = 64L << 20;

    /** {@code dir/model.json} and the shards it names, relative to {@code dir}. */
    public static Graph importModel(ModelSource dir) throws IOException { return importModel(dir, "model.json"); }

    /** {@code dir/manifestName} and the shards it names, relative to {@code dir}. */
    public static Graph importModel(ModelSource dir, String manifestName) throws IOException {
        ModelSource manifest = dir.resolve(manifestName);
        TfjsManifest m = TfjsManifest.parse(manifest.name(), manifest.readAllBytes(MAX_MANIFEST_BYTES));
        try {
            Map<String, TfjsWeights.Value> weights = TfjsWeights.read(dir, m);
            return TfjsGraphBuilder.build(m, weights);
        } catch (IllegalArgumentException | ArithmeticException | IndexOutOfBoundsException e) {
            // Whatever slipped past the checks (an attribute that is not base64, a number out of range) is still one line.
            throw new IOException(manifest.name() + ": malformed model.json: " + Printable.reason(e, 160), e);
        }
    }

    /** Whether {@code json} is a TF.js model manifest (used to recognise the format by content). */
    public static boolean isManifest(byte[] json) {
        try {
            return TfjsManifest.looksLikeTfjs(new com.fasterxml.jackson.databind.ObjectMapper().readTree(json));
        } catch (IOException e) {
            return false;
        }
    }
}
