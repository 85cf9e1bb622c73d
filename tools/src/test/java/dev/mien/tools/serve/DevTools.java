package dev.mien.tools.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A headless Chromium driven over the DevTools protocol with the JDK's own WebSocket client:
 * enough of the protocol to load a page, set a file input and read the page back. Closing it
 * stops the browser and deletes its profile.
 */
final class DevTools implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process browser;
    private final Path profile;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();

    /** The browser found on this machine (Debian's chromium, or one named by -Dmien.chromium), or null. */
    static Path findBrowser() {
        String given = System.getProperty("mien.chromium", System.getenv("MIEN_CHROMIUM"));
        if (given != null && !given.isBlank()) return Files.isExecutable(Path.of(given)) ? Path.of(given) : null;
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":"))
            for (String name : List.of("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")) {
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) return p;
            }
        return null;
    }

    DevTools(Path chromium) throws IOException, InterruptedException {
        profile = Files.createTempDirectory("mien-chromium-");
        List<String> cmd = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/nice"))) cmd.addAll(List.of("/usr/bin/nice", "-n", "15"));
        cmd.addAll(List.of(chromium.toString(), "--headless=new", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
                "--disable-extensions", "--disable-background-networking", "--disable-dev-shm-usage", "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0", "--user-data-dir=" + profile));
        // Chromium's sandbox refuses to run as root (CI containers); the page is our own.
        if ("root".equals(System.getProperty("user.name"))) cmd.add("--no-sandbox");
        cmd.add("about:blank");
        browser = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        CompletableFuture<String> endpoint = new CompletableFuture<>();
        List<String> log = java.util.Collections.synchronizedList(new ArrayList<>());
        Thread.ofPlatform().daemon(true).name("chromium-output").start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(browser.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    if (log.size() < 200) log.add(line);
                    int at = line.indexOf("ws://");
                    if (line.startsWith("DevTools listening on") && at >= 0) endpoint.complete(line.substring(at).strip());
                }
            } catch (IOException ignored) {
                // The browser went away; close() reports nothing more.
            }
            endpoint.completeExceptionally(new IOException("chromium exited before DevTools listened: " + String.join(" | ", log)));
        });
        WebSocket ws = null;
        try {
            URI browserWs = URI.create(endpoint.get(60, TimeUnit.SECONDS));
            // The page target of the about:blank tab.
            HttpClient http = HttpClient.newHttpClient();
            URI list = URI.create("http://" + browserWs.getAuthority() + "/json/list");
            String pageWs = null;
            for (int tries = 0; pageWs == null && tries < 200; tries++) {
                JsonNode targets = JSON.readTree(http.send(HttpRequest.newBuilder(list).build(), HttpResponse.BodyHandlers.ofString()).body());
                for (JsonNode t : targets) if ("page".equals(t.path("type").asText())) { pageWs = t.get("webSocketDebuggerUrl").asText(); break; }
                if (pageWs == null) Thread.sleep(50);
            }
            if (pageWs == null) throw new IOException("chromium shows no page target");
            ws = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(30)).buildAsync(URI.create(pageWs), new Listener(this::dispatch))
                    .get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            destroy();
            throw new IOException("cannot drive chromium: " + e.getMessage(), e);
        }
        socket = ws;
    }

    private void dispatch(JsonNode message) {
        if (message.has("id")) {
            CompletableFuture<JsonNode> f = pending.remove(message.get("id").asInt());
            if (f == null) return;
            if (message.has("error")) f.completeExceptionally(new IOException("DevTools: " + message.get("error")));
            else f.complete(message.path("result"));
        }
    }

    /** Collects a message's text frames and hands the whole JSON on. */
    private static final class Listener implements WebSocket.Listener {
        private final StringBuilder text = new StringBuilder();
        private final Consumer<JsonNode> onMessage;

        Listener(Consumer<JsonNode> onMessage) { this.onMessage = onMessage; }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                try {
                    onMessage.accept(JSON.readTree(text.toString()));
                } catch (IOException ignored) {
                    // Not JSON: not an answer to anything we asked.
                }
                text.setLength(0);
            }
            ws.request(1);
            return null;
        }
    }

    /** Calls a DevTools method and waits for its result. */
    JsonNode call(String method, ObjectNode params) throws Exception {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonNode> f = new CompletableFuture<>();
        pending.put(id, f);
        ObjectNode msg = JSON.createObjectNode().put("id", id).put("method", method);
        msg.set("params", params == null ? JSON.createObjectNode() : params);
        socket.sendText(JSON.writeValueAsString(msg), true).get(30, TimeUnit.SECONDS);
        return f.get(60, TimeUnit.SECONDS);
    }

    static ObjectNode params() { return JSON.createObjectNode(); }

    /** The value of a JavaScript expression in the page (JSON-compatible values). */
    JsonNode eval(String expression) throws Exception {
        JsonNode r = call("Runtime.evaluate", params().put("expression", expression).put("returnByValue", true).put("awaitPromise", true));
        if (r.has("exceptionDetails")) throw new IOException("page script failed: " + r.get("exceptionDetails"));
        return r.path("result").path("value");
    }

    /** Polls an expression until it is truthy; returns its value. */
    JsonNode waitFor(String expression, Duration limit) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            JsonNode v = eval(expression);
            if (!v.isMissingNode() && !v.isNull() && v.asBoolean(true) && !(v.isTextual() && v.asText().isEmpty())) return v;
            if (System.nanoTime() > deadline) throw new AssertionError("the page never satisfied: " + expression);
            Thread.sleep(50);
        }
    }

    void navigate(URI url) throws Exception {
        call("Page.navigate", params().put("url", url.toString()));
    }

    /** Sets the files of the input matched by {@code selector}, as a person picking them would (change event included). */
    void setFiles(String selector, Path... files) throws Exception {
        int root = call("DOM.getDocument", params().put("depth", 0)).get("root").get("nodeId").asInt();
        int node = call("DOM.querySelector", params().put("nodeId", root).put("selector", selector)).get("nodeId").asInt();
        if (node == 0) throw new AssertionError("no element " + selector + " on the page");
        ObjectNode p = params().put("nodeId", node);
        var list = p.putArray("files");
        for (Path f : files) list.add(f.toAbsolutePath().toString());
        call("DOM.setFileInputFiles", p);
    }

    private void destroy() {
        browser.descendants().forEach(ProcessHandle::destroy);
        browser.destroy();
        try {
            if (!browser.waitFor(10, TimeUnit.SECONDS)) {
                browser.descendants().forEach(ProcessHandle::destroyForcibly);
                browser.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (var walk = Files.walk(profile)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // A temporary profile left behind is harmless.
        }
    }

    @Override
    public void close() {
        if (socket != null) socket.abort();
        destroy();
    }
}
