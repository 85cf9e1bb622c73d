package dev.mien.tools.serve;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;

/**
 * The server's counters, rendered for {@code GET /metrics} in Prometheus' text format:
 * requests by route and status, errors by cause, request latency, batch sizes, and the
 * gauges (requests in flight, queue depth) read when scraped.
 */
final class Metrics {
    private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    private final LatencyHistogram latency = new LatencyHistogram(LatencyHistogram.BOUNDS);
    private final LatencyHistogram batchSizes = new LatencyHistogram(new double[]{1, 2, 4, 8, 16, 32, 64, 128});
    private final LongAdder batches = new LongAdder();
    private final IntSupplier inFlight, queueDepth, batchQueueDepth;

    Metrics(IntSupplier inFlight, IntSupplier queueDepth, IntSupplier batchQueueDepth) {
        this.inFlight = inFlight;
        this.queueDepth = queueDepth;
        this.batchQueueDepth = batchQueueDepth;
    }

    /** One answered request; {@code route} is one of the server's fixed routes (never the raw path). */
    void request(String route, int status, long nanos) {
        requests.computeIfAbsent(route + '\u0000' + status, k -> new LongAdder()).increment();
        if ("/v1/faces".equals(route)) latency.observe(nanos / 1e9);
    }

    void error(String cause) {
        errors.computeIfAbsent(cause, k -> new LongAdder()).increment();
    }

    /** One batched expression-model call over {@code faces} faces. */
    void batch(int faces) {
        batches.increment();
        batchSizes.observe(faces);
    }

    long batches() { return batches.sum(); }

    long errors(String cause) {
        LongAdder a = errors.get(cause);
        return a == null ? 0 : a.sum();
    }

    String render() {
        StringBuilder b = new StringBuilder(4096);
        b.append("# HELP mien_requests_total HTTP requests answered, by route and status.\n");
        b.append("# TYPE mien_requests_total counter\n");
        for (Map.Entry<String, LongAdder> e : new TreeMap<>(requests).entrySet()) {
            String[] k = e.getKey().split("\u0000");
            b.append("mien_requests_total{route=\"").append(k[0]).append("\",status=\"").append(k[1]).append("\"} ")
                    .append(e.getValue().sum()).append('\n');
        }
        b.append("# HELP mien_errors_total Requests refused or failed, by cause.\n");
        b.append("# TYPE mien_errors_total counter\n");
        for (Map.Entry<String, LongAdder> e : new TreeMap<>(errors).entrySet())
            b.append("mien_errors_total{cause=\"").append(e.getKey()).append("\"} ").append(e.getValue().sum()).append('\n');
        b.append("# HELP mien_request_duration_seconds Time to answer POST /v1/faces, from admission to the last byte.\n");
        b.append("# TYPE mien_request_duration_seconds histogram\n");
        latency.write(b, "mien_request_duration_seconds", "");
        b.append("# HELP mien_batch_faces Faces per batched expression-model call.\n");
        b.append("# TYPE mien_batch_faces histogram\n");
        batchSizes.write(b, "mien_batch_faces", "");
        b.append("# HELP mien_requests_in_flight Requests admitted and not yet answered.\n");
        b.append("# TYPE mien_requests_in_flight gauge\n");
        b.append("mien_requests_in_flight ").append(inFlight.getAsInt()).append('\n');
        b.append("# HELP mien_queue_depth Admitted requests waiting for a worker.\n");
        b.append("# TYPE mien_queue_depth gauge\n");
        b.append("mien_queue_depth ").append(queueDepth.getAsInt()).append('\n');
        b.append("# HELP mien_batch_queue_depth Images whose faces wait for the batched expression model.\n");
        b.append("# TYPE mien_batch_queue_depth gauge\n");
        b.append("mien_batch_queue_depth ").append(batchQueueDepth.getAsInt()).append('\n');
        return b.toString();
    }
}
