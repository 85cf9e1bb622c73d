package dev.mien.kernels;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Chooses the kernel backend. The default is the Vector API backend when the
 * {@code jdk.incubator.vector} module is present, else the scalar reference (with one
 * warning). {@code -Dmien.kernels=scalar|vector} or {@code MIEN_KERNELS} forces a choice,
 * for tests and benchmarks. Backends made here by thread count share one process-wide
 * {@link WorkerTeam} per count; pass a team of your own to stop its threads with it.
 */
public final class KernelRegistry {
    private KernelRegistry() {}

    private static final AtomicBoolean WARNED = new AtomicBoolean();

    public static List<String> names() {
        List<String> n = new java.util.ArrayList<>(List.of("scalar", "vector"));
        for (BackendProvider p : providers()) n.add(p.name());
        return n;
    }

    /** The optional backends found on the class path (see {@link BackendProvider}). */
    public static List<BackendProvider> providers() {
        return java.util.ServiceLoader.load(BackendProvider.class, KernelRegistry.class.getClassLoader()).stream()
                .map(java.util.ServiceLoader.Provider::get).toList();
    }

    /** Optional backends this build knows how to make, and the one line that says how. */
    private static final java.util.Map<String, String> OPTIONAL = java.util.Map.of("tornadovm",
            "the tornadovm backend is not on the class path: build Mien with a TornadoVM SDK (TORNADOVM_HOME=... mvn -Ptornadovm package) and run ./mien with TORNADOVM_HOME set; see docs/TORNADOVM.md");

    public static boolean vectorAvailable() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    /**
     * The thread count from {@code -Dmien.threads} or {@code MIEN_THREADS}, else the core count.
     * A value that is not a valid count is an error naming the setting, never silently ignored.
     */
    public static int defaultThreads() {
        String p = System.getProperty("mien.threads");
        if (p != null) return parseThreads(p, "-Dmien.threads");
        String e = System.getenv("MIEN_THREADS");
        if (e != null) return parseThreads(e, "MIEN_THREADS");
        return Runtime.getRuntime().availableProcessors();
    }

    /** Parses a thread-count setting; {@code source} names it in the error ({@code MIEN_THREADS}, {@code --threads}). */
    public static int parseThreads(String value, String source) {
        int n;
        try {
            n = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(source + "=" + value + ": not a thread count (expected an integer from 1 to " + maxThreads() + ")");
        }
        return checkThreads(n, source);
    }

    /** The largest thread count accepted without {@code mien.threads.force}: 4x the available cores. */
    public static int maxThreads() { return 4 * Runtime.getRuntime().availableProcessors(); }

    /**
     * Checks a thread count: 1 to {@link #maxThreads()}. More threads than that only make the
     * kernels slower (64 threads on 2 cores ran MA-Net 20x slower), so larger counts are refused
     * unless {@code -Dmien.threads.force=true} or {@code MIEN_THREADS_FORCE=true} is set.
     */
    public static int checkThreads(int n, String source) {
        if (n < 1) throw new IllegalArgumentException(source + "=" + n + ": the thread count must be at least 1");
        if (n > maxThreads() && !Boolean.parseBoolean(setting("mien.threads.force", "MIEN_THREADS_FORCE")))
            throw new IllegalArgumentException(source + "=" + n + ": more than 4x the " + Runtime.getRuntime().availableProcessors()
                    + " available cores (at most " + maxThreads() + "; set MIEN_THREADS_FORCE=true or -Dmien.threads.force=true to allow it)");
        return n;
    }

    /** The forced backend if one is set, else the best available, on the process-wide team of {@code threads}. */
    public static Backend auto(int threads) {
        checkThreads(threads, "threads");
        return auto(() -> WorkerTeam.shared(threads), () -> threads);
    }

    /** The forced backend if one is set, else the best available, on the given team (not closed with the backend). */
    public static Backend auto(WorkerTeam team) { return auto(() -> team, team::threads); }

    private static Backend auto(java.util.function.Supplier<WorkerTeam> team, java.util.function.IntSupplier threads) {
        String forced = setting("mien.kernels", "MIEN_KERNELS");
        if (forced != null && !forced.isBlank()) return create(forced, team, threads);
        if (vectorAvailable()) return create("vector", team, threads);
        if (WARNED.compareAndSet(false, true))
            System.err.println("mien: the Vector API module is missing, using scalar kernels; run java with --add-modules jdk.incubator.vector");
        return new ScalarBackend();
    }

    /** A backend by name; a multi-threaded one runs on the process-wide team of {@code threads}. */
    public static Backend create(String name, int threads) {
        checkThreads(threads, "threads");
        return create(name, () -> WorkerTeam.shared(threads), () -> threads);
    }

    /** A backend by name on the given team (the scalar backend uses none); closing the backend leaves the team running. */
    public static Backend create(String name, WorkerTeam team) { return create(name, () -> team, team::threads); }

    /** {@code threads}: the count an optional backend is made with, without starting a team it does not use. */
    private static Backend create(String name, java.util.function.Supplier<WorkerTeam> team, java.util.function.IntSupplier threads) {
        switch (name.toLowerCase(Locale.ROOT)) {
            case "scalar":
                return new ScalarBackend();
            case "vector":
                if (!vectorAvailable())
                    throw new IllegalArgumentException("the vector backend needs the jdk.incubator.vector module (java --add-modules jdk.incubator.vector)");
                try {
                    // Loaded by name so that nothing touches the incubator module when it is absent.
                    Class<?> c = Class.forName("dev.mien.kernels.simd.VectorBackend");
                    return (Backend) c.getConstructor(WorkerTeam.class).newInstance(team.get());
                } catch (java.lang.reflect.InvocationTargetException e) {
                    if (e.getCause() instanceof RuntimeException r) throw r;
                    throw new IllegalStateException("cannot create the vector backend", e.getCause());
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException("cannot create the vector backend", e);
                }
            default:
                for (BackendProvider p : providers())
                    if (p.name().equalsIgnoreCase(name)) return p.create(threads.getAsInt());
                String optional = OPTIONAL.get(name.toLowerCase(Locale.ROOT));
                if (optional != null) throw new IllegalArgumentException(optional);
                throw new IllegalArgumentException("unknown kernel backend '" + name + "'; known: " + String.join(", ", names()));
        }
    }

    private static String setting(String property, String env) {
        String v = System.getProperty(property);
        return v != null ? v : System.getenv(env);
    }
}
