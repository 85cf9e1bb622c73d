package dev.mien.formats.keras;

import java.io.IOException;

/** A Keras file that cannot be read; the message starts with the file. */
public final class KerasFormatException extends IOException {
    public KerasFormatException(String source, String problem) { super(source + ": " + problem); }
    public KerasFormatException(String source, String problem, Throwable cause) { super(source + ": " + problem, cause); }
}
