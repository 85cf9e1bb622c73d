package dev.mien.engine.runtime;

import dev.mien.kernels.Backend;

/**
 * The memory of one execution context: one array per planned slot, the double scratch buffers
 * some steps need, and the kernel workspace its steps call (which owns the kernels' scratch), so
 * nothing is kept per thread. Values share slots when their lifetimes do not overlap. Allocated
 * once per context and reused by every run; used by one thread at a time. Slots that hold a graph
 * constant are the constant's own (shared, read-only) array.
 */
public final class Buffers implements AutoCloseable {
    final float[][] slots;
    final double[][] wide;
    /** The kernels this context's steps call: a workspace of the plan's backend. */
    final Backend kernels;
    /** Set when the plan runs its batch as image lanes: their buffers and workspaces, closed with these. */
    ImageLanes lanes;

    /** {@code fixed[i]} non-null: slot i is that array (a constant), not a fresh one. */
    Buffers(int[] slotSizes, float[][] fixed, int[] wideSizes, Backend kernels) {
        this.kernels = kernels;
        slots = new float[slotSizes.length][];
        for (int i = 0; i < slotSizes.length; i++) slots[i] = fixed[i] != null ? fixed[i] : new float[Math.max(1, slotSizes[i])];
        wide = new double[wideSizes.length][];
        for (int i = 0; i < wideSizes.length; i++) wide[i] = new double[Math.max(1, wideSizes[i])];
    }

    public float[] slot(int i) { return slots[i]; }

    /** Closes the workspace; the arrays go with the last reference. */
    @Override public void close() {
        kernels.close();
        if (lanes != null) lanes.close();
    }
}
