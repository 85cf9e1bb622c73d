package dev.mien.formats.torch;

import java.io.IOException;
import java.nio.file.Path;

/** A PyTorch checkpoint that cannot or must not be read. The message always names the file. */
public final class CheckpointException extends IOException {
    public CheckpointException(Path file, String problem) { super(file + ": " + problem); }
    public CheckpointException(Path file, String problem, Throwable cause) { super(file + ": " + problem, cause); }
}
