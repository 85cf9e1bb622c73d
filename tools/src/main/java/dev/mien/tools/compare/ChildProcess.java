package dev.mien.tools.compare;

import dev.mien.tools.cli.CliException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs one benchmark in its own process and returns what it printed. Output goes to temporary
 * files, not pipes, so a chatty child can never block on a full pipe; a child that outlives
 * its time limit is killed.
 */
public final class ChildProcess {
    private ChildProcess() {}

    /**
     * @param what names the child in error messages ("onnxruntime", "mien")
     * @return the child's standard output
     * @throws CliException one line: the child's last line on stderr, its exit code, or the time-out
     */
    public static String run(String what, List<String> command, long timeoutSeconds) {
        Path out = null, err = null;
        Process p = null;
        try {
            out = Files.createTempFile("mien-child", ".out");
            err = Files.createTempFile("mien-child", ".err");
            p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new CliException(what + " benchmark process did not finish within " + timeoutSeconds + " s; killed", 1);
            }
            if (p.exitValue() != 0) {
                String last = lastLine(Files.readString(err, StandardCharsets.UTF_8));
                throw new CliException(what + " benchmark process failed (exit " + p.exitValue() + ")" + (last.isEmpty() ? "" : ": " + last), 1);
            }
            return Files.readString(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CliException("cannot start the " + what + " benchmark process: " + e.getMessage(), 1, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted while the " + what + " benchmark process ran", 1, e);
        } finally {
            if (p != null && p.isAlive()) p.destroyForcibly();
            deleteQuietly(out);
            deleteQuietly(err);
        }
    }

    /** The last non-blank line, cut to 300 characters (a child's error is one line; a crash may print more). */
    static String lastLine(String s) {
        List<String> lines = s.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        if (lines.isEmpty()) return "";
        String l = lines.getLast();
        return l.length() <= 300 ? l : l.substring(0, 300) + "...";
    }

    private static void deleteQuietly(Path p) {
        if (p == null) return;
        try { Files.deleteIfExists(p); } catch (IOException ignored) { /* a temp file; the OS cleans up */ }
    }
}
