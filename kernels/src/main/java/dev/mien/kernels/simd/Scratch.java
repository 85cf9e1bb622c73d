package dev.mien.kernels.simd;

/** A workspace's padded-input, transformed-tile and phase memory: each grows to the largest request and is then reused. */
final class Scratch {
    private float[] padded = new float[0], tilesIn = new float[0], tilesOut = new float[0];
    private float[] phaseIn = new float[0], phaseOut = new float[0], phaseRes = new float[0];

    private static float[] atLeast(float[] a, long size) { return a.length >= size ? a : new float[Math.toIntExact(size)]; }

    /** The element-major Winograd walk's transformed input ... */
    float[] tilesIn(long size) { return tilesIn = atLeast(tilesIn, size); }

    /** ... and its products. */
    float[] tilesOut(long size) { return tilesOut = atLeast(tilesOut, size); }

    float[] padded(int size) { return padded = atLeast(padded, size); }

    /** A dilated convolution's input, output and residual as phases ({@link DilationPhases}). */
    float[] phaseIn(long size) { return phaseIn = atLeast(phaseIn, size); }

    float[] phaseOut(long size) { return phaseOut = atLeast(phaseOut, size); }

    float[] phaseRes(long size) { return phaseRes = atLeast(phaseRes, size); }
}
