package dev.mien.tools.bench;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;

/**
 * The benchmarks' warm-up: at least some runs and some seconds, then (for a real measurement)
 * until the JIT has compiled nothing for half a second. Small networks run each kernel shape so
 * rarely that C2 was still compiling their kernels well into the timed runs, which meanwhile ran
 * uncompiled with boxed vectors; a compile thread also takes one of the cores.
 */
public final class Warmup {
    private Warmup() {}

    /** How long the JIT must have been quiet, and the most the whole warm-up may take. */
    static final long QUIET_NANOS = 500_000_000L, CAP_NANOS = 20_000_000_000L;

    /**
     * Runs {@code run} at least {@code runs} times and for {@code seconds}; then, when {@code
     * seconds >= 1} and {@code -Dmien.bench.jitQuiet} is not {@code false}, until the JIT has been
     * quiet for {@link #QUIET_NANOS} (at most {@link #CAP_NANOS} in all). Returns the runs made.
     */
    public static int run(Runnable run, int runs, double seconds) {
        long start = System.nanoTime();
        int n = 0;
        while (n < runs || (System.nanoTime() - start) / 1e9 < seconds) {
            run.run();
            n++;
        }
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        if (seconds < 1 || jit == null || !jit.isCompilationTimeMonitoringSupported() || "false".equals(System.getProperty("mien.bench.jitQuiet")))
            return n;
        long last = jit.getTotalCompilationTime(), quietSince = System.nanoTime();
        while (System.nanoTime() - quietSince < QUIET_NANOS && System.nanoTime() - start < CAP_NANOS) {
            run.run();
            n++;
            long now = jit.getTotalCompilationTime();
            if (now != last) {
                last = now;
                quietSince = System.nanoTime();
            }
        }
        return n;
    }
}
