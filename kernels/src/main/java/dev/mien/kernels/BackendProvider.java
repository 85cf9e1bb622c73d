package dev.mien.kernels;

/**
 * A kernel backend that lives in an optional module (the TornadoVM GPU backend): found on the
 * class path with {@link java.util.ServiceLoader}, so that nothing here depends on it at
 * compile time. {@link KernelRegistry#create(String, int)} asks the providers for any name it
 * does not know itself.
 */
public interface BackendProvider {
    /** The name {@code --backend} / {@code -Dmien.kernels} selects, e.g. {@code tornadovm}. */
    String name();

    /** A new backend; {@code threads} is the host thread count, which a device backend may ignore. */
    Backend create(int threads);

    /** One line saying what the backend runs on (the device, e.g. {@code NVIDIA H100 (CUDA, PTX)}), for {@code mien} listings. */
    String describe();
}
