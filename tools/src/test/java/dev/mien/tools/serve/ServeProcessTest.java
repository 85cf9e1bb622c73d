package dev.mien.tools.serve;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/** {@code mien serve} as a process: it serves the built-in pipeline, and SIGTERM drains it and stops it cleanly. */
class ServeProcessTest {
    @TempDir Path dir;

    @Test
    void sigtermDrainsAndStops() throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "--add-modules", "jdk.incubator.vector", "-Xmx1g", "-cp", System.getProperty("java.class.path"),
                "dev.mien.tools.Main", "serve", "--port", "0", "--threads", "1", "--warmup-seconds", "0.5"));
        // Output to a file: a pipe's last lines can be lost to the reader when the process exits.
        Path log = dir.resolve("serve.log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            Pattern at = Pattern.compile("listening on (http://\\S+/)");
            URI base = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (base == null) {
                Matcher m = at.matcher(Files.readString(log));
                if (m.find()) base = URI.create(m.group(1));
                else if (!p.isAlive() || System.nanoTime() > deadline) fail("mien serve never listened: " + Files.readString(log));
                else Thread.sleep(20);
            }
            HttpResponse<String> health = ServerClient.HTTP.send(HttpRequest.newBuilder(base.resolve("/healthz")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode());
            HttpResponse<String> models = ServerClient.HTTP.send(HttpRequest.newBuilder(base.resolve("/v1/models")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals("default", ServerClient.JSON.readTree(models.body()).get("default").asText());
            p.destroy();   // SIGTERM
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "mien serve did not stop on SIGTERM: " + Files.readString(log));
            String out = Files.readString(log);
            assertTrue(out.contains("mien serve: drained and stopped"), out);
            assertTrue(Pattern.compile("mien serve: warmed up on a synthetic photo \\([1-9][0-9]* rounds in [0-9]+\\.[0-9] s").matcher(out).find(), out);
            assertTrue(out.indexOf("warmed up") < out.indexOf("listening on"), "warm-up before listening: " + out);
            assertFalse(out.contains("Exception"), out);
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void namedModelsAreChosenPerRequest() throws Exception {
        Path log = dir.resolve("serve2.log");
        Process p = new ProcessBuilder(List.of(ProcessHandle.current().info().command().orElse("java"),
                "--add-modules", "jdk.incubator.vector", "-Xmx1g", "-cp", System.getProperty("java.class.path"),
                "dev.mien.tools.Main", "serve", "--port", "0", "--threads", "1", "--warmup-seconds", "0", "--model", "builtin:emotion", "--model", "second=builtin:emotion"))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            URI base = awaitListening(p, log);
            var models = ServerClient.JSON.readTree(ServerClient.HTTP.send(HttpRequest.newBuilder(base.resolve("/v1/models")).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            assertEquals("emotion", models.get("default").asText());
            assertEquals("second", models.get("models").get(1).get("name").asText());
            assertEquals("builtin:emotion", models.get("models").get(1).get("source").asText());
            byte[] png = TestImages.bands(64, 64, 1);
            HttpResponse<String> r = ServerClient.HTTP.send(HttpRequest.newBuilder(base.resolve("/v1/faces?model=second"))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(png)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            assertEquals(64, ServerClient.JSON.readTree(r.body()).get("width").asInt());
        } finally {
            p.destroy();
            p.waitFor(60, TimeUnit.SECONDS);
            p.destroyForcibly();
        }
    }

    static URI awaitListening(Process p, Path log) throws Exception {
        Pattern at = Pattern.compile("listening on (http://\\S+/)");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (true) {
            Matcher m = at.matcher(Files.readString(log));
            if (m.find()) return URI.create(m.group(1));
            if (!p.isAlive() || System.nanoTime() > deadline) fail("mien serve never listened: " + Files.readString(log));
            Thread.sleep(20);
        }
    }
}
