package dev.mien.ort;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Mien's and ONNX Runtime's convolution times side by side, per convolution class. Classes come
 * from Mien's graph (true shapes); each ONNX Runtime convolution is matched to the class with
 * the same kernel, stride, output map, batch and kind whose channel counts it holds, allowing for
 * the rounding up to whole channel blocks of ONNX Runtime's NCHWc layout. GFLOP/s on both sides
 * use the true multiply-accumulates of the class (2 FLOPs each), so padding does not inflate them.
 */
public final class ConvProfileTable {
    private ConvProfileTable() {}

    /** The widest channel padding ONNX Runtime's blocked layout adds (its block is 16 floats with AVX-512, 8 with AVX2). */
    static final int MAX_CHANNEL_PADDING = 15;

    public static final class Row {
        public final ConvClass cls;
        public final long macsEach;
        int mienCount, ortCount;
        double mienMs, ortMs;

        Row(ConvClass cls, long macsEach) { this.cls = cls; this.macsEach = macsEach; }

        public int mienCount() { return mienCount; }
        public int ortCount() { return ortCount; }
        public double mienMs() { return mienMs; }
        public double ortMs() { return ortMs; }
        public double mienGflops() { return gflops(mienCount, mienMs); }
        public double ortGflops() { return gflops(ortCount, ortMs); }

        private double gflops(int count, double ms) { return ms > 0 ? 2.0 * macsEach * count / (ms / 1e3) / 1e9 : Double.NaN; }
    }

    /** The rows (slowest Mien class first), and what of ONNX Runtime's convolutions matched no Mien class. */
    public record Result(List<Row> rows, List<OrtTrace.NodeTime> unmatched) {
        public double mienMs() { return rows.stream().mapToDouble(Row::mienMs).sum(); }
        public double ortMs() { return rows.stream().mapToDouble(Row::ortMs).sum() + unmatched.stream().mapToDouble(OrtTrace.NodeTime::meanMs).sum(); }
    }

    public static Result join(List<MienConvTimes.StepTime> mien, List<OrtTrace.NodeTime> ort) {
        Map<ConvClass, Row> rows = new LinkedHashMap<>();
        for (MienConvTimes.StepTime s : mien) {
            Row r = rows.computeIfAbsent(s.cls(), c -> new Row(c, s.macs()));
            r.mienCount++;
            r.mienMs += s.meanMs();
        }
        List<OrtTrace.NodeTime> unmatched = new ArrayList<>();
        for (OrtTrace.NodeTime n : ort) {
            ConvClass o = OrtTrace.convClass(n);
            if (o == null) continue;
            Row best = null;
            for (Row r : rows.values())
                if (fits(r.cls, o) && (best == null || preference(r, o) > preference(best, o)
                        || preference(r, o) == preference(best, o) && r.mienCount - r.ortCount > best.mienCount - best.ortCount)) best = r;
            if (best == null) unmatched.add(n);
            else {
                best.ortCount++;
                best.ortMs += n.meanMs();
            }
        }
        List<Row> sorted = new ArrayList<>(rows.values());
        sorted.sort(Comparator.comparingDouble((Row r) -> r.mienMs).reversed());
        return new Result(sorted, unmatched);
    }

    /**
     * A class that still has unmatched convolutions first, then one with exactly ONNX Runtime's
     * channels (not padded ones); equal preferences go to the class with the most unmatched.
     * Greedy, so two classes that differ only within one channel block may swap some time.
     */
    private static int preference(Row r, ConvClass o) {
        return (r.ortCount < r.mienCount ? 2 : 0) + (r.cls.cin() == o.cin() && r.cls.cout() == o.cout() ? 1 : 0);
    }

    /** Whether ONNX Runtime's convolution {@code o} is one of Mien's class {@code m}. */
    static boolean fits(ConvClass m, ConvClass o) {
        boolean kernel = o.kH() == 0 || m.kH() == o.kH() && m.kW() == o.kW();   // 0: ONNX Runtime's trace did not show it
        return kernel && m.stride() == o.stride() && m.outH() == o.outH() && m.outW() == o.outW()
                && m.batch() == o.batch() && m.depthwise() == o.depthwise() && m.transposed() == o.transposed()
                && channelFits(m.cin(), o.cin()) && channelFits(m.cout(), o.cout());
    }

    private static boolean channelFits(int mien, int ort) { return ort >= mien && ort - mien <= MAX_CHANNEL_PADDING; }

    /** A markdown table; {@code ceiling} is the measured fp32 FMA ceiling for the thread count, in GFLOP/s. */
    public static void print(String title, Result r, double ceiling, PrintStream out) {
        out.printf("%s (%% of the measured %.0f GFLOP/s ceiling)%n%n", title, ceiling);
        out.println("| conv class (kernel/stride, input map, Cin->Cout) | count | Mien ms | Mien GFLOP/s | Mien % | ORT ms | ORT GFLOP/s | ORT % | Mien/ORT |");
        out.println("|---|---|---|---|---|---|---|---|---|");
        for (Row row : r.rows()) {
            String count = row.mienCount == row.ortCount ? Integer.toString(row.mienCount) : row.mienCount + " (ORT " + row.ortCount + ")";
            out.printf("| %s | %s | %.3f | %.1f | %.0f%% | %s | %s | %s | %s |%n", row.cls.describe(), count, row.mienMs, row.mienGflops(),
                    100 * row.mienGflops() / ceiling,
                    row.ortCount == 0 ? "-" : String.format("%.3f", row.ortMs), row.ortCount == 0 ? "-" : String.format("%.1f", row.ortGflops()),
                    row.ortCount == 0 ? "-" : String.format("%.0f%%", 100 * row.ortGflops() / ceiling),
                    row.ortCount == 0 || row.ortMs <= 0 ? "-" : String.format("%.2f", row.mienMs / row.ortMs));
        }
        double unmatchedMs = r.unmatched().stream().mapToDouble(OrtTrace.NodeTime::meanMs).sum();
        out.printf("| **all convolutions** | %d | %.3f | | | %.3f | | | %.2f |%n", r.rows().stream().mapToInt(Row::mienCount).sum(), r.mienMs(), r.ortMs(),
                r.mienMs() / r.ortMs());
        if (!r.unmatched().isEmpty())
            out.printf("%nONNX Runtime convolutions with no Mien convolution of their class (e.g. dense layers it runs as 1x1 convolutions): %d, %.3f ms (in the total)%n",
                    r.unmatched().size(), unmatchedMs);
    }
}
