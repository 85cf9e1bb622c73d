package dev.mien.tools.cli;

import dev.mien.engine.io.BuiltinModels;
import dev.mien.engine.io.ModelSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * {@code builtin:NAME} as a file for the commands, which work on paths: the class-path resource
 * itself when the class path is a folder, else one private copy per name for this process
 * (named NAME.mien, so messages and {@code inspect} show which model it is), deleted at exit.
 */
final class BuiltinModelFiles {
    private BuiltinModelFiles() {}

    private static final Map<String, Path> FILES = new HashMap<>();

    static boolean isBuiltin(String spec) { return BuiltinModels.isBuiltin(spec); }

    static synchronized Path path(String spec) {
        Path known = FILES.get(spec);
        if (known != null) return known;
        try {
            ModelSource src = BuiltinModels.source(spec);
            String name = spec.substring(BuiltinModels.PREFIX.length()) + ".mien";
            Path p;
            if (src instanceof ModelSource.ResourceSource r && r.loader().getResource(r.resource()) instanceof java.net.URL u
                    && "file".equals(u.getProtocol())) {
                p = Path.of(u.toURI());
            } else {
                Path dir = Files.createTempDirectory("mien-builtin");
                p = dir.resolve(name);
                try (InputStream in = src.open()) {
                    Files.copy(in, p);
                }
                Path file = p;
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    try {
                        Files.deleteIfExists(file);
                        Files.deleteIfExists(dir);
                    } catch (IOException ignored) {
                        // the system's temporary folder cleaning takes it
                    }
                }));
            }
            FILES.put(spec, p);
            return p;
        } catch (IOException | UncheckedIOException | java.net.URISyntaxException e) {
            throw new CliException(e.getMessage());
        }
    }
}
