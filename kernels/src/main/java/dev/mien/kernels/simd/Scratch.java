package dev.mien.kernels.simd;

/** Per-thread scratch memory that grows to the largest request and is then reused. */
final class Scratch {
    private static final ThreadLocal<Scratch> LOCAL = ThreadLocal.withInitial(Scratch::new);
    private float[] padded = new float[0];

    static Scratch get() { return LOCAL.get(); }

    float[] padded(int size) {
        if (padded.length < size) padded = new float[size];
        return padded;
    }
}
