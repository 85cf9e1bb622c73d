package dev.mien.tools.compare;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Mien against ONNX Runtime over several rounds. Each round runs one benchmark process per
 * side; the order alternates (Mien first in even rounds, ONNX Runtime first in odd ones), so a
 * machine that slows down or speeds up during the comparison penalises both sides alike.
 * The summary is each side's median of its per-process medians, and their ratio.
 */
public record Comparison(List<Timing> mien, List<Timing> ort) {
    public Comparison {
        if (mien.isEmpty() || mien.size() != ort.size()) throw new IllegalArgumentException("need the same number (>= 1) of rounds for each side");
        mien = List.copyOf(mien);
        ort = List.copyOf(ort);
    }

    /** Runs {@code rounds} rounds through {@code source}, alternating the order of the sides. */
    public static Comparison run(TimingSource source, int rounds, PrintStream progress) {
        if (rounds < 1) throw new IllegalArgumentException("rounds must be >= 1");
        List<Timing> m = new ArrayList<>(), o = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            Side[] order = r % 2 == 0 ? new Side[]{Side.MIEN, Side.ONNXRUNTIME} : new Side[]{Side.ONNXRUNTIME, Side.MIEN};
            for (Side s : order) {
                Timing t = source.run(s, r);
                (s == Side.MIEN ? m : o).add(t);
                if (progress != null)
                    progress.printf("round %d %-11s median %8.2f ms  min %8.2f ms%n", r + 1, s.label, t.medianMs(), t.minMs());
            }
        }
        return new Comparison(m, o);
    }

    /** Median of the per-process medians (the mean of the middle two for an even count). */
    static double medianOfMedians(List<Timing> ts) {
        double[] v = ts.stream().mapToDouble(Timing::medianMs).sorted().toArray();
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    static double bestMin(List<Timing> ts) {
        return ts.stream().mapToDouble(Timing::minMs).min().orElseThrow();
    }

    public double mienMedianMs() { return medianOfMedians(mien); }
    public double ortMedianMs() { return medianOfMedians(ort); }
    public double mienMinMs() { return bestMin(mien); }
    public double ortMinMs() { return bestMin(ort); }

    /** Mien's time over ONNX Runtime's: below 1 means Mien is faster. */
    public double ratio() { return mienMedianMs() / ortMedianMs(); }

    /** How many rounds Mien's median beat ONNX Runtime's of the same round. */
    public int mienWins() {
        int w = 0;
        for (int i = 0; i < mien.size(); i++) if (mien.get(i).medianMs() < ort.get(i).medianMs()) w++;
        return w;
    }

    /** The verdict in words, e.g. "Mien is 1.21x slower than ONNX Runtime". */
    public String verdict() {
        double r = ratio();
        if (Math.abs(r - 1) < 0.005) return "Mien and ONNX Runtime are equally fast";
        return r > 1 ? String.format("Mien is %.2fx slower than ONNX Runtime", r) : String.format("Mien is %.2fx faster than ONNX Runtime", 1 / r);
    }

    public void print(PrintStream out) {
        out.printf("mien        median %8.2f ms  (median of %d processes; best min %.2f ms)%n", mienMedianMs(), mien.size(), mienMinMs());
        out.printf("onnxruntime median %8.2f ms  (median of %d processes; best min %.2f ms)%n", ortMedianMs(), ort.size(), ortMinMs());
        out.printf("Mien/ORT    %.3f  %s; Mien faster in %d of %d rounds%n", ratio(), verdict(), mienWins(), mien.size());
    }

    /** The summary as JSON fields (for --json); Mien's MACs per image where its benchmark gave them. */
    public Map<String, Object> summary() {
        Map<String, Object> m = new java.util.TreeMap<>(Map.of("mien_median_ms", mienMedianMs(), "ort_median_ms", ortMedianMs(), "mien_min_ms", mienMinMs(), "ort_min_ms", ortMinMs(),
                "ratio_mien_over_ort", ratio(), "rounds", mien.size(), "mien_wins", mienWins(),
                "mien_medians_ms", mien.stream().map(Timing::medianMs).toList(), "ort_medians_ms", ort.stream().map(Timing::medianMs).toList()));
        double gmac = mien.getFirst().gmacPerImage();
        if (!Double.isNaN(gmac)) m.put("gmac_per_image", gmac);
        return m;
    }

    @Override public String toString() { return "Comparison" + Arrays.asList(mienMedianMs(), ortMedianMs()); }
}
