package dev.mien.engine.runtime;

import dev.mien.kernels.Backend;

/**
 * The memory of one execution context: one array per planned slot, and the kernel workspace
 * its steps call (which owns the kernels' scratch), so nothing is kept per thread. Values share
 * slots when their lifetimes do not overlap. Allocated once per context and reused by every
 * run; used by one thread at a time.
 */
public final class Buffers implements AutoCloseable {
    final float[][] slots;
    /** The kernels this context's steps call: a workspace of the plan's backend. */
    final Backend kernels;

    Buffers(int[] slotSizes, Backend kernels) {
        this.kernels = kernels;
        slots = new float[slotSizes.length][];
        for (int i = 0; i < slotSizes.length; i++) slots[i] = new float[Math.max(1, slotSizes[i])];
    }

    public float[] slot(int i) { return slots[i]; }

    /** Closes the workspace; the arrays go with the last reference. */
    @Override public void close() { kernels.close(); }
}
