package dev.mien.tools.serve;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;

import static dev.mien.tools.serve.ServerClient.*;
import static org.junit.jupiter.api.Assertions.*;

/** The server end to end on loopback with a stand-in model: every endpoint, every refusal, draining, batching. */
class FaceServerTest {

    static FaceServer start(ServeConfig config, FakeStages stages) throws IOException {
        return FaceServer.start(config, Map.of("fake", stages));
    }

    /** Polls a condition the server reaches on its own (never a timing assertion: it only bounds a hang). */
    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) fail("never happened: " + what);
            Thread.sleep(5);
        }
    }

    static void assertError(int status, HttpResponse<String> r, String containing) throws IOException {
        assertEquals(status, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("application/json"));
        JsonNode j = json(r);
        assertTrue(j.get("error").asText().contains(containing), j.toString());
    }

    @Test
    void facesAnswersPredictJsonForOneImage() throws Exception {
        try (FaceServer s = start(ServeConfig.loopback(), new FakeStages())) {
            HttpResponse<String> r = post(s, "/v1/faces?name=me.png", TestImages.bands(64, 48, 1, 2, 5));
            assertEquals(200, r.statusCode(), r.body());
            JsonNode j = json(r);
            assertEquals("me.png", j.get("image").asText());
            assertEquals(64, j.get("width").asInt());
            assertEquals(48, j.get("height").asInt());
            assertEquals(2, j.get("faces").size());
            JsonNode f = j.get("faces").get(0);
            assertEquals(4, f.get("box").size());
            assertEquals(12, f.get("box").get(1).asInt());
            double sum = 0;
            for (String label : FakeStages.LABELS) sum += f.get("expressions").get(label).asDouble();
            assertEquals(1.0, sum, 1e-5);
        }
    }

    @Test
    void annotatePngAnswersThePhotoWithItsFacesDrawn() throws Exception {
        try (FaceServer s = start(ServeConfig.loopback(), new FakeStages())) {
            var r = HTTP.send(java.net.http.HttpRequest.newBuilder(s.uri().resolve("/v1/faces?annotate=png"))
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(TestImages.bands(64, 48, 1, 2))).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, r.statusCode());
            assertEquals("image/png", r.headers().firstValue("content-type").orElse(""));
            var img = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(r.body()));
            assertEquals(64, img.getWidth());
            assertEquals(48, img.getHeight());
            assertEquals(0xffffff, img.getRGB(10, 12) & 0xffffff, "band 2's box starts at row 12");
            assertError(400, post(s, "/v1/faces?annotate=jpeg", TestImages.bands(8, 8, 1)), "annotate=png");
        }
    }

    @Test
    void modelsHealthAndPage() throws Exception {
        try (FaceServer s = FaceServer.start(ServeConfig.loopback(), orderedModels())) {
            JsonNode m = json(get(s, "/v1/models"));
            assertEquals("first", m.get("default").asText());
            assertEquals("first", m.get("models").get(0).get("name").asText());
            assertEquals("second", m.get("models").get(1).get("name").asText());
            assertEquals("fake-bands", m.get("models").get(1).get("detector").asText());
            HttpResponse<String> h = get(s, "/healthz");
            assertEquals(200, h.statusCode());
            assertEquals("ok", json(h).get("status").asText());
            HttpResponse<String> page = get(s, "/");
            assertEquals(200, page.statusCode());
            assertTrue(page.headers().firstValue("content-type").orElse("").startsWith("text/html"));
            assertTrue(page.body().contains("<input id=\"file\" type=\"file\""), "the page has a file input");
            assertTrue(page.body().contains("/v1/faces"));
            HttpResponse<String> chosen = post(s, "/v1/faces?model=second", TestImages.bands(32, 32, 2, 1));
            assertEquals(200, chosen.statusCode());
        }
    }

    static Map<String, FakeStages> orderedModels() {
        Map<String, FakeStages> m = new java.util.LinkedHashMap<>();
        m.put("first", new FakeStages());
        m.put("second", new FakeStages());
        return m;
    }

    @Test
    void a64MegabyteBodyIsRefusedByItsContentLengthBeforeItIsRead() throws Exception {
        try (FaceServer s = start(ServeConfig.loopback(), new FakeStages())) {
            assertTrue(ServeConfig.DEFAULT_MAX_BODY < 64L << 20);
            Raw r = raw(s, "POST /v1/faces HTTP/1.1\r\nContent-Type: image/png\r\nContent-Length: " + (64L << 20),
                    out -> out.write(new byte[1 << 16]));
            assertEquals(413, r.status());
            assertTrue(r.json().get("error").asText().contains("--max-body"), r.body());
            // And with a real client sending the whole 64 MB:
            HttpResponse<String> full;
            try {
                full = post(s, "/v1/faces", new byte[64 << 20]);
                assertError(413, full, "exceeds");
            } catch (IOException clientSawTheCloseFirst) {
                // The JDK client may report the early close instead of the 413; the raw check above holds.
            }
            assertTrue(s.metricsText().contains("mien_errors_total{cause=\"body_too_large\"}"), s.metricsText());
        }
    }

    @Test
    void aChunkedBodyIsCountedAndRefusedOnceItPassesTheLimit() throws Exception {
        FakeStages stages = new FakeStages();
        try (FaceServer s = start(ServeConfig.loopback().withMaxBody(1 << 20), stages)) {
            byte[] chunk = new byte[32 << 10];
            Raw r = raw(s, "POST /v1/faces HTTP/1.1\r\nTransfer-Encoding: chunked", out -> {
                // 1 MiB + 32 KiB in 33 chunks, no final chunk: the server must stop counting on its own.
                for (int i = 0; i < 33; i++) {
                    out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.write(chunk);
                    out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                }
            });
            assertEquals(413, r.status(), r.body());
            assertTrue(r.json().get("error").asText().contains("1048576 bytes"), r.body());
            assertEquals(0, stages.classifyCalls.size(), "nothing reached the model");
            // A chunked body within the limit is fine.
            byte[] png = TestImages.bands(40, 40, 3, 0);
            Raw ok = raw(s, "POST /v1/faces HTTP/1.1\r\nTransfer-Encoding: chunked\r\nConnection: close", out -> {
                out.write((Integer.toHexString(png.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(png);
                out.write("\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            });
            assertEquals(200, ok.status(), ok.body());
            assertEquals(1, ok.json().get("faces").size());
        }
    }

    @Test
    void aHugeCanvasIsRefusedFromItsHeaderAndGarbageIsABadRequest() throws Exception {
        FakeStages stages = new FakeStages();
        try (FaceServer s = start(ServeConfig.loopback(), stages)) {
            // 100000 x 100000 pixels in 57 bytes: refused before decoding (30 GB of RGB otherwise).
            assertError(413, post(s, "/v1/faces", TestImages.pngHeader(100_000, 100_000)), "100000x100000 pixels exceeds");
            assertError(400, post(s, "/v1/faces", "this is not an image".getBytes(StandardCharsets.UTF_8)), "not an image");
            byte[] png = TestImages.bands(64, 64, 4, 1);
            assertError(400, post(s, "/v1/faces", java.util.Arrays.copyOf(png, png.length / 2)), "cannot decode");
            assertError(400, post(s, "/v1/faces", new byte[0]), "empty");
            // A BMP declaring 10 x 10 around a 640 x 480 PNG: the JDK would decode the PNG at its own size.
            assertError(400, post(s, "/v1/faces", TestImages.bmpWrappingPng(10, 10, 640, 480)), "a BMP that wraps a PNG");
            assertEquals(0, stages.classifyCalls.size());
            String m = s.metricsText();
            assertTrue(m.contains("mien_errors_total{cause=\"too_many_pixels\"} 1"), m);
            assertTrue(m.contains("mien_errors_total{cause=\"bad_image\"} 4"), m);
        }
        // The limit is the server's option: a lower one refuses an ordinary image.
        try (FaceServer s = start(ServeConfig.loopback().withMaxPixels(1000), new FakeStages())) {
            assertError(413, post(s, "/v1/faces", TestImages.bands(64, 64, 4, 1)), "--max-pixels");
        }
    }

    @Test
    void unknownModelUnknownPathAndWrongMethodAreJsonErrors() throws Exception {
        try (FaceServer s = start(ServeConfig.loopback(), new FakeStages())) {
            assertError(404, post(s, "/v1/faces?model=nope", TestImages.bands(16, 16, 1)), "no model named 'nope'");
            assertError(404, get(s, "/v2/whatever"), "no such endpoint");
            HttpResponse<String> wrong = get(s, "/v1/faces");
            assertError(405, wrong, "use POST");
            assertEquals("POST", wrong.headers().firstValue("allow").orElse(""));
            HttpResponse<String> wrong2 = post(s, "/metrics", new byte[1]);
            assertError(405, wrong2, "use GET");
            assertEquals("GET", wrong2.headers().firstValue("allow").orElse(""));
            String m = s.metricsText();
            assertTrue(m.contains("mien_errors_total{cause=\"unknown_model\"} 1"), m);
            assertTrue(m.contains("mien_errors_total{cause=\"method_not_allowed\"} 2"), m);
            assertTrue(m.contains("mien_requests_total{route=\"other\",status=\"404\"} 1"), m);
        }
    }

    @Test
    void aFullQueueSheds503WithRetryAfterAndTheAdmittedStillFinish() throws Exception {
        FakeStages stages = new FakeStages();
        stages.hold = new CountDownLatch(1);
        try (FaceServer s = start(ServeConfig.loopback().withWorkers(1).withQueue(1).withQueueTimeout(Duration.ofMinutes(10)), stages);
             var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            byte[] png = TestImages.bands(32, 32, 5, 3);
            Future<HttpResponse<String>> a = pool.submit(() -> post(s, "/v1/faces", png));
            await("the first request holds the worker", () -> stages.detecting.get() == 1);
            Future<HttpResponse<String>> b = pool.submit(() -> post(s, "/v1/faces", png));
            await("the second request waits in the queue", () -> s.metricsText().contains("mien_queue_depth 1\n"));
            HttpResponse<String> c = post(s, "/v1/faces", png);
            assertError(503, c, "busy");
            assertEquals("1", c.headers().firstValue("retry-after").orElse(""));
            assertTrue(s.metricsText().contains("mien_requests_in_flight 2\n"));
            stages.hold.countDown();
            assertEquals(200, a.get().statusCode());
            assertEquals(200, b.get().statusCode());
            assertEquals(a.get().body(), b.get().body());
            assertTrue(s.metricsText().contains("mien_errors_total{cause=\"queue_full\"} 1"));
        }
    }

    @Test
    void aRequestWaitingLongerThanTheQueueTimeoutGets503() throws Exception {
        FakeStages stages = new FakeStages();
        stages.hold = new CountDownLatch(1);
        try (FaceServer s = start(ServeConfig.loopback().withWorkers(1).withQueueTimeout(Duration.ofMillis(50)), stages);
             var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            byte[] png = TestImages.bands(32, 32, 5, 3);
            Future<HttpResponse<String>> a = pool.submit(() -> post(s, "/v1/faces", png));
            await("the first request holds the only worker", () -> stages.detecting.get() == 1);
            HttpResponse<String> b = post(s, "/v1/faces", png);
            assertError(503, b, "no worker free for 50 ms");
            assertEquals("1", b.headers().firstValue("retry-after").orElse(""));
            stages.hold.countDown();
            assertEquals(200, a.get().statusCode());
            assertTrue(s.metricsText().contains("mien_errors_total{cause=\"queue_timeout\"} 1"));
        }
    }

    @Test
    void aFailingModelIsA500WithItsReasonAndTheServerCarriesOn() throws Exception {
        FakeStages stages = new FakeStages();
        try (FaceServer s = start(ServeConfig.loopback(), stages)) {
            stages.failClassify = true;
            assertError(500, post(s, "/v1/faces", TestImages.bands(32, 32, 1, 2)), "the expression model failed");
            stages.failClassify = false;
            assertEquals(200, post(s, "/v1/faces", TestImages.bands(32, 32, 1, 2)).statusCode());
            assertTrue(s.metricsText().contains("mien_errors_total{cause=\"internal\"} 1"));
        }
    }

    @Test
    void configRefusesNonsense() {
        ServeConfig c = ServeConfig.loopback();
        assertThrows(IllegalArgumentException.class, () -> c.withMaxBody(0));
        assertThrows(IllegalArgumentException.class, () -> c.withWorkers(0));
        assertThrows(IllegalArgumentException.class, () -> c.withQueue(-1));
        assertThrows(IllegalArgumentException.class, () -> c.withQueueTimeout(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> c.withMaxBatch(0));
        assertThrows(IllegalArgumentException.class, () -> c.withBatchWait(Duration.ofMillis(-1)));
        assertThrows(IllegalArgumentException.class, () -> c.withWarmup(Duration.ofMillis(-1)));
        assertThrows(IllegalArgumentException.class, () -> c.withWarmup(ServeConfig.MAX_WARMUP.plusMillis(1)));
        assertEquals(ServeConfig.DEFAULT_WARMUP, ServeConfig.defaults(8080).warmup());
        assertEquals(Duration.ZERO, c.warmup(), "loopback (tests) starts cold");
        assertEquals(16L << 20, ServeConfig.defaults(8080).maxBodyBytes());
        assertEquals(8080, ServeConfig.defaults(8080).bind().getPort());
    }

    @Test
    void theWarmUpRunsEveryModelBeforeListeningAndIsNoRequest() throws Exception {
        FakeStages a = new FakeStages(), b = new FakeStages();
        try (FaceServer s = FaceServer.start(ServeConfig.loopback().withWarmup(Duration.ofMillis(200)), Map.of("a", a, "b", b))) {
            int rounds = s.warmUpRuns();
            assertTrue(rounds >= 1, "at least one round, however slow: " + rounds);
            assertTrue(s.warmUpTime().compareTo(Duration.ofMillis(200)) >= 0, "rounds until the budget has passed: " + s.warmUpTime());
            // Every round ran each model as a request would: detection, then one expression call.
            assertEquals(rounds, a.classifyCalls.size());
            assertEquals(rounds, b.classifyCalls.size());
            String m = s.metricsText();
            assertFalse(m.contains("route=\"/v1/faces\""), "the warm-up is not counted as requests:\n" + m);
            assertFalse(m.contains("mien_batch_faces_count 1"), "nor as batches:\n" + m);
            assertEquals(200, post(s, "/v1/faces?model=b", TestImages.bands(32, 32, 1)).statusCode());
            assertEquals(rounds + 1, b.classifyCalls.size());
        }
        FakeStages cold = new FakeStages();
        try (FaceServer s = start(ServeConfig.loopback(), cold)) {
            assertEquals(0, s.warmUpRuns());
            assertEquals(List.of(), cold.classifyCalls);
        }
    }

    @Test
    void aModelThatFailsItsWarmUpStopsTheStartAndIsClosed() {
        FakeStages broken = new FakeStages();
        broken.failClassify = true;
        IOException e = assertThrows(IOException.class,
                () -> start(ServeConfig.loopback().withWarmup(Duration.ofMillis(50)), broken).close());
        assertEquals("model 'fake' failed its warm-up on a synthetic photo: the expression model failed", e.getMessage());
        assertTrue(broken.closed, "the server closes the models it was given when it cannot start");
    }

    @Test
    void metricsCountRequestsErrorsLatencyAndQueue() throws Exception {
        try (FaceServer s = start(ServeConfig.loopback(), new FakeStages())) {
            assertEquals(200, post(s, "/v1/faces", TestImages.bands(32, 32, 6, 0, 1)).statusCode());
            assertEquals(200, post(s, "/v1/faces", TestImages.bands(32, 32, 7)).statusCode());
            assertEquals(400, post(s, "/v1/faces", new byte[]{1, 2, 3}).statusCode());
            HttpResponse<String> r = get(s, "/metrics");
            assertEquals(200, r.statusCode());
            assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/plain; version=0.0.4"));
            String m = r.body();
            for (String line : List.of(
                    "# TYPE mien_requests_total counter",
                    "mien_requests_total{route=\"/v1/faces\",status=\"200\"} 2",
                    "mien_requests_total{route=\"/v1/faces\",status=\"400\"} 1",
                    "# TYPE mien_errors_total counter",
                    "mien_errors_total{cause=\"bad_image\"} 1",
                    "# TYPE mien_request_duration_seconds histogram",
                    "mien_request_duration_seconds_bucket{le=\"+Inf\"} 3",
                    "mien_request_duration_seconds_count 3",
                    "mien_batch_faces_count 1",
                    "# TYPE mien_queue_depth gauge",
                    "mien_queue_depth 0",
                    "mien_requests_in_flight 0",
                    "mien_batch_queue_depth 0"))
                assertTrue(m.contains(line + "\n"), "metrics lack '" + line + "':\n" + m);
            // Buckets are cumulative and end at the count.
            long last = -1;
            for (String line : m.split("\n"))
                if (line.startsWith("mien_request_duration_seconds_bucket")) {
                    long v = Long.parseLong(line.substring(line.lastIndexOf(' ') + 1));
                    assertTrue(v >= last, line);
                    last = v;
                }
            assertEquals(3, last);
        }
    }

    @Test
    void closeDrainsTheRequestsInFlightAndRefusesNewOnes() throws Exception {
        FakeStages stages = new FakeStages();
        stages.hold = new CountDownLatch(1);
        FaceServer s = start(ServeConfig.loopback().withWorkers(1).withQueueTimeout(Duration.ofMinutes(10)), stages);
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            byte[] png = TestImages.bands(32, 32, 8, 4);
            Future<HttpResponse<String>> inFlight = pool.submit(() -> post(s, "/v1/faces", png));
            await("a request is being worked on", () -> stages.detecting.get() == 1);
            CompletableFuture<Void> closing = CompletableFuture.runAsync(s::close, pool);
            await("the server reports draining", () -> {
                try { return get(s, "/healthz").statusCode() == 503; } catch (Exception e) { return false; }
            });
            HttpResponse<String> late = post(s, "/v1/faces", png);
            assertError(503, late, "shutting down");
            assertFalse(closing.isDone(), "close waits for the request in flight");
            stages.hold.countDown();
            HttpResponse<String> done = inFlight.get();
            assertEquals(200, done.statusCode());
            assertEquals(1, json(done).get("faces").size());
            closing.get();
            assertTrue(stages.closed, "the model is closed after the drain");
            assertThrows(IOException.class, () -> get(s, "/healthz"));
        }
    }

    @Test
    void concurrentRequestsShareOneExpressionCallWithTheUnbatchedResults() throws Exception {
        int n = 6;
        List<byte[]> images = new ArrayList<>();
        for (int i = 0; i < n; i++) images.add(TestImages.bands(48, 40, 100 + i, i % 8));
        // Reference: one request at a time, batches of one.
        FakeStages single = new FakeStages();
        List<String> unbatched = new ArrayList<>();
        try (FaceServer s = start(ServeConfig.loopback().withMaxBatch(1), single)) {
            for (byte[] img : images) unbatched.add(post(s, "/v1/faces", img).body());
        }
        assertEquals(java.util.Collections.nCopies(n, 1), single.classifyCalls);
        // Batched: the batch closes when it holds all n faces (the wait is far longer than that takes).
        FakeStages stages = new FakeStages();
        try (FaceServer s = start(ServeConfig.loopback().withMaxBatch(n).withBatchWait(Duration.ofSeconds(60)).withWorkers(2), stages);
             var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<HttpResponse<String>>> rs = new ArrayList<>();
            for (byte[] img : images) rs.add(pool.submit(() -> post(s, "/v1/faces", img)));
            for (int i = 0; i < n; i++) {
                assertEquals(200, rs.get(i).get().statusCode());
                assertEquals(json(rs.get(i).get()), ServerClient.JSON.readTree(unbatched.get(i)), "image " + i);
            }
            assertEquals(List.of(n), stages.classifyCalls, "one expression call for all requests");
            assertTrue(s.metricsText().contains("mien_batch_faces_bucket{le=\"8\"} 1\n"), s.metricsText());
        }
    }
}
