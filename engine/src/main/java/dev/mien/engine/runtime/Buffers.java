package dev.mien.engine.runtime;

/**
 * The activation memory of one execution context: one array per planned slot, and the double
 * scratch buffers some steps need. Values share slots when their lifetimes do not overlap.
 * Allocated once per context and reused by every run. Slots that hold a graph constant are
 * the constant's own (shared, read-only) array.
 */
public final class Buffers {
    final float[][] slots;
    final double[][] wide;

    Buffers(int[] slotSizes) { this(slotSizes, new float[slotSizes.length][], new int[0]); }

    /** {@code fixed[i]} non-null: slot i is that array (a constant), not a fresh one. */
    Buffers(int[] slotSizes, float[][] fixed, int[] wideSizes) {
        slots = new float[slotSizes.length][];
        for (int i = 0; i < slotSizes.length; i++) slots[i] = fixed[i] != null ? fixed[i] : new float[Math.max(1, slotSizes[i])];
        wide = new double[wideSizes.length][];
        for (int i = 0; i < wideSizes.length; i++) wide[i] = new double[Math.max(1, wideSizes[i])];
    }

    public float[] slot(int i) { return slots[i]; }
}
