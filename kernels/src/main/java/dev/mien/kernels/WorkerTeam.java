package dev.mien.kernels;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * A fixed team of daemon threads that split one index range with the calling thread. Any number
 * of backends (and so models) can be created on one team; one range runs on the team at a time
 * and concurrent callers take turns in arrival order (a fair lock), so none starves.
 *
 * <p>Workers spin briefly after each range (inference issues ranges back to back, and waking a
 * parked thread costs tens of microseconds per step), then park until the next range: an idle
 * team uses no CPU. {@link #close} stops the threads; the process-wide teams from
 * {@link #shared} live as long as the process and ignore close.
 */
public final class WorkerTeam implements AutoCloseable {
    /** Body of a parallel loop over [from, to), run with the executing thread's slot. */
    public interface Range { void run(int from, int to, Slot slot); }

    /**
     * Working memory private to one thread while a range runs: each worker has one (ranges
     * never overlap on a team, so the team's slots are reused by every backend on it) and
     * each caller brings its own.
     */
    public static final class Slot {
        private Object local;

        /** This slot's state, made on first use by {@code make} (a non-capturing constructor reference allocates nothing). */
        @SuppressWarnings("unchecked")
        public <T> T local(Supplier<T> make) {
            Object o = local;
            if (o == null) local = o = make.get();
            return (T) o;
        }
    }

    /** Spins after a range before a worker parks: about a few milliseconds, long enough to cover the gap between two steps. */
    private static final int SPIN = 200_000;
    /** How long an idle worker keeps taking 200 us naps before it parks until woken: short against any idle period worth saving. */
    private static final long NAP_WINDOW_NANOS = 50_000_000L;
    private static final AtomicInteger IDS = new AtomicInteger();
    private static final Map<Integer, WorkerTeam> SHARED = new ConcurrentHashMap<>();

    private final int threads;
    private final boolean shared;
    private final Thread[] workers;
    private final Slot[] slots;
    /** 1 while worker i is parked (or about to park): the caller unparks only those. */
    private final AtomicIntegerArray parked;
    private final ReentrantLock lock = new ReentrantLock(true);
    /**
     * The chunks of the range in progress, one segment per participant (the caller is 0, worker i
     * is i + 1), each as (next chunk from the front) << 32 | (end): {@link #PAD} longs apart so
     * that two threads' claims never share a cache line. A participant takes its own segment
     * front to back, then what is left of the others back to front. So the caller always gets
     * the front of a range and worker i the same share of the next range: consecutive layers
     * split their pixels alike (rows, pixel chunks), and each thread reads mostly what it wrote
     * itself a step before, from its own core's cache, while a late or slow thread's chunks are
     * still taken by the others.
     */
    private final AtomicLongArray segments;
    private static final int PAD = 16;
    /**
     * The range in progress and who works on it, in one word: generation (high 32 bits), a
     * "closed" bit (no worker may join any more) and the number of workers that joined and
     * have not yet left. A worker joins only the generation it saw, and only while it is open,
     * so the caller waits for the workers that took part, never for one that was descheduled
     * before it started: on a busy machine that wait was a whole scheduler time slice per step.
     */
    private final AtomicLong state = new AtomicLong();
    private static final long CLOSED_BIT = 1L << 31;
    private static final long ACTIVE_MASK = CLOSED_BIT - 1;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile Range task;
    private volatile int total, chunk;
    private volatile boolean closed;

    /** A team of {@code threads} threads in all (the caller counts as one), validated by {@link KernelRegistry#checkThreads}. */
    public WorkerTeam(int threads) { this(KernelRegistry.checkThreads(threads, "threads"), false); }

    private WorkerTeam(int threads, boolean shared) {
        this.threads = threads;
        this.shared = shared;
        this.workers = new Thread[threads - 1];
        this.slots = new Slot[threads - 1];
        this.parked = new AtomicIntegerArray(Math.max(1, threads - 1));
        this.segments = new AtomicLongArray(threads * PAD);
        int id = IDS.incrementAndGet();
        for (int i = 0; i < workers.length; i++) {
            int slot = i;
            slots[i] = new Slot();
            Thread t = new Thread(() -> workerLoop(slot), "mien-kernel-" + id + "-" + i);
            t.setDaemon(true);
            workers[i] = t;
        }
        for (Thread t : workers) t.start();
    }

    /** The process-wide team of this size, made on first use; shared by every default backend. Its close does nothing. */
    public static WorkerTeam shared(int threads) {
        KernelRegistry.checkThreads(threads, "threads");
        return SHARED.computeIfAbsent(threads, n -> new WorkerTeam(n, true));
    }

    public int threads() { return threads; }

    public boolean isClosed() { return closed; }

    /** The worker threads (not the callers), for tests that watch their CPU time. */
    List<Thread> workerThreads() { return List.of(workers); }

    /**
     * Runs body over [0, n) split in chunks of at least {@code minChunk}; returns when all are
     * done. {@code caller} is the calling thread's own slot. An exception in any thread's share
     * stops the remaining chunks and is rethrown here: the caller's own as it is, a worker's
     * wrapped in a {@link WorkerException} with the original as cause. The team stays usable.
     */
    public void parallelFor(int n, int minChunk, Range body, Slot caller) {
        if (n <= 0) return;
        if (closed) throw closedError();
        if (workers.length == 0 || n <= minChunk) { body.run(0, n, caller); return; }
        lock.lock();
        try {
            if (closed) throw closedError();
            int c = Math.max(minChunk, (n + threads * 4 - 1) / (threads * 4));
            task = body;
            total = n;
            chunk = c;
            int chunks = (n + c - 1) / c;
            for (int p = 0; p < threads; p++)
                segments.set(p * PAD, segment((int) ((long) chunks * p / threads), (int) ((long) chunks * (p + 1) / threads)));
            long gen = (state.get() >>> 32) + 1;
            state.set(gen << 32);   // open, nobody joined yet: publishes task, total, chunk and the segments
            // Only parked workers need a wake-up; the others are spinning on the generation.
            for (int i = 0; i < workers.length; i++) if (parked.get(i) == 1) LockSupport.unpark(workers[i]);
            Throwable own = null;
            try {
                drain(body, n, c, caller, 0);
            } catch (Throwable t) {
                own = t;
                cancel();
            }
            // Every chunk is taken: close the range to late workers, then wait for those that joined
            // (they finish within microseconds; a timed park would sleep for the kernel's timer slack).
            long st = state.getAndUpdate(v -> v | CLOSED_BIT);
            for (int i = 0; (st & ACTIVE_MASK) != 0; i++, st = state.get()) {
                if (i < 20_000) Thread.onSpinWait();
                else if (i < 20_100) Thread.yield();   // a joined worker that lost its core gets it back sooner
                else LockSupport.parkNanos(10_000);
            }
            task = null;
            Throwable theirs = failure.getAndSet(null);
            if (own != null) {
                if (theirs != null) own.addSuppressed(theirs);
                if (own instanceof RuntimeException r) throw r;
                if (own instanceof Error e) throw e;
                throw new WorkerException(own);
            }
            if (theirs != null) throw new WorkerException(theirs);
        } finally {
            lock.unlock();
        }
    }

    /** Runs chunks of [0, n) as participant p: its own segment from the front, then the others' from the back. */
    private void drain(Range body, int n, int c, Slot slot, int p) {
        for (int k; (k = take(p, true)) >= 0; ) body.run(k * c, Math.min(n, k * c + c), slot);
        for (int i = 1; i < threads; i++) {
            int q = (p + i) % threads;
            for (int k; (k = take(q, false)) >= 0; ) body.run(k * c, Math.min(n, k * c + c), slot);
        }
    }

    /** Chunks [lo, hi) as one segment word. */
    private static long segment(int lo, int hi) { return (long) lo << 32 | hi; }

    /** Claims the first (or last) chunk left in segment q; -1 when it is empty. */
    private int take(int q, boolean first) {
        for (long v; ; ) {
            v = segments.get(q * PAD);
            int lo = (int) (v >>> 32), hi = (int) v;
            if (lo >= hi) return -1;
            if (segments.compareAndSet(q * PAD, v, first ? segment(lo + 1, hi) : segment(lo, hi - 1))) return first ? lo : hi - 1;
        }
    }

    /** Empties every segment: after a failure no participant starts another chunk. */
    private void cancel() {
        for (int q = 0; q < threads; q++) segments.set(q * PAD, segment(0, 0));
    }

    private void workerLoop(int i) {
        Slot slot = slots[i];
        // Generation 0 is the team before its first range: a worker that starts late must still join the first one.
        long seen = 0;
        while (!closed) {
            long g = state.get() >>> 32;
            if (g == seen) {
                // Spin, yielding now and then: on a machine with more runnable threads than cores a
                // pure spin takes the core from the thread that would publish the next range.
                for (int k = 0; k < SPIN && state.get() >>> 32 == seen; k++) {
                    if ((k & 1023) == 1023) Thread.yield();
                    else Thread.onSpinWait();
                }
                // Then short timed naps for a while: on a crowded machine the spin window can run out
                // between two steps, and a thread that wakes on its own is back on a core sooner
                // than one that waits for the caller's unpark. After that, sleep until work comes.
                long napUntil = System.nanoTime() + NAP_WINDOW_NANOS;
                while (state.get() >>> 32 == seen && !closed && System.nanoTime() < napUntil) LockSupport.parkNanos(200_000);
                if (state.get() >>> 32 == seen) {
                    // Announce the park before the last look at the generation: a caller that bumps it
                    // after this store sees the flag and unparks (a permit given early is kept).
                    parked.set(i, 1);
                    while (state.get() >>> 32 == seen && !closed) {
                        LockSupport.park(this);
                        // A pending interrupt would make every park return at once: a spinning idle thread.
                        Thread.interrupted();
                    }
                    parked.set(i, 0);
                }
                continue;
            }
            seen = g;
            if (!join(g)) continue;   // that range is already closed: nothing left to take
            try {
                Range body = task;
                if (body != null) drain(body, total, chunk, slot, i + 1);
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
                cancel();
            } finally {
                state.decrementAndGet();
            }
        }
    }

    /** Joins generation g if it is still the current one and open; the caller then waits for this worker to leave. */
    private boolean join(long g) {
        for (long st; ; ) {
            st = state.get();
            if (st >>> 32 != g || (st & CLOSED_BIT) != 0) return false;
            if (state.compareAndSet(st, st + 1)) return true;
        }
    }

    /** Stops the threads once the running range (if any) is done; idempotent. Later ranges fail. */
    @Override public void close() {
        if (shared) return;
        lock.lock();
        try {
            if (closed) return;
            closed = true;
        } finally {
            lock.unlock();
        }
        for (Thread w : workers) LockSupport.unpark(w);
        boolean interrupted = false;
        for (Thread w : workers) {
            try {
                w.join(1_000);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    private static IllegalStateException closedError() {
        return new IllegalStateException("the kernel worker team is closed");
    }

    /** A failure inside a worker thread's share of a parallel loop, rethrown on the calling thread. */
    public static final class WorkerException extends RuntimeException {
        WorkerException(Throwable cause) {
            super("a kernel worker failed: " + cause, cause);
        }
    }
}
