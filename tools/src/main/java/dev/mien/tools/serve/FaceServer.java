package dev.mien.tools.serve;

import com.sun.net.httpserver.HttpServer;
import dev.mien.faces.FacePipeline;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The face-expression HTTP server: the JDK's HttpServer, one virtual thread per request,
 * bounded everywhere (body size, image pixels, admitted requests), with dynamic batching of
 * the expression model across concurrent requests. {@link #close()} (or SIGTERM through
 * {@code mien serve}'s shutdown hook) drains: new requests get 503, those admitted finish,
 * then the listener, the batchers and the models close.
 *
 * <pre>{@code
 * try (FaceServer server = FaceServer.start(ServeConfig.defaults(8080))) {   // the built-in pipeline
 *     server.awaitClosed();
 * }
 * // Own pipelines, under names clients choose with ?model=NAME:
 * FaceServer.start(config, Map.of("mine", new PipelineStages(FacePipeline.builder().expressionModel(m).build(), "mine")));
 * }</pre>
 */
public final class FaceServer implements AutoCloseable {
    private final ServeConfig config;
    private final HttpServer http;
    private final ExecutorService threads;
    private final Map<String, ServedModel<?, ?>> models;
    private final Admission admission;
    private final Metrics metrics;
    private final Routes routes;
    private final CountDownLatch closed = new CountDownLatch(1);
    private volatile boolean closing;
    private final int warmUpRuns;
    private final Duration warmUpTime;

    private FaceServer(ServeConfig config, Map<String, ? extends FaceStages<?, ?>> stages) throws IOException {
        if (stages.isEmpty()) throw new IllegalArgumentException("no model to serve");
        this.config = config;
        this.admission = new Admission(config.workers(), config.queue(), config.queueTimeout());
        this.models = new LinkedHashMap<>();
        this.metrics = new Metrics(admission::inFlight, admission::queueDepth, this::batchQueueDepth);
        for (Map.Entry<String, ? extends FaceStages<?, ?>> e : stages.entrySet())
            models.put(e.getKey(), serve(e.getKey(), e.getValue()));
        long warmUpStart = System.nanoTime();
        try {
            warmUpRuns = warmUp(config.warmup(), config.maxPixels(), models.values());
            warmUpTime = Duration.ofNanos(System.nanoTime() - warmUpStart);
        } catch (IOException e) {
            models.values().forEach(ServedModel::close);
            throw e;
        }
        this.routes = new Routes(config, models, admission, metrics, () -> closing);
        this.threads = Executors.newVirtualThreadPerTaskExecutor();
        HttpServer s;
        try {
            s = HttpServer.create(config.bind(), 0);
        } catch (IOException e) {
            models.values().forEach(ServedModel::close);
            throw new IOException("cannot listen on " + config.bind() + ": " + e.getMessage(), e);
        }
        this.http = s;
        http.createContext("/", routes);
        http.setExecutor(threads);
        http.start();
    }

    /**
     * Runs every model as a request would (PNG decode, detection, cropping, a batched expression
     * call with 1 to 4 faces, the JSON) on a synthetic photo until {@code budget} has passed:
     * the JIT compiles these paths before the server listens instead of during its first
     * requests. Returns the number of rounds (every model once per round); none for a zero budget.
     * A model that fails on the photo fails the start, naming it.
     */
    static int warmUp(Duration budget, long maxPixels, Collection<ServedModel<?, ?>> models) throws IOException {
        if (budget.isZero()) return 0;
        byte[] png = WarmUpPhoto.png();
        long deadline = System.nanoTime() + budget.toNanos();
        int rounds = 0;
        do {
            for (ServedModel<?, ?> m : models) {
                try {
                    m.warmUp(png, maxPixels, 1 + rounds % 4);
                } catch (RuntimeException e) {
                    throw new IOException("model '" + m.name() + "' failed its warm-up on a synthetic photo: " + e.getMessage(), e);
                }
            }
            rounds++;
        } while (System.nanoTime() < deadline);
        return rounds;
    }

    /** Warm-up rounds run before listening ({@link ServeConfig#warmup}). */
    public int warmUpRuns() { return warmUpRuns; }

    /** How long the warm-up took: its budget, or more when a round outlasted it (the first, while the JIT compiles). */
    public Duration warmUpTime() { return warmUpTime; }

    private <D, R> ServedModel<D, R> serve(String name, FaceStages<D, R> s) {
        return new ServedModel<>(name, s, config.maxBatch(), config.batchWait(), metrics::batch);
    }

    /** Starts serving the built-in pipeline ({@link FacePipeline#openDefault()}) as model "default". */
    public static FaceServer start(ServeConfig config) throws IOException {
        FacePipeline pipeline = FacePipeline.openDefault();
        try {
            return start(config, Map.of("default", new PipelineStages(pipeline, "builtin")));
        } catch (IOException | RuntimeException e) {
            pipeline.close();
            throw e;
        }
    }

    /**
     * Starts serving {@code models} (name to stages; the first is the default for requests that
     * name none). The server owns the stages from now on and closes them on {@link #close()}.
     */
    public static FaceServer start(ServeConfig config, Map<String, ? extends FaceStages<?, ?>> models) throws IOException {
        return new FaceServer(config, models);
    }

    public ServeConfig config() { return config; }

    /** The address actually bound (port 0 in the config: the port chosen). */
    public InetSocketAddress address() { return http.getAddress(); }

    public int port() { return address().getPort(); }

    /** {@code http://host:port/}, with the loopback name for a wildcard bind. */
    public URI uri() {
        InetSocketAddress a = address();
        String host = a.getAddress().isAnyLocalAddress() ? "127.0.0.1" : a.getAddress().getHostAddress();
        if (host.contains(":")) host = "[" + host + "]";
        return URI.create("http://" + host + ":" + a.getPort() + "/");
    }

    public List<String> modelNames() { return new ArrayList<>(models.keySet()); }

    /** The Prometheus text {@code GET /metrics} answers. */
    public String metricsText() { return metrics.render(); }

    private int batchQueueDepth() {
        int n = 0;
        for (ServedModel<?, ?> m : models.values()) n += m.queued();
        return n;
    }

    /**
     * Drains and stops: from now on new requests get 503; requests already admitted finish
     * (up to the config's drain time); then the listener, the batchers (after their queued
     * batches) and the models close. Idempotent; a second caller waits for the first.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closing) {
                awaitClosedUninterruptibly();
                return;
            }
            closing = true;
        }
        try {
            long deadline = System.nanoTime() + config.drain().toNanos();
            while (admission.inFlight() > 0 && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            // Requests still on the wire (503s being written, metrics) get a second to finish.
            http.stop(1);
            threads.shutdown();
            for (ServedModel<?, ?> m : models.values()) m.close();
            try {
                threads.awaitTermination(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } finally {
            closed.countDown();
        }
    }

    /** Blocks until {@link #close()} has finished (the CLI's main thread waits here). */
    public void awaitClosed() throws InterruptedException { closed.await(); }

    private void awaitClosedUninterruptibly() {
        boolean interrupted = false;
        while (true) {
            try {
                closed.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }
}
