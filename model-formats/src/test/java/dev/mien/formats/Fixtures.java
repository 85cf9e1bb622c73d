package dev.mien.formats;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates the reference fixtures (../shared/fixtures beside the checkout, or the
 * {@code mien.fixtures} system property / {@code MIEN_FIXTURES} variable). Tests that need
 * them call {@link #dir} and are skipped, with a message, on a clone that lacks them.
 */
public final class Fixtures {
    private Fixtures() {}

    public static Path root() {
        String p = System.getProperty("mien.fixtures");
        if (p == null || p.isBlank()) p = System.getenv("MIEN_FIXTURES");
        if (p != null && !p.isBlank()) return Path.of(p);
        Path dir = Path.of("").toAbsolutePath();
        for (Path d = dir; d != null; d = d.getParent()) {
            Path cand = d.resolveSibling("shared").resolve("fixtures");
            if (Files.isDirectory(cand)) return cand;
        }
        return dir.resolve("../shared/fixtures").normalize();
    }

    /** The fixture folder {@code name}, or skip the calling test when it is absent. */
    public static Path dir(String name) {
        Path d = root().resolve(name);
        Assumptions.assumeTrue(Files.isDirectory(d),
                "reference fixtures not found at " + d + " (set -Dmien.fixtures=...); skipping parity test");
        return d;
    }
}
