package dev.mien.engine.runtime;

/**
 * The activation memory of one execution context: one array per planned slot. Values share
 * slots when their lifetimes do not overlap. Allocated once per context and reused by every run.
 */
public final class Buffers {
    final float[][] slots;

    Buffers(int[] slotSizes) {
        slots = new float[slotSizes.length][];
        for (int i = 0; i < slotSizes.length; i++) slots[i] = new float[Math.max(1, slotSizes[i])];
    }

    public float[] slot(int i) { return slots[i]; }
}
