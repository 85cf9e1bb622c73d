package dev.mien.kernels.simd;

/** A workspace's padded-input memory: grows to the largest request and is then reused. */
final class Scratch {
    private float[] padded = new float[0];

    float[] padded(int size) {
        if (padded.length < size) padded = new float[size];
        return padded;
    }
}
