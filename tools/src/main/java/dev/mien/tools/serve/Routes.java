package dev.mien.tools.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.mien.engine.io.Printable;
import dev.mien.tools.cli.Problems;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * The server's endpoints. Every answer other than the page and the metrics is JSON; every
 * refusal is {@code {"error": "..."}} with its status, counted by cause in the metrics.
 *
 * <pre>
 * GET  /             the page: drop a photo, see the faces
 * POST /v1/faces     image bytes in (?model=NAME, ?name=FILE), predict --json's object out
 *                    (?annotate=png: the photo with the faces drawn, as PNG)
 * GET  /v1/models    the models loaded, the default first
 * GET  /healthz      200 while serving, 503 while draining
 * GET  /metrics      Prometheus text
 * </pre>
 */
final class Routes implements HttpHandler {
    /** The routes, for the metrics (an unknown path is counted as "other", never by its text). */
    private static final Set<String> ROUTES = Set.of("/", "/index.html", "/v1/faces", "/v1/models", "/healthz", "/metrics");

    private final ServeConfig config;
    private final Map<String, ServedModel<?, ?>> models;
    private final String defaultModel;
    private final Admission admission;
    private final Metrics metrics;
    private final BooleanSupplier closing;
    private final ObjectMapper json = new ObjectMapper();
    private final byte[] page;

    Routes(ServeConfig config, Map<String, ServedModel<?, ?>> models, Admission admission, Metrics metrics, BooleanSupplier closing) {
        this.config = config;
        this.models = models;
        this.defaultModel = models.keySet().iterator().next();
        this.admission = admission;
        this.metrics = metrics;
        this.closing = closing;
        this.page = Page.html();
    }

    @Override
    public void handle(HttpExchange ex) throws IOException {
        long start = System.nanoTime();
        String path = ex.getRequestURI().getRawPath();
        String route = ROUTES.contains(path) ? path : "other";
        int status;
        try {
            status = dispatch(ex, path);
        } catch (HttpError e) {
            status = error(ex, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            status = error(ex, new HttpError(503, "shutting_down", "the server is shutting down"));
        } catch (IOException e) {
            // The client went away or sent a broken body: nothing more can be written to it.
            metrics.error("client_io");
            status = 499;
        } catch (RuntimeException | OutOfMemoryError | StackOverflowError e) {
            status = error(ex, new HttpError(500, "internal", "internal error: " + Printable.clip(Problems.describe(e), 200)));
        } finally {
            ex.close();
        }
        metrics.request(route, status, System.nanoTime() - start);
    }

    private int dispatch(HttpExchange ex, String path) throws HttpError, IOException, InterruptedException {
        String method = ex.getRequestMethod();
        switch (path) {
            case "/v1/faces" -> {
                allow(method, "POST");
                return faces(ex);
            }
            case "/v1/models" -> {
                allow(method, "GET");
                return send(ex, 200, "application/json", models());
            }
            case "/healthz" -> {
                allow(method, "GET");
                boolean draining = closing.getAsBoolean();
                return send(ex, draining ? 503 : 200, "application/json",
                        json.writeValueAsBytes(json.createObjectNode().put("status", draining ? "draining" : "ok")));
            }
            case "/metrics" -> {
                allow(method, "GET");
                return send(ex, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.render().getBytes(StandardCharsets.UTF_8));
            }
            case "/", "/index.html" -> {
                allow(method, "GET");
                return send(ex, 200, "text/html; charset=utf-8", page);
            }
            default -> throw new HttpError(404, "not_found", "no such endpoint: " + Printable.clip(path, 80)
                    + " (POST /v1/faces, GET /v1/models, /healthz, /metrics, /)");
        }
    }

    private static void allow(String method, String allowed) throws HttpError {
        if (!method.equals(allowed)) throw new MethodNotAllowed(method, allowed);
    }

    /** 405 with the Allow header the RFC asks for. */
    private static final class MethodNotAllowed extends HttpError {
        final String allowed;
        MethodNotAllowed(String method, String allowed) {
            super(405, "method_not_allowed", Printable.clip(method, 20) + " is not allowed here; use " + allowed);
            this.allowed = allowed;
        }
    }

    private int faces(HttpExchange ex) throws HttpError, IOException, InterruptedException {
        Map<String, String> query = query(ex.getRequestURI().getRawQuery());
        String modelName = query.getOrDefault("model", defaultModel);
        ServedModel<?, ?> model = models.get(modelName);
        if (model == null)
            throw new HttpError(404, "unknown_model", "no model named '" + Printable.clip(modelName, 60) + "' is loaded (GET /v1/models lists them)");
        String imageName = Printable.clip(query.getOrDefault("name", "upload"), 120);
        String format = query.getOrDefault("annotate", "");
        if (!format.isEmpty() && !format.equals("png"))
            throw new HttpError(400, "bad_request", "annotate=" + Printable.clip(format, 20) + " is not supported; use annotate=png");
        boolean annotate = !format.isEmpty();
        // Cheap refusals first, before a byte of the body is read.
        long declared = BoundedBody.declaredLength(ex.getRequestHeaders().getFirst("Content-Length"), config.maxBodyBytes());
        if (closing.getAsBoolean()) throw new HttpError(503, "shutting_down", "the server is shutting down");
        if (!admission.tryEnter())
            throw new HttpError(503, "queue_full", "the server is busy (" + admission.inFlight() + " requests in flight); retry later");
        try {
            // Again once admitted: close() sets the flag before it waits for the admitted to finish, so
            // a request admitted after that wait began is refused here instead of meeting closed models.
            if (closing.getAsBoolean()) throw new HttpError(503, "shutting_down", "the server is shutting down");
            // Not closed here: closing drains the rest of a refused body, which a client that stopped
            // sending would never end. The exchange's close after the answer handles it.
            byte[] body = BoundedBody.read(ex.getRequestBody(), declared, config.maxBodyBytes());
            ServedModel.Answer answer = model.analyze(imageName, () -> ImageDecoder.decode(body, config.maxPixels()), admission, json, annotate);
            return send(ex, 200, answer.contentType(), answer.body());
        } finally {
            admission.leave();
        }
    }

    private byte[] models() throws IOException {
        ObjectNode root = json.createObjectNode();
        root.put("default", defaultModel);
        ArrayNode list = root.putArray("models");
        for (ServedModel<?, ?> m : models.values()) list.add(m.describe(json));
        return json.writeValueAsBytes(root);
    }

    private int error(HttpExchange ex, HttpError e) {
        metrics.error(e.cause);
        try {
            if (e instanceof MethodNotAllowed m) ex.getResponseHeaders().set("Allow", m.allowed);
            if (e.status == 503) ex.getResponseHeaders().set("Retry-After", Integer.toString(config.retryAfterSeconds()));
            // Refused before its body was read: the connection cannot be reused for another request.
            if (e.status == 413 || e.status == 503) ex.getResponseHeaders().set("Connection", "close");
            send(ex, e.status, "application/json", json.writeValueAsBytes(json.createObjectNode().put("error", e.getMessage())));
        } catch (IOException ignored) {
            // The client is gone; the metrics still count the refusal.
        }
        return e.status;
    }

    private static int send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
        return status;
    }

    /** {@code a=b&c=d}, percent-decoded; a malformed escape is a 400. */
    static Map<String, String> query(String raw) throws HttpError {
        Map<String, String> q = new HashMap<>();
        if (raw == null || raw.isEmpty()) return q;
        if (raw.length() > 4096) throw new HttpError(414, "bad_request", "query string too long");
        try {
            for (String part : raw.split("&")) {
                if (part.isEmpty()) continue;
                int eq = part.indexOf('=');
                String k = URLDecoder.decode(eq < 0 ? part : part.substring(0, eq), StandardCharsets.UTF_8);
                String v = eq < 0 ? "" : URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8);
                q.putIfAbsent(k, v);
            }
        } catch (IllegalArgumentException e) {
            throw new HttpError(400, "bad_request", "malformed query string");
        }
        return q;
    }
}
