package dev.mien.engine.runtime;

import java.lang.foreign.MemorySegment;

/**
 * A weight as a {@code .mien} file stores it: packed bytes in a named layout
 * ({@link dev.mien.kernels.PackedLayouts}), typically a slice of the mapped file.
 */
public record SavedWeights(String layout, MemorySegment data) {}
