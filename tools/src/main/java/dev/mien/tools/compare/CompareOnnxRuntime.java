package dev.mien.tools.compare;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mien.kernels.KernelRegistry;
import dev.mien.tools.cli.Args;
import dev.mien.tools.cli.CliException;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code mien bench ... --compare onnxruntime}: Mien and ONNX Runtime on the same weights, same
 * batch and same thread count, each run in its own fresh process, alternately, for several
 * rounds (see {@link Comparison}). ONNX Runtime runs an ONNX file: the model itself when it is
 * one (Mien imports it), the file given with {@code --onnx}, or Mien's ONNX export of the model.
 */
public final class CompareOnnxRuntime {
    /** How long one benchmark process may take (a full-size MA-Net at batch 8 takes well under a minute). */
    static final long CHILD_TIMEOUT_S = 900;

    /** What both children are asked to do: one model, one configuration. */
    record Plan(String label, List<String> mienArgs, Path onnx, boolean exported, int batch, int threads, int iterations, int warmup, double warmupSeconds,
                int rounds) {
        /** The Mien child's arguments after {@code dev.mien.tools.Main}. */
        List<String> mienCommand() {
            List<String> c = new ArrayList<>(List.of("bench"));
            c.addAll(mienArgs);
            c.addAll(common());
            c.add("--json");
            return c;
        }

        /** The per-convolution-class profile's arguments (it runs Mien and ONNX Runtime in turn). */
        List<String> profileCommand() {
            List<String> c = new ArrayList<>(mienArgs);
            c.addAll(List.of("--onnx", onnx.toString()));
            c.addAll(common());
            return c;
        }

        /** The ONNX Runtime runner's arguments. */
        List<String> ortCommand() {
            List<String> c = new ArrayList<>(List.of("--onnx", onnx.toString()));
            c.addAll(common());
            return c;
        }

        private List<String> common() {
            return List.of("--batch", Integer.toString(batch), "--threads", Integer.toString(threads), "--iterations", Integer.toString(iterations),
                    "--warmup", Integer.toString(warmup), "--warmup-seconds", String.format(Locale.ROOT, "%.3f", warmupSeconds));
        }
    }

    /**
     * Builds the plan from {@code mien bench}'s options. {@code onnxFor} supplies the ONNX file
     * when neither the model nor {@code --onnx} is one (Mien's exporter); it may create a
     * temporary file, which {@code temporaries} collects for deletion.
     */
    static Plan plan(Args a, OnnxSource onnxFor, List<Path> temporaries) {
        if (!"onnxruntime".equals(a.get("compare")))
            throw new CliException("--compare takes 'onnxruntime', got '" + a.get("compare") + "'");
        if (a.get("peak-gflops") != null) throw new CliException("--peak-gflops does nothing with --compare (it compares times)");
        int threads;
        try {
            threads = a.get("threads") != null ? KernelRegistry.parseThreads(a.get("threads"), "--threads") : KernelRegistry.defaultThreads();
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage());
        }
        int batch = a.intValue("batch", 1, 1, 4096);
        int iterations = a.intValue("iterations", 30, 1, 1_000_000);
        int warmup = a.intValue("warmup", 20, 0, 1_000_000);
        double warmupSeconds = a.get("warmup-seconds") != null ? a.floatValue("warmup-seconds", 0f) : 2.0;
        if (!(warmupSeconds >= 0 && warmupSeconds <= 3600)) throw new CliException("--warmup-seconds must be between 0 and 3600");
        int rounds = a.intValue("rounds", 3, 1, 100);

        List<String> mienArgs = new ArrayList<>();
        if (a.get("kernels") != null) mienArgs.addAll(List.of("--kernels", a.get("kernels")));
        String label;
        Path onnx;
        boolean exported = false;
        if (a.get("model") != null) {
            Path model = Args.existingModel("--model", a.get("model"));
            label = model.getFileName().toString();
            mienArgs.addAll(List.of("--model", model.toString()));
            if (a.get("onnx") != null) onnx = Args.existingFile("--onnx", a.get("onnx"));
            else if (OnnxSource.isOnnx(model)) onnx = model;
            else {
                onnx = onnxFor.export(model, null, 0, temporaries);
                exported = true;
            }
        } else {
            label = a.get("arch");
            int seed = a.intValue("seed", 1, 0, Integer.MAX_VALUE);
            mienArgs.addAll(List.of("--arch", label, "--seed", Integer.toString(seed)));
            exported = a.get("onnx") == null;
            onnx = exported ? onnxFor.export(null, label, seed, temporaries) : Args.existingFile("--onnx", a.get("onnx"));
        }
        return new Plan(label, mienArgs, onnx, exported, batch, threads, iterations, warmup, warmupSeconds, rounds);
    }

    /** Runs the comparison with real child processes. */
    public void run(Args a, PrintStream out) {
        List<Path> temporaries = new ArrayList<>();
        try {
            String ortClasspath = OrtModule.classpath(OrtModule.home());   // before any export: say at once when the module is missing
            Plan p = plan(a, OnnxSource.EXPORTER, temporaries);
            if (a.flag("profile")) {
                // Per convolution class, both runtimes' own profilers, in one child (one runtime after the other).
                out.print(ChildProcess.run("profile", ortJvm(ortClasspath, OrtModule.PROFILER, p.profileCommand()), CHILD_TIMEOUT_S));
                return;
            }
            TimingSource source = (side, round) -> {
                List<String> cmd = side == Side.MIEN ? mienJvm(p.mienCommand()) : ortJvm(ortClasspath, OrtModule.RUNNER, p.ortCommand());
                String stdout = ChildProcess.run(side.label, cmd, CHILD_TIMEOUT_S);
                try {
                    return Timing.parse(stdout);
                } catch (IllegalArgumentException e) {
                    throw new CliException(side.label + " benchmark process: " + e.getMessage(), 1);
                }
            };
            report(p, source, a.flag("json"), out);
        } finally {
            for (Path t : temporaries) {
                try { Files.deleteIfExists(t); } catch (IOException ignored) { /* temp file */ }
            }
        }
    }

    /** Prints the plan, the rounds as they finish, and the summary (plus a JSON line with --json). */
    static Comparison report(Plan p, TimingSource source, boolean json, PrintStream out) {
        out.printf("%s: mien vs onnxruntime (%s), batch %d, threads %d, %d rounds of one process each, alternating%n",
                p.label(), p.exported() ? "Mien's ONNX export" : p.onnx().getFileName(), p.batch(), p.threads(), p.rounds());
        Comparison c = Comparison.run(source, p.rounds(), out);
        c.print(out);
        if (json) {
            ObjectNode j = new ObjectMapper().createObjectNode();
            j.put("model", p.label()).put("onnx", p.exported() ? "export" : p.onnx().toString()).put("batch", p.batch()).put("threads", p.threads());
            ObjectMapper m = new ObjectMapper();
            c.summary().entrySet().stream().sorted(java.util.Map.Entry.comparingByKey())
                    .forEach(e -> j.set(e.getKey(), m.valueToTree(e.getValue())));
            out.println(j);
        }
        return c;
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** This CLI's own JVM again (same flags, class path), running {@code mien ARGS}. */
    static List<String> mienJvm(List<String> args) {
        List<String> c = new ArrayList<>(List.of(javaBinary()));
        for (String f : ManagementFactory.getRuntimeMXBean().getInputArguments())
            if (!f.startsWith("-agentlib") && !f.startsWith("-javaagent") && !f.startsWith("-Xrunjdwp")) c.add(f);
        c.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.mien.tools.Main"));
        c.addAll(args);
        return c;
    }

    /**
     * A JVM with only the ort module's class path (ONNX Runtime and the Mien jars it was built
     * with) running {@code mainClass}; the Vector API for the profile's Mien side.
     */
    static List<String> ortJvm(String classpath, String mainClass, List<String> args) {
        // The launcher's collector and loop shape (see ./mien): strip mining on, as under G1.
        List<String> c = new ArrayList<>(List.of(javaBinary(), "--add-modules", "jdk.incubator.vector", "-XX:+UseParallelGC",
                "-XX:+UseCountedLoopSafepoints", "-XX:LoopStripMiningIter=1000",
                "--enable-native-access=ALL-UNNAMED", "-cp", classpath, mainClass));
        c.addAll(args);
        return c;
    }
}
