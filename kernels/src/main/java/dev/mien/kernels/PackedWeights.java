package dev.mien.kernels;

/**
 * Weights re-laid out once, at plan time, for one backend's convolution or dense kernel.
 * Opaque to callers; immutable and shareable between threads.
 */
public interface PackedWeights {
    /** The backend that packed these; a backend refuses weights packed by another. */
    String backend();
}
