package dev.mien.tools.serve;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * A bounded load generator for {@code POST /v1/faces} on this machine. First a closed loop
 * (each client sends its next request when the last one is answered) measures the server's
 * capacity; then open loops offer requests at fixed rates, multiples of that capacity, whatever
 * the server answers (arrivals do not slow down when it does, as real clients would not), and
 * report per phase: latency of the requests it admitted, throughput, 503s and other errors.
 *
 * <p>Loopback only (it refuses any other host: it is no tool to load someone else's server),
 * and bounded: every phase's duration and the total requests are capped, and at most
 * {@link #MAX_OUTSTANDING} requests are on the wire at once (more are counted as not sent).
 */
public final class LoadTest implements AutoCloseable {
    public static final int MAX_SECONDS = 120;
    public static final int MAX_OUTSTANDING = 1024;

    /** One phase's figures. Latencies in milliseconds, of the 200 answers. */
    public record Phase(String name, double offeredPerSecond, double seconds, long sent, long ok, long shed, long errors,
                        long notSent, double throughput, double p50, double p99, double max) {
        public String line() {
            // A closed loop (the capacity phase) has no offered rate: say so instead of NaN.
            String offered = Double.isNaN(offeredPerSecond) ? "  closed " : String.format("%7.1f/s", offeredPerSecond);
            return String.format("%-9s offered %s  sent %6d  ok %6d  503 %6d  errors %4d  not sent %4d  ok/s %7.1f  p50 %7.1f ms  p99 %7.1f ms  max %7.1f ms",
                    name, offered, sent, ok, shed, errors, notSent, throughput, p50, p99, max);
        }
    }

    private final URI url;
    private final byte[] image;
    private final HttpClient client;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final long maxRequests;
    private final AtomicLong budget;

    /**
     * @param url         the server's {@code /v1/faces} (any query kept), on a loopback address
     * @param maxRequests all phases together send at most this many
     */
    public LoadTest(URI url, byte[] image, long maxRequests) throws IOException {
        if (!"http".equals(url.getScheme()) || url.getHost() == null) throw new IllegalArgumentException("--url must be http://HOST:PORT/..., got " + url);
        for (InetAddress a : InetAddress.getAllByName(url.getHost()))
            if (!a.isLoopbackAddress())
                throw new IllegalArgumentException("--url " + url.getHost() + " is not this machine's loopback address; the load test only loads a local server");
        this.url = url;
        this.image = image;
        this.maxRequests = maxRequests;
        this.budget = new AtomicLong(maxRequests);
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(threads)
                .connectTimeout(Duration.ofSeconds(10)).build();
    }

    private HttpRequest request() {
        return HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(60)).header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(image)).build();
    }

    /** Latencies of admitted requests and the counts of one phase. */
    private static final class Tally {
        final List<Long> okNanos = java.util.Collections.synchronizedList(new ArrayList<>());
        final LongAdder sent = new LongAdder(), shed = new LongAdder(), errors = new LongAdder(), notSent = new LongAdder();

        void answer(int status, long nanos) {
            if (status == 200) okNanos.add(nanos);
            else if (status == 503) shed.increment();
            else errors.increment();
        }

        Phase phase(String name, double offered, double seconds) {
            long[] l;
            synchronized (okNanos) { l = okNanos.stream().mapToLong(Long::longValue).toArray(); }
            Arrays.sort(l);
            return new Phase(name, offered, seconds, sent.sum(), l.length, shed.sum(), errors.sum(), notSent.sum(), l.length / seconds,
                    pct(l, 0.50), pct(l, 0.99), l.length == 0 ? Double.NaN : l[l.length - 1] / 1e6);
        }

        private static double pct(long[] sorted, double q) {
            if (sorted.length == 0) return Double.NaN;
            int i = (int) Math.ceil(q * sorted.length) - 1;
            return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e6;
        }
    }

    private boolean take() {
        return budget.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0;
    }

    /** {@code clients} callers, each sending its next request once answered, for {@code seconds}. */
    public Phase closedLoop(String name, int clients, double seconds) throws InterruptedException {
        checkSeconds(seconds);
        Tally t = new Tally();
        long end = System.nanoTime() + (long) (seconds * 1e9);
        long start = System.nanoTime();
        List<Thread> callers = new ArrayList<>();
        for (int c = 0; c < clients; c++)
            callers.add(Thread.ofVirtual().start(() -> {
                while (System.nanoTime() < end && take()) {
                    long t0 = System.nanoTime();
                    t.sent.increment();
                    try {
                        HttpResponse<Void> r = client.send(request(), HttpResponse.BodyHandlers.discarding());
                        t.answer(r.statusCode(), System.nanoTime() - t0);
                    } catch (IOException e) {
                        t.errors.increment();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }));
        for (Thread c : callers) c.join();
        return t.phase(name, Double.NaN, (System.nanoTime() - start) / 1e9);
    }

    /** Requests offered at {@code perSecond}, evenly spaced, for {@code seconds}, whatever the answers. */
    public Phase openLoop(String name, double perSecond, double seconds) throws InterruptedException {
        checkSeconds(seconds);
        if (!(perSecond > 0) || perSecond > 100_000) throw new IllegalArgumentException("rate must be in (0, 100000] per second, got " + perSecond);
        Tally t = new Tally();
        Semaphore outstanding = new Semaphore(MAX_OUTSTANDING);
        long start = System.nanoTime(), interval = (long) (1e9 / perSecond);
        long n = (long) (seconds * perSecond);
        List<CompletableFuture<?>> all = new ArrayList<>();
        for (long i = 0; i < n; i++) {
            long due = start + i * interval;
            long wait = due - System.nanoTime();
            if (wait > 0) TimeUnit.NANOSECONDS.sleep(wait);
            if (!take()) break;
            if (!outstanding.tryAcquire()) {
                t.notSent.increment();
                continue;
            }
            t.sent.increment();
            long t0 = System.nanoTime();
            all.add(client.sendAsync(request(), HttpResponse.BodyHandlers.discarding()).whenComplete((r, e) -> {
                outstanding.release();
                if (e != null) t.errors.increment();
                else t.answer(r.statusCode(), System.nanoTime() - t0);
            }));
        }
        for (CompletableFuture<?> f : all) {
            try {
                f.join();
            } catch (RuntimeException counted) {
                // Counted as an error when it completed.
            }
        }
        return t.phase(name, perSecond, (System.nanoTime() - start) / 1e9);
    }

    private static void checkSeconds(double s) {
        if (!(s > 0) || s > MAX_SECONDS) throw new IllegalArgumentException("a phase lasts more than 0 and at most " + MAX_SECONDS + " seconds, got " + s);
    }

    /**
     * The standard run: capacity with {@code clients} closed-loop callers, then open loops at 1x
     * and 2x that capacity, {@code seconds} each (after a short warm-up).
     */
    public List<Phase> run(int clients, double seconds) throws InterruptedException {
        closedLoop("warm-up", clients, Math.min(seconds, 3));
        Phase capacity = closedLoop("capacity", clients, seconds);
        if (capacity.ok() == 0) throw new IllegalStateException("the server answered no request with 200 (" + capacity.line().strip() + ")");
        List<Phase> out = new ArrayList<>();
        out.add(capacity);
        out.add(openLoop("1x", capacity.throughput(), seconds));
        out.add(openLoop("2x", 2 * capacity.throughput(), seconds));
        return out;
    }

    public long maxRequests() { return maxRequests; }

    /** Stops the client's threads. */
    @Override
    public void close() {
        client.close();
        threads.close();
    }
}
