package dev.mien.formats.keras;

import java.util.List;

/**
 * A Keras model that cannot be turned into a Mien graph: unsupported layers (all of them
 * listed at once), missing or mis-shaped weights, or a config that makes no sense.
 */
public final class KerasImportException extends RuntimeException {
    private final List<String> unsupported;

    public KerasImportException(String message) {
        this(message, List.of());
    }

    public KerasImportException(String message, List<String> unsupported) {
        super(message);
        this.unsupported = List.copyOf(unsupported);
    }

    /** "ClassName 'layer_name': reason" for every unsupported layer; empty for other failures. */
    public List<String> unsupported() { return unsupported; }
}
