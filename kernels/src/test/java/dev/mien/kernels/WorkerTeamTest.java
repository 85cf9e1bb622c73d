package dev.mien.kernels;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.*;

/** The worker team: idle sleep, close, failures in a worker's share, many callers at once. */
class WorkerTeamTest {
    /** Marks every index of [0, n) it is given; a second visit or a gap is a bug in the hand-out. */
    static final class Marker implements WorkerTeam.Range {
        final AtomicIntegerArray seen;
        Marker(int n) { seen = new AtomicIntegerArray(n); }
        @Override public void run(int from, int to, WorkerTeam.Slot slot) {
            for (int i = from; i < to; i++) seen.incrementAndGet(i);
        }
        void assertEachOnce() {
            for (int i = 0; i < seen.length(); i++) assertEquals(1, seen.get(i), "index " + i);
        }
    }

    @Test
    @Timeout(60)
    void idleWorkersUseNoCpu() throws Exception {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        assumeCpuTime(mx);
        try (WorkerTeam team = new WorkerTeam(3)) {
            for (int r = 0; r < 20; r++) {
                Marker m = new Marker(10_000);
                team.parallelFor(10_000, 1, m, new WorkerTeam.Slot());
                m.assertEachOnce();
            }
            // An interrupt (from whoever) must not keep a parked worker awake.
            team.workerThreads().forEach(Thread::interrupt);
            // Past the spin window (a few milliseconds), then a measured idle window.
            Thread.sleep(500);
            long before = cpu(mx, team.workerThreads());
            long t0 = System.nanoTime();
            Thread.sleep(3_000);
            long wall = System.nanoTime() - t0, used = cpu(mx, team.workerThreads()) - before;
            assertTrue(used < 0.02 * wall, "idle kernel threads used " + used / 1e6 + " ms of CPU in " + wall / 1e6 + " ms (at most 2% of one core allowed)");
            // Parked workers still wake for the next range.
            Marker m = new Marker(5_000);
            team.parallelFor(5_000, 1, m, new WorkerTeam.Slot());
            m.assertEachOnce();
        }
    }

    static void assumeCpuTime(ThreadMXBean mx) {
        org.junit.jupiter.api.Assumptions.assumeTrue(mx.isThreadCpuTimeSupported(), "thread CPU time is not measurable on this JVM");
        if (!mx.isThreadCpuTimeEnabled()) mx.setThreadCpuTimeEnabled(true);
    }

    static long cpu(ThreadMXBean mx, List<Thread> threads) {
        long sum = 0;
        for (Thread t : threads) sum += Math.max(0, mx.getThreadCpuTime(t.threadId()));
        return sum;
    }

    @Test
    @Timeout(30)
    void closeStopsTheThreadsAndIsIdempotent() {
        WorkerTeam team = new WorkerTeam(3);
        Marker m = new Marker(1000);
        team.parallelFor(1000, 1, m, new WorkerTeam.Slot());
        m.assertEachOnce();
        List<Thread> workers = team.workerThreads();
        assertEquals(2, workers.size());
        team.close();
        team.close();
        assertTrue(team.isClosed());
        for (Thread w : workers) assertFalse(w.isAlive(), w.getName() + " still runs after close");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> team.parallelFor(1000, 1, new Marker(1000), new WorkerTeam.Slot()));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }

    @Test
    void sharedTeamIsOnePerSizeAndIgnoresClose() {
        WorkerTeam a = WorkerTeam.shared(2), b = WorkerTeam.shared(2);
        assertSame(a, b);
        a.close();
        assertFalse(a.isClosed());
        Marker m = new Marker(100_000);
        a.parallelFor(100_000, 1, m, new WorkerTeam.Slot());
        m.assertEachOnce();
    }

    @Test
    @Timeout(30)
    void aWorkerFailureReachesTheCallerAndTheTeamStaysUsable() {
        try (WorkerTeam team = new WorkerTeam(3)) {
            Thread caller = Thread.currentThread();
            IllegalArgumentException injected = new IllegalArgumentException("injected");
            AtomicInteger workerChunks = new AtomicInteger();
            // The caller's chunk waits (bounded) until a worker has taken one, so a worker surely fails.
            WorkerTeam.Range failing = (from, to, slot) -> {
                if (Thread.currentThread() != caller) {
                    workerChunks.incrementAndGet();
                    throw injected;
                }
                waitFor(() -> workerChunks.get() > 0);
            };
            WorkerTeam.WorkerException e = assertThrows(WorkerTeam.WorkerException.class,
                    () -> team.parallelFor(200, 1, failing, new WorkerTeam.Slot()));
            assertSame(injected, e.getCause());
            assertTrue(workerChunks.get() >= 1);
            // The caller's own failure comes back as it is (the workers hold their chunks until it has one).
            IllegalStateException own = new IllegalStateException("own");
            java.util.concurrent.atomic.AtomicBoolean callerRan = new java.util.concurrent.atomic.AtomicBoolean();
            WorkerTeam.Range callerFails = (from, to, slot) -> {
                if (Thread.currentThread() == caller) {
                    callerRan.set(true);
                    throw own;
                }
                waitFor(callerRan::get);
            };
            RuntimeException r = assertThrows(RuntimeException.class, () -> team.parallelFor(200, 1, callerFails, new WorkerTeam.Slot()));
            assertSame(own, r);
            for (int i = 0; i < 5; i++) {
                Marker m = new Marker(10_000);
                team.parallelFor(10_000, 1, m, new WorkerTeam.Slot());
                m.assertEachOnce();
            }
        }
    }

    @Test
    @Timeout(120)
    void manyCallersOnOneTeamAllFinishWithCompleteRanges() throws Exception {
        try (WorkerTeam team = new WorkerTeam(3)) {
            List<Thread> callers = new ArrayList<>();
            List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
            AtomicInteger done = new AtomicInteger();
            for (int c = 0; c < 8; c++) {
                Runnable body = () -> {
                    try {
                        WorkerTeam.Slot mine = new WorkerTeam.Slot();
                        for (int r = 0; r < 60; r++) {
                            Marker m = new Marker(3_000 + r);
                            team.parallelFor(3_000 + r, 1, m, mine);
                            m.assertEachOnce();
                        }
                        done.incrementAndGet();
                    } catch (Throwable t) {
                        failures.add(t);
                    }
                };
                callers.add(c % 2 == 0 ? Thread.ofPlatform().start(body) : Thread.ofVirtual().start(body));
            }
            for (Thread t : callers) t.join();
            assertEquals(List.of(), failures);
            assertEquals(8, done.get());
        }
    }

    /** Waits up to 10 s for {@code condition}; the test's own check tells whether it came. */
    static void waitFor(java.util.function.BooleanSupplier condition) {
        long end = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean() && System.nanoTime() < end) Thread.onSpinWait();
    }

    @Test
    void slotStateIsMadeOnceAndKept() {
        WorkerTeam.Slot s = new WorkerTeam.Slot();
        StringBuilder first = s.local(StringBuilder::new);
        assertSame(first, s.local(StringBuilder::new));
    }
}
