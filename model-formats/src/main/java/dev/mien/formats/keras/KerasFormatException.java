package dev.mien.formats.keras;

import dev.mien.engine.io.Printable;

import java.io.IOException;

/** A Keras model file that cannot be read: the message always starts with the file's name. */
public class KerasFormatException extends IOException {
    private final String source;

    public KerasFormatException(String source, String problem) {
        super(source + ": " + Printable.clip(problem, Printable.PROBLEM));
        this.source = source;
    }

    public KerasFormatException(String source, String problem, Throwable cause) {
        super(source + ": " + Printable.clip(problem, Printable.PROBLEM), cause);
        this.source = source;
    }

    /** The file (or archive entry) the problem was found in. */
    public String source() { return source; }
}
