package dev.mien.tools;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The {@code ./mien} launcher started several times at once on a fresh tree builds once: the
 * real script runs against a stand-in JDK and a stand-in Maven whose build takes a second and
 * records any overlap, so the check costs seconds, not a real build per launcher.
 */
class LauncherLockTest {
    @TempDir Path tmp;

    static Path launcher() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path m = d.resolve("mien");
            if (Files.isRegularFile(m) && Files.isRegularFile(d.resolve("pom.xml"))) return m;
        }
        return null;
    }

    static void script(Path p, String body) throws IOException {
        Files.createDirectories(p.getParent());
        Files.writeString(p, "#!/usr/bin/env bash\n" + body, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** A tree with the real launcher, a fake JDK (answers the version probe, "runs" the CLI) and a fake mvn. */
    Path fakeTree() throws IOException {
        Path src = launcher();
        Assumptions.assumeTrue(src != null && Files.isExecutable(Path.of("/bin/bash")), "needs bash and the launcher script");
        Path root = tmp.resolve("clone");
        Files.createDirectories(root);
        Files.copy(src, root.resolve("mien"));
        Files.setPosixFilePermissions(root.resolve("mien"), PosixFilePermissions.fromString("rwxr-xr-x"));
        script(tmp.resolve("jdk/bin/java"), """
                case "$*" in
                  *-XshowSettings*) echo '    java.specification.version = 25' >&2 ;;
                  *dev.mien.tools.Main*) echo "ran $*" ;;
                  *) exit 1 ;;
                esac
                """);
        script(tmp.resolve("jdk/bin/javac"), "exit 0\n");
        script(tmp.resolve("bin/mvn"), """
                printf '\\033[0m\\033[0m'
                if [ -n "${FAKE_FAIL:-}" ]; then printf '\\033[0m[ERROR] COMPILATION ERROR in Model.java\\n' >&2; exit 1; fi
                mkdir "$FAKE_MARK" 2>/dev/null || echo overlap >>"$FAKE_LOG"
                echo start >>"$FAKE_LOG"
                sleep 1
                mkdir -p tools/target && echo jar >tools/target/mien-tools.jar
                echo end >>"$FAKE_LOG"
                rmdir "$FAKE_MARK"
                """);
        return root;
    }

    List<String> runConcurrently(Path root, int n, String lockMode) throws Exception {
        List<Process> ps = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ProcessBuilder pb = new ProcessBuilder(root.resolve("mien").toString(), "inspect", "m" + i).redirectErrorStream(true);
            var env = pb.environment();
            env.put("MIEN_JAVA_HOME", tmp.resolve("jdk").toString());
            env.remove("JAVA_HOME");
            env.put("PATH", tmp.resolve("bin") + ":" + env.getOrDefault("PATH", "/usr/bin:/bin"));
            env.put("FAKE_LOG", tmp.resolve("builds.log").toString());
            env.put("FAKE_MARK", tmp.resolve("building").toString());
            env.put("MIEN_LOCK", lockMode);
            ps.add(pb.start());
        }
        List<String> outs = new ArrayList<>();
        for (Process p : ps) {
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "a launcher hung");
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), out);
            outs.add(out);
        }
        return outs;
    }

    void assertOneBuildAndEveryoneRuns(String lockMode) throws Exception {
        Path root = fakeTree();
        List<String> outs = runConcurrently(root, 4, lockMode);
        for (int i = 0; i < outs.size(); i++) {
            assertTrue(outs.get(i).contains("dev.mien.tools.Main inspect m" + i), outs.get(i));
            assertFalse(outs.get(i).contains("\u001b"), "Maven's terminal codes stay in its log: " + outs.get(i));
        }
        List<String> log = Files.readAllLines(tmp.resolve("builds.log"));
        assertEquals(List.of("start", "end"), log, "exactly one build, never two at once");
        runConcurrently(root, 2, lockMode);
        assertEquals(2, Files.readAllLines(tmp.resolve("builds.log")).size(), "a built tree is not rebuilt");
    }

    @Test
    void concurrentFirstUseBuildsOnceWithFlock() throws Exception {
        Assumptions.assumeTrue(new ProcessBuilder("bash", "-c", "command -v flock").start().waitFor() == 0, "flock not installed");
        assertOneBuildAndEveryoneRuns("flock");
    }

    @Test
    void concurrentFirstUseBuildsOnceWithTheMkdirFallback() throws Exception {
        assertOneBuildAndEveryoneRuns("mkdir");
    }

    /** A failed build shows Maven's output, without its terminal codes, and stops with exit 1 before running anything. */
    @Test
    void aFailedBuildShowsItsLogAndStops() throws Exception {
        Path root = fakeTree();
        ProcessBuilder pb = new ProcessBuilder(root.resolve("mien").toString(), "inspect", "m").redirectErrorStream(true);
        var env = pb.environment();
        env.put("MIEN_JAVA_HOME", tmp.resolve("jdk").toString());
        env.remove("JAVA_HOME");
        env.put("PATH", tmp.resolve("bin") + ":" + env.getOrDefault("PATH", "/usr/bin:/bin"));
        env.put("FAKE_FAIL", "1");
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the launcher hung");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(1, p.exitValue(), out);
        assertTrue(out.contains("[ERROR] COMPILATION ERROR in Model.java\nmien: build failed"), out);
        assertFalse(out.contains("\u001b"), out);
        assertFalse(out.contains("dev.mien.tools.Main"), "nothing runs after a failed build: " + out);
    }

    @Test
    void aLockLeftByADeadBuilderIsTakenOver() throws Exception {
        Path root = fakeTree();
        Process dead = new ProcessBuilder("true").start();
        dead.waitFor();
        Path lockdir = root.resolve("target/.mien-build.lockdir");
        Files.createDirectories(lockdir);
        Files.writeString(lockdir.resolve("pid"), Long.toString(dead.pid()));
        List<String> outs = runConcurrently(root, 1, "mkdir");
        assertTrue(outs.get(0).contains("dev.mien.tools.Main inspect m0"), outs.get(0));
        assertFalse(Files.exists(lockdir), "the lock is released after the build");
    }
}
