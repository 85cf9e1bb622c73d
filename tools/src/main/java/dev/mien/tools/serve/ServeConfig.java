package dev.mien.tools.serve;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * How a {@link FaceServer} runs: where it listens and the bounds that keep a hostile or
 * overloaded client from taking the process down. Every bound has a default that fits a
 * photo-sized request many times over; {@code mien serve} takes each as an option.
 *
 * @param bind         address and port to listen on (port 0: any free port)
 * @param maxBodyBytes largest request body; a larger Content-Length is refused before reading,
 *                     and a chunked body is refused as soon as it passes the limit (413)
 * @param maxPixels    width x height of an uploaded image, checked from its header before
 *                     decoding (413): a small file can declare a huge canvas
 * @param queue        requests admitted but waiting for a worker; one more gets 503 with Retry-After
 * @param workers      requests decoding and detecting at once (each also uses the model's threads)
 * @param queueTimeout how long an admitted request may wait for a worker before it gets 503: with
 *                     the queue bound this caps the latency of what the server accepts
 * @param maxBatch     faces classified in one batched expression-model call
 * @param batchWait    how long the batcher waits for more faces once it holds one
 * @param drain        how long {@link FaceServer#close()} waits for requests in flight
 * @param retryAfterSeconds the Retry-After a 503 carries
 * @param warmup       how long {@link FaceServer#start} runs every model on a synthetic photo before it
 *                     listens, so that the first requests do not wait for the JIT (a cold JVM took
 *                     2.7 s for the first request and ~0.1-0.4 s for the next ten); zero: none
 */
public record ServeConfig(InetSocketAddress bind, long maxBodyBytes, long maxPixels, int queue, int workers,
                          Duration queueTimeout, int maxBatch, Duration batchWait, Duration drain, int retryAfterSeconds,
                          Duration warmup) {

    public static final int DEFAULT_PORT = 8080;
    /** 16 MiB: a large phone photo is 3-8 MB. */
    public static final long DEFAULT_MAX_BODY = 16L << 20;
    /** 40 megapixels: more than any phone camera; 120 MB once decoded to RGB. */
    public static final long DEFAULT_MAX_PIXELS = 40_000_000L;
    public static final int DEFAULT_QUEUE = 32;
    public static final int DEFAULT_WORKERS = 2;
    public static final Duration DEFAULT_QUEUE_TIMEOUT = Duration.ofSeconds(10);
    public static final int DEFAULT_MAX_BATCH = 16;
    public static final Duration DEFAULT_BATCH_WAIT = Duration.ofMillis(2);
    public static final Duration DEFAULT_DRAIN = Duration.ofSeconds(30);
    public static final Duration DEFAULT_WARMUP = Duration.ofSeconds(5);
    /** The longest warm-up the options accept. */
    public static final Duration MAX_WARMUP = Duration.ofMinutes(10);

    public ServeConfig {
        if (bind == null) throw new IllegalArgumentException("no address to listen on");
        if (maxBodyBytes < 1) throw new IllegalArgumentException("--max-body must be at least 1 byte");
        if (maxPixels < 1) throw new IllegalArgumentException("--max-pixels must be at least 1");
        if (queue < 0) throw new IllegalArgumentException("--queue must be 0 or more");
        if (workers < 1) throw new IllegalArgumentException("--workers must be at least 1");
        if (queueTimeout.isNegative() || queueTimeout.isZero()) throw new IllegalArgumentException("--queue-timeout-ms must be positive");
        if (maxBatch < 1) throw new IllegalArgumentException("--max-batch must be at least 1");
        if (batchWait.isNegative()) throw new IllegalArgumentException("--batch-wait must not be negative");
        if (drain.isNegative()) throw new IllegalArgumentException("the drain time must not be negative");
        if (retryAfterSeconds < 1) throw new IllegalArgumentException("Retry-After must be at least 1 second");
        if (warmup == null || warmup.isNegative() || warmup.compareTo(MAX_WARMUP) > 0)
            throw new IllegalArgumentException("--warmup-seconds must be between 0 and " + MAX_WARMUP.toSeconds());
    }

    /** The defaults on {@code port} of every interface. */
    public static ServeConfig defaults(int port) {
        return new ServeConfig(new InetSocketAddress(port), DEFAULT_MAX_BODY, DEFAULT_MAX_PIXELS, DEFAULT_QUEUE,
                DEFAULT_WORKERS, DEFAULT_QUEUE_TIMEOUT, DEFAULT_MAX_BATCH, DEFAULT_BATCH_WAIT, DEFAULT_DRAIN, 1, DEFAULT_WARMUP);
    }

    /** The defaults on a free loopback port, without the warm-up (tests; add {@link #withWarmup} to embed). */
    public static ServeConfig loopback() {
        return defaults(0).withBind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).withWarmup(Duration.ZERO);
    }

    public ServeConfig withBind(InetSocketAddress b) { return new ServeConfig(b, maxBodyBytes, maxPixels, queue, workers, queueTimeout, maxBatch, batchWait, drain, retryAfterSeconds, warmup); }
    public ServeConfig withMaxBody(long n) { return new ServeConfig(bind, n, maxPixels, queue, workers, queueTimeout, maxBatch, batchWait, drain, retryAfterSeconds, warmup); }
    public ServeConfig withMaxPixels(long n) { return new ServeConfig(bind, maxBodyBytes, n, queue, workers, queueTimeout, maxBatch, batchWait, drain, retryAfterSeconds, warmup); }
    public ServeConfig withQueue(int n) { return new ServeConfig(bind, maxBodyBytes, maxPixels, n, workers, queueTimeout, maxBatch, batchWait, drain, retryAfterSeconds, warmup); }
    public ServeConfig withWorkers(int n) { return new ServeConfig(bind, maxBodyBytes, maxPixels, queue, n, queueTimeout, maxBatch, batchWait, drain, retryAfterSeconds, warmup); }
    public ServeConfig withQueueTimeout(Duration d) { return new ServeConfig(bind, maxBodyBytes, maxPixels, queue, workers, d, maxBatch, batchWait, drain, retryAfterSeconds, warmup); }
    public ServeConfig withMaxBatch(int n) { return new ServeConfig(bind, maxBodyBytes, maxPixels, queue, workers, queueTimeout, n, batchWait, drain, retryAfterSeconds, warmup); }
    public ServeConfig withBatchWait(Duration d) { return new ServeConfig(bind, maxBodyBytes, maxPixels, queue, workers, queueTimeout, maxBatch, d, drain, retryAfterSeconds, warmup); }
    public ServeConfig withDrain(Duration d) { return new ServeConfig(bind, maxBodyBytes, maxPixels, queue, workers, queueTimeout, maxBatch, batchWait, d, retryAfterSeconds, warmup); }
    public ServeConfig withWarmup(Duration d) { return new ServeConfig(bind, maxBodyBytes, maxPixels, queue, workers, queueTimeout, maxBatch, batchWait, drain, retryAfterSeconds, d); }
}
