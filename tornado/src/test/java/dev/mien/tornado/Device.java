package dev.mien.tornado;

import dev.mien.kernels.Backend;
import dev.mien.kernels.KernelRegistry;
import org.junit.jupiter.api.Assumptions;

/**
 * The TornadoVM backend for tests, made once per test JVM; tests are skipped, with the reason,
 * where TornadoVM cannot start (the module is built only with an SDK, but its JVM flags or a
 * device may still be missing).
 */
final class Device {
    private Device() {}

    private static TornadoBackend backend;
    private static String problem;

    static synchronized TornadoBackend backend() {
        if (backend == null && problem == null) {
            try {
                Backend b = KernelRegistry.create("tornadovm", 1);
                backend = (TornadoBackend) b;
                System.out.println("tornadovm device: " + backend.deviceName());
            } catch (RuntimeException | LinkageError e) {
                problem = e.getMessage();
            }
        }
        Assumptions.assumeTrue(backend != null, "TornadoVM is not usable here (" + problem + "); skipping device test");
        return backend;
    }
}
