package dev.mien.engine;

/** Turning a classifier's raw scores into probabilities, the one way every caller does it. */
public final class Scores {
    private Scores() {}

    /**
     * Softmax of one row of scores, in double precision and shifted by the maximum so large
     * logits do not overflow; a NaN or +Inf score makes every probability NaN (as in the
     * frameworks), which callers report instead of printing a confident class.
     */
    public static float[] softmax(float[] x) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : x) max = Math.max(max, v);
        double sum = 0;
        double[] e = new double[x.length];
        for (int i = 0; i < x.length; i++) { e[i] = Math.exp(x[i] - max); sum += e[i]; }
        float[] p = new float[x.length];
        for (int i = 0; i < x.length; i++) p[i] = (float) (e[i] / sum);
        return p;
    }
}
