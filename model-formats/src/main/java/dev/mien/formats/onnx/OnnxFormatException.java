package dev.mien.formats.onnx;

import dev.mien.engine.io.Printable;

import java.io.IOException;

/** An ONNX file that cannot be read or imported: the message always starts with the file's name. */
public final class OnnxFormatException extends IOException {
    public OnnxFormatException(String source, String problem) {
        super(source + ": " + Printable.clip(problem, Printable.PROBLEM));
    }

    public OnnxFormatException(String source, String problem, Throwable cause) {
        super(source + ": " + Printable.clip(problem, Printable.PROBLEM), cause);
    }
}
