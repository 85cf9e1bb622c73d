package dev.mien.kernels.simd;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed team of daemon threads that split one index range with the caller. Work is handed
 * out in chunks through an atomic counter, so uneven tasks balance. One range runs at a time
 * per pool; concurrent callers queue on the pool's lock (each model's backend owns a pool).
 */
final class WorkerPool {
    /** Body of a parallel loop over [from, to). */
    interface Range { void run(int from, int to); }

    private final int threads;
    private final Thread[] workers;
    private final Object lock = new Object();
    private volatile Range task;
    private volatile int total, chunk;
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicInteger pending = new AtomicInteger();
    private volatile long generation;
    private volatile Thread caller;

    WorkerPool(int threads) {
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            Thread t = new Thread(this::workerLoop, "mien-kernel-" + i);
            t.setDaemon(true);
            workers[i] = t;
            t.start();
        }
    }

    int threads() { return threads; }

    /** Runs body over [0, n) split in chunks of at least {@code minChunk}; returns when all are done. */
    void parallelFor(int n, int minChunk, Range body) {
        if (n <= 0) return;
        if (threads == 1 || n <= minChunk) { body.run(0, n); return; }
        synchronized (lock) {
            int c = Math.max(minChunk, (n + threads * 4 - 1) / (threads * 4));
            task = body;
            total = n;
            chunk = c;
            next.set(0);
            pending.set(workers.length);
            caller = Thread.currentThread();
            generation++;
            for (Thread w : workers) LockSupport.unpark(w);
            drain(body, n, c);
            // The team finishes within microseconds of the caller; a timed park would sleep for the
            // kernel's timer slack (~50 us) on every parallel step, so spin first.
            for (int i = 0; pending.get() > 0; i++) {
                if (i < 100_000) Thread.onSpinWait();
                else LockSupport.parkNanos(10_000);
            }
            task = null;
        }
    }

    private void drain(Range body, int n, int c) {
        for (int s; (s = next.getAndAdd(c)) < n; ) body.run(s, Math.min(n, s + c));
    }

    private void workerLoop() {
        long seen = 0;
        while (true) {
            long g = generation;
            if (g == seen) {
                // Spin briefly (runs come in quick succession during inference), then park.
                for (int i = 0; i < 200_000 && generation == seen; i++) Thread.onSpinWait();
                if (generation == seen) { LockSupport.parkNanos(200_000); continue; }
                g = generation;
            }
            seen = g;
            Range body = task;
            if (body != null) drain(body, total, chunk);
            pending.decrementAndGet();
        }
    }
}
