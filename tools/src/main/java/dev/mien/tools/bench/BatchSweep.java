package dev.mien.tools.bench;

import dev.mien.engine.Session;

import java.util.Arrays;
import java.util.List;

/**
 * Batch sizes of one model timed against each other in one process ({@code mien bench --batch
 * 1,8}): every round runs each session for the same number of images, one block after the
 * other, and the per-image cost of every batch is compared with the first batch's within the
 * same round.
 *
 * <p>Why one process and rounds: on this project's VMs the clock of the whole machine drifts by
 * up to 40% over seconds (every step of a network slower alike), so two batch sizes measured in
 * separate processes, or one after the other, compare two clock phases as much as two batch
 * sizes. Adjacent blocks share the phase; the median of the per-round ratios is what is stable.
 * The sessions share the model's packed weights, as a server's sessions do.
 */
public final class BatchSweep {
    /** Per batch size: every block's time per image (ms), in round order. */
    private final double[][] perImage;
    private final int[] batches;

    private BatchSweep(int[] batches, int rounds) {
        this.batches = batches;
        this.perImage = new double[batches.length][rounds];
    }

    /**
     * Warms every session (in turn, {@link Warmup}) and then times {@code rounds} rounds of
     * blocks of {@code imagesPerBlock} images each (rounded up to whole runs of each session).
     */
    public static BatchSweep run(List<Session> sessions, int rounds, int imagesPerBlock, int warmupRuns, double warmupSeconds) {
        int[] batches = sessions.stream().mapToInt(Session::batch).toArray();
        // Alternating warm-up: the JIT sees every session's shapes before any block is timed.
        Warmup.run(() -> sessions.forEach(Session::run), warmupRuns, warmupSeconds);
        BatchSweep sweep = new BatchSweep(batches, rounds);
        for (int r = 0; r < rounds; r++)
            for (int k = 0; k < sessions.size(); k++) {
                Session s = sessions.get(k);
                int runs = Math.max(1, (imagesPerBlock + s.batch() - 1) / s.batch());
                long t0 = System.nanoTime();
                for (int i = 0; i < runs; i++) s.run();
                sweep.perImage[k][r] = (System.nanoTime() - t0) / 1e6 / ((double) runs * s.batch());
            }
        return sweep;
    }

    public int[] batches() { return batches.clone(); }

    /** Median time per image of batch index k over the rounds (ms). */
    public double medianPerImage(int k) { return median(perImage[k].clone()); }

    /** Per-round ratios of batch index k's time per image to the first batch's, sorted. */
    public double[] ratios(int k) {
        double[] q = new double[perImage[k].length];
        for (int r = 0; r < q.length; r++) q[r] = perImage[k][r] / perImage[0][r];
        Arrays.sort(q);
        return q;
    }

    /** Median of the per-round ratios of batch index k to the first batch. */
    public double medianRatio(int k) { return median(ratios(k)); }

    static double median(double[] v) {
        Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }
}
