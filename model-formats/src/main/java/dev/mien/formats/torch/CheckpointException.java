package dev.mien.formats.torch;

import dev.mien.engine.io.Printable;

import java.io.IOException;
import java.nio.file.Path;

/** A PyTorch checkpoint that cannot or must not be read. The message always names the file. */
public final class CheckpointException extends IOException {
    public CheckpointException(Path file, String problem) { super(file + ": " + Printable.clip(problem, Printable.PROBLEM)); }
    public CheckpointException(Path file, String problem, Throwable cause) { super(file + ": " + Printable.clip(problem, Printable.PROBLEM), cause); }
}
