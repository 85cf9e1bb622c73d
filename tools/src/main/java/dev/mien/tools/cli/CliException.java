package dev.mien.tools.cli;

/** A user-facing failure: printed as one line, exit code non-zero, no stack trace. */
public final class CliException extends RuntimeException {
    public final int exitCode;

    public CliException(String message) { this(message, 2); }
    public CliException(String message, int exitCode) { super(message); this.exitCode = exitCode; }
}
