package dev.mien.kernels;

import java.lang.foreign.MemorySegment;

/**
 * Weights re-laid out once, when a model is built, for one backend's convolution or dense
 * kernel. Immutable and shareable between threads.
 *
 * <p>The packed floats live in a {@link MemorySegment} (little-endian fp32): off-heap memory
 * when the model packed them itself ({@link PackedLayouts#allocate}), or a slice of a
 * memory-mapped {@code .mien} file that already stores this layout, so that such weights are
 * never copied.
 */
public interface PackedWeights {
    /** The backend that packed these; a backend refuses weights packed by another. */
    String backend();

    /**
     * The packed layout's identity (see {@link PackedLayouts}): bytes saved under one id are
     * only valid for a backend whose layout for the same shape has the same id.
     */
    String layout();

    /** The packed floats, little-endian, in {@link #layout()}; a read-only view. */
    MemorySegment segment();
}
