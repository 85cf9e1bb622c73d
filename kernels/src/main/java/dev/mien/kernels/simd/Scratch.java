package dev.mien.kernels.simd;

/** A workspace's padded-input and transformed-tile memory: each grows to the largest request and is then reused. */
final class Scratch {
    private float[] padded = new float[0], tilesIn = new float[0], tilesOut = new float[0];
    private float[] phaseIn = new float[0], phaseOut = new float[0], phaseRes = new float[0];

    /** A dilated convolution's input, output and residual as phases ({@link DilationPhases}). */
    float[] phaseIn(long size) {
        if (phaseIn.length < size) phaseIn = new float[Math.toIntExact(size)];
        return phaseIn;
    }

    float[] phaseOut(long size) {
        if (phaseOut.length < size) phaseOut = new float[Math.toIntExact(size)];
        return phaseOut;
    }

    float[] phaseRes(long size) {
        if (phaseRes.length < size) phaseRes = new float[Math.toIntExact(size)];
        return phaseRes;
    }

    /** The element-major Winograd walk's transformed input ... */
    float[] tilesIn(long size) {
        if (tilesIn.length < size) tilesIn = new float[Math.toIntExact(size)];
        return tilesIn;
    }

    /** ... and its products. */
    float[] tilesOut(long size) {
        if (tilesOut.length < size) tilesOut = new float[Math.toIntExact(size)];
        return tilesOut;
    }

    float[] padded(int size) {
        if (padded.length < size) padded = new float[size];
        return padded;
    }
}
