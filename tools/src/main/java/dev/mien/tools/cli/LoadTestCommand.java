package dev.mien.tools.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mien.tools.serve.LoadTest;

import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * {@code mien loadtest --image F [--url U] [--clients C] [--seconds S] [--max-requests N] [--json]}:
 * a running {@code mien serve} on this machine, loaded at 1x and 2x its measured capacity.
 */
public final class LoadTestCommand {
    public void run(List<String> argv, PrintStream out) throws Exception {
        Args a = Args.parse("loadtest", argv, Set.of("url", "image", "clients", "seconds", "max-requests"), Set.of("json"));
        if (!a.positionals().isEmpty()) throw new CliException("loadtest takes no arguments, got '" + a.positionals().getFirst() + "'");
        Path image = Args.existingFile("--image", a.get("image"));
        URI url;
        try {
            url = URI.create(a.get("url", "http://127.0.0.1:8080/v1/faces"));
        } catch (IllegalArgumentException e) {
            throw new CliException("--url: " + e.getMessage());
        }
        int clients = a.intValue("clients", 8, 1, 256);
        int seconds = a.intValue("seconds", 10, 1, LoadTest.MAX_SECONDS);
        int max = a.intValue("max-requests", 50_000, 1, 1_000_000);
        byte[] bytes = Problems.onIo(image, () -> Files.readAllBytes(image));
        List<LoadTest.Phase> phases;
        try (LoadTest t = new LoadTest(url, bytes, max)) {
            phases = t.run(clients, seconds);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new CliException(e.getMessage(), 1, e);
        }
        if (a.flag("json")) out.println(new ObjectMapper().writeValueAsString(phases));
        else for (LoadTest.Phase p : phases) out.println(p.line());
    }
}
