package dev.mien.tools.serve;

import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Load shedding: at most {@code workers + queue} requests are admitted at once (one more is
 * refused at once, with 503 and Retry-After, instead of waiting without bound), and at most
 * {@code workers} of them decode and detect at a time; the rest wait their turn in arrival
 * order (a fair semaphore).
 */
final class Admission {
    private final int capacity;
    private final AtomicInteger admitted = new AtomicInteger();
    private final AtomicInteger waiting = new AtomicInteger();
    private final Semaphore work;

    Admission(int workers, int queue) {
        this.capacity = workers + queue;
        this.work = new Semaphore(workers, true);
    }

    /** Admits one request, or returns false when the server is full. Pair with {@link #leave()}. */
    boolean tryEnter() {
        for (int n; (n = admitted.get()) < capacity; )
            if (admitted.compareAndSet(n, n + 1)) return true;
        return false;
    }

    void leave() { admitted.decrementAndGet(); }

    /** Runs a CPU-heavy step of an admitted request once a worker is free. */
    <T, E extends Exception> T work(Step<T, E> step) throws E, InterruptedException {
        waiting.incrementAndGet();
        try {
            work.acquire();
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
