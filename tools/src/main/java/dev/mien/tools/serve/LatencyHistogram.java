package dev.mien.tools.serve;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.DoubleAdder;

/** A Prometheus histogram with fixed buckets: counts per bucket, sum and count, lock-free. */
final class LatencyHistogram {
    /** Upper bounds in seconds: 1 ms to 10 s, roughly x2.5 apart. */
    static final double[] BOUNDS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

    private final double[] bounds;
    private final AtomicLongArray counts;
    private final DoubleAdder sum = new DoubleAdder();

    LatencyHistogram(double[] bounds) {
        this.bounds = bounds.clone();
        this.counts = new AtomicLongArray(bounds.length + 1);
    }

    void observe(double value) {
        int i = 0;
        while (i < bounds.length && value > bounds[i]) i++;
        counts.incrementAndGet(i);
        sum.add(value);
    }

    long count() {
        long n = 0;
        for (int i = 0; i < counts.length(); i++) n += counts.get(i);
        return n;
    }

    /** The histogram's lines in Prometheus text format, cumulative, ending with +Inf, _sum and _count. */
    void write(StringBuilder out, String name, String labels) {
        String sep = labels.isEmpty() ? "" : labels + ",";
        long cumulative = 0;
        for (int i = 0; i < bounds.length; i++) {
            cumulative += counts.get(i);
            out.append(name).append("_bucket{").append(sep).append("le=\"").append(format(bounds[i])).append("\"} ").append(cumulative).append('\n');
        }
        cumulative += counts.get(bounds.length);
        out.append(name).append("_bucket{").append(sep).append("le=\"+Inf\"} ").append(cumulative).append('\n');
        String l = labels.isEmpty() ? "" : "{" + labels + "}";
        out.append(name).append("_sum").append(l).append(' ').append(sum.sum()).append('\n');
        out.append(name).append("_count").append(l).append(' ').append(cumulative).append('\n');
    }

    private static String format(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }
}
