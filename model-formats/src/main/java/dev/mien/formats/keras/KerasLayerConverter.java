package dev.mien.formats.keras;

import java.util.List;

/** Turns one call of one Keras layer class into IR nodes. */
interface KerasLayerConverter {
    /** Emits the nodes and returns the call's output values (one per Keras output tensor). */
    List<String> convert(KerasLayerCall c);

    /**
     * Checked for every layer before anything is built, so that all unsupported layers are
     * reported together: null when the config is importable, else the reason.
     */
    default String unsupportedReason(KerasConfig.LayerSpec layer) { return null; }
}
