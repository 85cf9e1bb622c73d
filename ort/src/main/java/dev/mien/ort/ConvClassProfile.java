package dev.mien.ort;

import dev.mien.engine.Model;
import dev.mien.engine.Session;
import dev.mien.engine.io.ModelFile;
import dev.mien.engine.ir.Graph;
import dev.mien.engine.runtime.ImageLanes;
import dev.mien.engine.runtime.RunOptions;
import dev.mien.formats.LoadOptions;
import dev.mien.formats.ModelLoader;
import dev.mien.formats.RandomModels;
import dev.mien.kernels.Backend;
import dev.mien.kernels.KernelRegistry;
import dev.mien.tools.cli.Args;
import dev.mien.tools.cli.BenchCommand;
import dev.mien.tools.cli.CliException;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

/**
 * Per-convolution-class profile of Mien against ONNX Runtime on one network: Mien's step
 * profiler and ONNX Runtime's own profiler (its JSON trace), the same batch and thread count,
 * one runtime after the other in this process (Mien's model and threads are released before
 * ONNX Runtime starts). Prints a markdown table: per class the count, each runtime's time,
 * GFLOP/s and share of the measured fp32 ceiling, and the ratio. Started by
 * {@code mien bench ... --compare onnxruntime --profile}.
 *
 * <pre>java --add-modules jdk.incubator.vector -cp "ort/target/mien-ort.jar:ort/target/lib/*" dev.mien.ort.ConvClassProfile
 *      (--arch A [--seed S] | --model M) --onnx F [--batch N] [--threads T] [--iterations I] [--warmup W] [--warmup-seconds S]</pre>
 */
public final class ConvClassProfile {
    private ConvClassProfile() {}

    public static void main(String[] argv) {
        ChildMain.runAndExit("conv-class profile", () -> run(List.of(argv), System.out));
    }

    static void run(List<String> argv, PrintStream out) throws IOException {
        Args a = Args.parse("conv-class profile", argv,
                Set.of("arch", "seed", "model", "onnx", "batch", "threads", "kernels", "iterations", "warmup", "warmup-seconds"), Set.of());
        if ((a.get("model") == null) == (a.get("arch") == null)) throw new CliException("give exactly one of --model M or --arch NAME");
        Path onnx = Args.existingFile("--onnx", a.get("onnx"));
        int batch = a.intValue("batch", 1, 1, 4096);
        int threads = a.intValue("threads", 1, 1, KernelRegistry.maxThreads());
        int iters = a.intValue("iterations", 30, 1, 1_000_000);
        int warmup = a.intValue("warmup", 20, 0, 1_000_000);
        double warmupSeconds = a.floatValue("warmup-seconds", 2f);
        String label = a.get("arch") != null ? a.get("arch") : Path.of(a.get("model")).getFileName().toString();

        MienConvTimes.Measured mien;
        boolean lanes;
        Backend be = a.get("kernels") != null ? KernelRegistry.create(a.get("kernels"), threads) : KernelRegistry.auto(threads);
        try (Model model = mienModel(a, be); Session s = model.newSession(batch, RunOptions.DEFAULT)) {
            BenchCommand.randomInputs(model.graph(), s, new Random(42));
            warm(s::run, warmup, warmupSeconds);
            mien = MienConvTimes.measure(model.graph(), s, iters);
            lanes = s.plan().imageLanes();
        }

        Path dir = Files.createTempDirectory("mien-ort-profile");
        List<OrtTrace.NodeTime> ort;
        double ortRunMs;
        try (OrtModel m = OrtModel.open(onnx, OrtSettings.threads(threads).withProfiling(dir.resolve("ort")))) {
            Map<String, float[]> feed = OrtBench.randomInputs(m, batch);
            warm(() -> m.run(feed, batch), warmup, warmupSeconds);
            for (int i = 0; i < iters; i++) m.run(feed, batch);
            Path trace = m.endProfiling();
            ort = OrtTrace.read(trace, iters);
            ortRunMs = ort.stream().mapToDouble(OrtTrace.NodeTime::meanMs).sum();
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        }

        ConvProfileTable.Result table = ConvProfileTable.join(mien.convs(), ort);
        double ceiling = BenchCommand.ceiling(Math.min(threads, Runtime.getRuntime().availableProcessors()));
        ConvProfileTable.print(String.format("%s, batch %d, threads %d: per convolution class, mean of %d profiled runs%s", label, batch, threads, iters,
                        lanes ? " (Mien's " + ImageLanes.PROFILE_NOTE + ")" : ""),
                table, ceiling, out);
        out.printf("%nwhole run (sum of steps / nodes while profiling): Mien %.2f ms, ONNX Runtime %.2f ms; convolutions %.0f%% / %.0f%% of it%n",
                mien.runMs(), ortRunMs, 100 * table.mienMs() / mien.runMs(), 100 * table.ortMs() / ortRunMs);
        Map<String, double[]> byOp = new TreeMap<>();
        for (OrtTrace.NodeTime n : ort) {
            double[] t = byOp.computeIfAbsent(n.op(), k -> new double[2]);
            t[0] += n.meanMs();
            t[1]++;
        }
        out.print("ONNX Runtime by op:");
        byOp.entrySet().stream().sorted((x, y) -> Double.compare(y.getValue()[0], x.getValue()[0])).limit(8)
                .forEach(e -> out.printf("  %s %.2f ms (%d)", e.getKey(), e.getValue()[0], (int) e.getValue()[1]));
        out.println();
    }

    private static Model mienModel(Args a, Backend be) throws IOException {
        try {
            if (a.get("arch") != null) {
                Graph g;
                try {
                    g = RandomModels.graph(a.get("arch"), a.intValue("seed", 1, 0, Integer.MAX_VALUE));
                } catch (IllegalArgumentException e) {
                    throw new CliException("--arch " + a.get("arch") + ": " + e.getMessage());
                }
                return Model.owning(g, be);
            }
            Path p = Args.existingModel("--model", a.get("model"));
            return ModelFile.looksLike(p) ? Model.loadOwning(p, be) : Model.owning(ModelLoader.load(p, LoadOptions.DEFAULT).graph(), be);
        } catch (IOException | RuntimeException e) {
            be.close();
            throw e;
        }
    }

    /** As {@code mien bench}'s warm-up (until the JIT is quiet): the profiled runs see compiled kernels. */
    private static void warm(Runnable run, int runs, double seconds) {
        dev.mien.tools.bench.Warmup.run(run, runs, seconds);
    }
}
