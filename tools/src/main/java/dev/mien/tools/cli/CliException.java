package dev.mien.tools.cli;

/** A user-facing failure: printed as one line, exit code non-zero, no stack trace (unless --verbose). */
public final class CliException extends RuntimeException {
    public final int exitCode;

    public CliException(String message) { this(message, 2); }
    public CliException(String message, int exitCode) { super(message); this.exitCode = exitCode; }
    /** Keeps the failure underneath for {@code --verbose}. */
    public CliException(String message, int exitCode, Throwable cause) { super(message, cause); this.exitCode = exitCode; }
}
