package dev.mien.tornado;

import dev.mien.kernels.Backend;
import dev.mien.kernels.BackendProvider;

/**
 * Registers the {@code tornadovm} backend with {@link dev.mien.kernels.KernelRegistry}. Loaded by
 * {@link java.util.ServiceLoader} on any JVM, so it touches no TornadoVM class until a backend is
 * asked for: without the SDK's JVM flags that request fails with one line saying what to run.
 */
public final class TornadoProvider implements BackendProvider {
    static final String NEEDS_FLAGS = "the tornadovm backend needs TornadoVM's JVM flags: run java @$TORNADOVM_HOME/tornado-argfile"
            + " (./mien does when TORNADOVM_HOME is set; see docs/TORNADOVM.md)";

    @Override public String name() { return "tornadovm"; }

    @Override public Backend create(int threads) {
        TornadoSettings.applyDefaults();
        if (System.getProperty("tornado.load.api.implementation") == null) throw new IllegalArgumentException(NEEDS_FLAGS);
        try {
            return new TornadoBackend(DeviceChoice.fromSettings());
        } catch (NoClassDefFoundError | ExceptionInInitializerError e) {
            throw new IllegalArgumentException(NEEDS_FLAGS + " (" + e + ")", e);
        }
    }

    @Override public String describe() {
        TornadoSettings.applyDefaults();
        if (System.getProperty("tornado.load.api.implementation") == null) return "not started (" + NEEDS_FLAGS + ")";
        try {
            return DeviceChoice.describe(DeviceChoice.fromSettings());
        } catch (RuntimeException | LinkageError e) {
            return "no device (" + e.getMessage() + ")";
        }
    }
}
