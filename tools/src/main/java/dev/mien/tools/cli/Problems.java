package dev.mien.tools.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.EOFException;
import java.nio.BufferUnderflowException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Turns any failure into the one-line problem a user can act on. JVM errors and unchecked
 * exceptions from deep inside a reader ("Index 0 out of bounds for length 0", "For input
 * string", a bare StackOverflowError) say nothing about the file; they are named here by
 * what they mean for it. The original stays attached as the cause for {@code --verbose}.
 */
public final class Problems {
    private Problems() {}

    /** The JDK's own index messages: "Index 5 out of bounds for length 3", "Range [0, 9) out of bounds ...". */
    private static final Pattern RAW_INDEX = Pattern.compile("(Index -?\\d+ out of bounds|out of bounds for length|^Range \\[)");

    /** The problem in words, on one line, without the file name. */
    public static String describe(Throwable t) {
        if (t instanceof CliException c) return oneLine(c.getMessage());
        if (t instanceof StackOverflowError) return "nested too deeply to process (stack overflow)";
        if (t instanceof OutOfMemoryError)
            return "needs more memory than the Java heap has (a size in the file may be corrupt; otherwise raise it with MIEN_JAVA_OPTS=-Xmx...)";
        if (t instanceof NumberFormatException) return "malformed number in the data";
        if (t instanceof IndexOutOfBoundsException || t instanceof BufferUnderflowException || t instanceof NegativeArraySizeException)
            return "malformed or truncated (a size or offset points outside the data)";
        if (t instanceof ArithmeticException) return "malformed (an impossible size or count)";
        if (t instanceof UncheckedIOException u && u.getCause() != null) return describe(u.getCause());
        if (t instanceof NoSuchFileException) return "no such file";
        if (t instanceof AccessDeniedException) return "permission denied";
        if (t instanceof FileSystemException fs && fs.getReason() != null) return oneLine(fs.getReason());
        if (t instanceof EOFException && t.getMessage() == null) return "truncated (unexpected end of file)";
        String m = t.getMessage();
        if (m == null || m.isBlank()) return t.getClass().getSimpleName().replaceAll("(Exception|Error)$", "").toLowerCase() + " failure";
        // A reader that passed a JVM message through (wrapped in its own exception) still says nothing useful.
        if (m.contains("For input string")) return "malformed number in the data";
        if (RAW_INDEX.matcher(m).find()) return "malformed or truncated (a size or offset points outside the data)";
        return oneLine(m);
    }

    /** {@code file: problem}, without repeating the file when the message already names it. */
    public static String about(Path file, Throwable t) {
        String p = describe(t);
        if (file == null) return p;
        String f = file.toString();
        return p.startsWith(f) ? p : f + ": " + p;
    }

    /**
     * Runs one step on {@code file}; any failure other than a CliException becomes one naming
     * the file (exit code 1: the input was bad, not the command line).
     */
    public static <T> T on(Path file, Supplier<T> step) {
        try {
            return step.get();
        } catch (CliException e) {
            throw e;
        } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
            throw new CliException(about(file, e), 1, e);
        }
    }

    /** As {@link #on(Path, Supplier)} for a step that may throw IOException. */
    public static <T> T onIo(Path file, IoStep<T> step) {
        return on(file, () -> {
            try {
                return step.get();
            } catch (IOException e) {
                throw new CliException(about(file, e), 1, e);
            }
        });
    }

    @FunctionalInterface
    public interface IoStep<T> { T get() throws IOException; }

    private static String oneLine(String m) {
        return m.strip().replaceAll("\\s*\\R\\s*", "; ");
    }
}
