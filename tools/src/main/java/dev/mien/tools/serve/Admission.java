package dev.mien.tools.serve;

import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Load shedding: at most {@code workers + queue} requests are admitted at once (one more is
 * refused at once, with 503 and Retry-After, instead of waiting without bound), and at most
 * {@code workers} of them decode and detect at a time; the rest wait their turn in arrival
 * order (a fair semaphore), for at most the queue timeout.
 */
final class Admission {
    private final int capacity;
    private final AtomicInteger admitted = new AtomicInteger();
    private final AtomicInteger waiting = new AtomicInteger();
    private final Semaphore work;
    private final long timeoutNanos;

    Admission(int workers, int queue, java.time.Duration timeout) {
        this.capacity = workers + queue;
        this.work = new Semaphore(workers, true);
        this.timeoutNanos = timeout.toNanos();
    }

    /** Admits one request, or returns false when the server is full. Pair with {@link #leave()}. */
    boolean tryEnter() {
        for (int n; (n = admitted.get()) < capacity; )
            if (admitted.compareAndSet(n, n + 1)) return true;
        return false;
    }

    void leave() { admitted.decrementAndGet(); }

    /**
     * Runs a CPU-heavy step of an admitted request once a worker is free; a request that waited
     * the whole queue timeout gets 503 instead (the server fell behind: better an early "retry"
     * than an answer nobody waits for any more).
     */
    <T, E extends Exception> T work(Step<T, E> step) throws E, HttpError, InterruptedException {
        waiting.incrementAndGet();
        try {
            if (!work.tryAcquire(timeoutNanos, java.util.concurrent.TimeUnit.NANOSECONDS))
                throw new HttpError(503, "queue_timeout", "the server is busy (no worker free for "
                        + java.time.Duration.ofNanos(timeoutNanos).toMillis() + " ms); retry later");
        } finally {
            waiting.decrementAndGet();
        }
        try {
            return step.run();
        } finally {
            work.release();
        }
    }

    int inFlight() { return admitted.get(); }
    int queueDepth() { return waiting.get(); }

    @FunctionalInterface
    interface Step<T, E extends Exception> { T run() throws E; }
}
