package dev.mien.formats.keras;

import dev.mien.engine.Tensor;

import java.util.List;

/**
 * A Keras model as stored on disk, before any interpretation of its layers: the model
 * config JSON and the weights of every layer. Implemented for legacy HDF5 ({@code .h5},
 * {@code .hdf5}: Keras 2.x, tf.keras 2, Keras 3 legacy save) and Keras 3 {@code .keras} archives.
 *
 * <p>Weights are addressed by layer path: {@code ["conv2d_1"]} for a top-level layer,
 * {@code ["base_model", "conv1"]} for a layer inside a nested model. They come back in
 * Keras' own order for that layer class (Conv2D: kernel, bias; BatchNormalization: gamma,
 * beta, moving_mean, moving_variance; SeparableConv2D: depthwise, pointwise, bias; ...),
 * with Keras' shapes (kernels HWIO, Dense [in, out]).
 */
public interface KerasModelFile {
    /** The file this came from, for error messages. */
    String source();

    /** "h5" or "keras". */
    String format();

    /** keras_version as recorded in the file, or "" when absent. */
    String kerasVersion();

    /** The model config: {"class_name": "Functional"|"Sequential"|"Model", "config": {...}}. */
    String modelConfigJson();

    /**
     * Weights of the layer at {@code layerPath} (empty list for layers without weights).
     *
     * @throws KerasFormatException when the config lists the layer but the file lacks its weights
     * @throws IllegalArgumentException when the model config has no layer at that path
     */
    List<Tensor> layerWeights(List<String> layerPath) throws KerasFormatException;

    /** Names of the stored weights of that layer (same order), for error messages. */
    List<String> layerWeightNames(List<String> layerPath) throws KerasFormatException;
}
