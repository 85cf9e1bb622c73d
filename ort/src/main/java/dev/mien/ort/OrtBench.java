package dev.mien.ort;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mien.tools.cli.Args;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The ONNX Runtime side of {@code mien bench --compare onnxruntime}: one process, one model,
 * timed like {@code mien bench} (at least --warmup runs and --warmup-seconds of warm-up, then
 * --iterations timed runs on the same uniform [0,1) inputs), printing the same JSON keys.
 *
 * <pre>java -cp "ort/target/mien-ort.jar:ort/target/lib/*" dev.mien.ort.OrtBench --onnx F [--batch N] [--threads T]
 *      [--iterations I] [--warmup W] [--warmup-seconds S]</pre>
 */
public final class OrtBench {
    private OrtBench() {}

    public static void main(String[] argv) {
        ChildMain.runAndExit("onnxruntime bench", () -> run(List.of(argv), System.out));
    }

    static void run(List<String> argv, PrintStream out) {
        Args a = Args.parse("onnxruntime bench", argv, Set.of("onnx", "batch", "threads", "iterations", "warmup", "warmup-seconds"), Set.of());
        Path onnx = Args.existingFile("--onnx", a.get("onnx"));
        int batch = a.intValue("batch", 1, 1, 4096);
        int threads = a.intValue("threads", 1, 1, 1024);
        int iters = a.intValue("iterations", 30, 1, 1_000_000);
        int warmup = a.intValue("warmup", 20, 0, 1_000_000);
        double warmupSeconds = a.floatValue("warmup-seconds", 2f);
        try (OrtModel m = OrtModel.open(onnx, OrtSettings.threads(threads))) {
            Map<String, float[]> feed = randomInputs(m, batch);
            long warmStart = System.nanoTime();
            int warmed = 0;
            while (warmed < warmup || (System.nanoTime() - warmStart) / 1e9 < warmupSeconds) {
                m.run(feed, batch);
                warmed++;
            }
            double[] ms = new double[iters];
            for (int i = 0; i < iters; i++) {
                long t0 = System.nanoTime();
                m.run(feed, batch);
                ms[i] = (System.nanoTime() - t0) / 1e6;
            }
            double[] s = ms.clone();
            Arrays.sort(s);
            double min = s[0], median = percentile(s, 0.5), p90 = percentile(s, 0.9);
            out.printf("model %s  onnxruntime %s  threads %d  batch %d  (%d iterations after %d warm-up)%n",
                    onnx.getFileName(), ai.onnxruntime.OrtEnvironment.getEnvironment().getVersion(), threads, batch, iters, warmed);
            out.printf("latency ms: min %.2f  median %.2f  p90 %.2f%n", min, median, p90);
            ObjectNode j = new ObjectMapper().createObjectNode();
            j.put("model", onnx.getFileName().toString()).put("runtime", "onnxruntime").put("threads", threads).put("batch", batch)
                    .put("iterations", iters).put("min_ms", min).put("median_ms", median).put("p90_ms", p90)
                    .put("images_per_s", batch * 1000.0 / median);
            out.println(j);
        }
    }

    /** Uniform [0,1) values for every input, seeded like {@code mien bench}'s. */
    static Map<String, float[]> randomInputs(OrtModel m, int batch) {
        Random r = new Random(42);
        Map<String, float[]> feed = new HashMap<>();
        for (OrtModel.Port p : m.inputs()) {
            long n = Arrays.stream(m.inputShape(p, batch)).reduce(1, (x, y) -> x * y);
            if (n > Integer.MAX_VALUE - 8) throw new OrtRunException(p.name() + ": input of " + n + " floats is too large");
            float[] x = new float[(int) n];
            for (int i = 0; i < x.length; i++) x[i] = r.nextFloat();
            feed.put(p.name(), x);
        }
        return feed;
    }

    /** Same rule as {@code mien bench}: the ceil(q*n)-th smallest. */
    static double percentile(double[] sorted, double q) {
        int i = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }
}
