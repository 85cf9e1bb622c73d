package dev.mien.formats.keras;

import java.util.Arrays;
import java.util.List;

/**
 * How to import a Keras model.
 *
 * @param inputShape   per-sample input shape (e.g. 64,64,1) used where the config leaves
 *                     dimensions open; null to take it from the config
 * @param extraOutputs Keras layer names (nested ones as "base_model/conv1") whose values become
 *                     additional graph outputs, named exactly like that; for inspecting
 *                     intermediate activations
 */
public record KerasImportOptions(int[] inputShape, List<String> extraOutputs) {
    public static final KerasImportOptions DEFAULT = new KerasImportOptions(null, List.of());

    public KerasImportOptions {
        inputShape = inputShape == null ? null : inputShape.clone();
        extraOutputs = List.copyOf(extraOutputs);
    }

    @Override public int[] inputShape() { return inputShape == null ? null : inputShape.clone(); }

    public KerasImportOptions withInputShape(int... shape) { return new KerasImportOptions(shape, extraOutputs); }

    public KerasImportOptions withExtraOutputs(String... kerasLayerNames) {
        return new KerasImportOptions(inputShape, Arrays.asList(kerasLayerNames));
    }
}
