package dev.mien.kernels;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Chooses the kernel backend. The default is the Vector API backend when the
 * {@code jdk.incubator.vector} module is present, else the scalar reference (with one
 * warning). {@code -Dmien.kernels=scalar|vector} or {@code MIEN_KERNELS} forces a choice,
 * for tests and benchmarks.
 */
public final class KernelRegistry {
    private KernelRegistry() {}

    private static final AtomicBoolean WARNED = new AtomicBoolean();

    public static List<String> names() { return List.of("scalar", "vector"); }

    public static boolean vectorAvailable() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    public static int defaultThreads() {
        String v = setting("mien.threads", "MIEN_THREADS");
        if (v != null) {
            try {
                int n = Integer.parseInt(v.trim());
                if (n >= 1) return n;
            } catch (NumberFormatException ignored) {
                // fall through to the core count
            }
        }
        return Runtime.getRuntime().availableProcessors();
    }

    /** The forced backend if one is set, else the best available. */
    public static Backend auto(int threads) {
        String forced = setting("mien.kernels", "MIEN_KERNELS");
        if (forced != null && !forced.isBlank()) return create(forced, threads);
        if (vectorAvailable()) return create("vector", threads);
        if (WARNED.compareAndSet(false, true))
            System.err.println("mien: the Vector API module is missing, using scalar kernels; run java with --add-modules jdk.incubator.vector");
        return new ScalarBackend();
    }

    public static Backend create(String name, int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        switch (name.toLowerCase(Locale.ROOT)) {
            case "scalar":
                return new ScalarBackend();
            case "vector":
                if (!vectorAvailable())
                    throw new IllegalArgumentException("the vector backend needs the jdk.incubator.vector module (java --add-modules jdk.incubator.vector)");
                try {
                    // Loaded by name so that nothing touches the incubator module when it is absent.
                    Class<?> c = Class.forName("dev.mien.kernels.simd.VectorBackend");
                    return (Backend) c.getConstructor(int.class).newInstance(threads);
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException("cannot create the vector backend", e);
                }
            default:
                throw new IllegalArgumentException("unknown kernel backend '" + name + "'; known: " + String.join(", ", names()));
        }
    }

    private static String setting(String property, String env) {
        String v = System.getProperty(property);
        return v != null ? v : System.getenv(env);
    }
}
