package dev.mien.tools;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** --threads, -Dmien.threads and MIEN_THREADS: a bad value is one line naming it, before any work. */
class ThreadsOptionTest {
    record Result(int code, String out, String err) {}

    static Result mien(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8));
        return new Result(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    static void assertOneLine(Result r, String start) {
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().startsWith(start), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    @Test
    void badThreadOptionsAreOneLineErrors() {
        int tooMany = 4 * Runtime.getRuntime().availableProcessors() + 1;
        assertOneLine(mien("bench", "--arch", "manet", "--threads", String.valueOf(tooMany)), "mien bench: --threads=" + tooMany + ": more than 4x");
        assertOneLine(mien("bench", "--arch", "manet", "--threads", "0"), "mien bench: --threads=0:");
        assertOneLine(mien("bench", "--arch", "manet", "--threads", "abc"), "mien bench: --threads=abc: not a thread count");
        // Checked before the model is read: the file need not even be a model for the thread error.
        assertOneLine(mien("predict", "--model", "pom.xml", "--threads", "-1", "pom.xml"), "mien predict: --threads=-1:");
    }

    @Test
    void theThreadsPropertyIsValidated() {
        String old = System.getProperty("mien.threads");
        try {
            System.setProperty("mien.threads", "abc");
            assertOneLine(mien("bench", "--arch", "manet"), "mien bench: -Dmien.threads=abc: not a thread count");
        } finally {
            if (old == null) System.clearProperty("mien.threads");
            else System.setProperty("mien.threads", old);
        }
    }

    @Test
    @Timeout(120)
    void theThreadsEnvironmentVariableIsValidated() throws Exception {
        for (String bad : List.of("abc", "0")) {
            ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), "dev.mien.tools.Main", "bench", "--arch", "manet");
            pb.environment().put("MIEN_THREADS", bad);
            pb.environment().remove("MIEN_KERNELS");
            pb.redirectErrorStream(true);
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(100, TimeUnit.SECONDS));
            assertEquals(2, p.exitValue(), out);
            String line = out.lines().filter(l -> l.startsWith("mien ")).findFirst().orElse(out);
            assertTrue(line.startsWith("mien bench: MIEN_THREADS=" + bad + ":"), out);
        }
    }
}
