package dev.mien.tools.cli;

import dev.mien.engine.ir.Graph;
import dev.mien.engine.ir.Node;
import dev.mien.engine.ir.Op;
import dev.mien.engine.ir.ValueInfo;
import dev.mien.engine.ops.ShapeInference;
import dev.mien.engine.runtime.LoweringContexts;
import dev.mien.engine.runtime.Plan;
import dev.mien.engine.runtime.Planner;
import dev.mien.engine.runtime.RunOptions;
import dev.mien.formats.LoadOptions;
import dev.mien.formats.ModelFormat;
import dev.mien.kernels.Backend;
import dev.mien.kernels.KernelRegistry;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** {@code mien inspect}: what a model file is and what it computes. */
public final class InspectCommand {
    public void run(List<String> argv, PrintStream out) {
        Args a = Args.parse("inspect", argv, Common.BACKEND_OPTS, Set.of());
        if (a.positionals().size() != 1) throw new CliException("expected exactly one model file");
        Path file = Args.existingModel("model", a.positionals().get(0));
        ModelFormat format = Problems.onIo(file, () -> ModelFormat.detect(file));
        Graph g = Common.loadGraph(file, LoadOptions.DEFAULT);
        // A builtin model is read from a private copy (or the class path); its name says more than that path.
        String spec = a.positionals().get(0), shown = BuiltinModelFiles.isBuiltin(spec) ? spec + " (shipped in the jar)" : file.toString();
        Problems.on(file, () -> { describe(shown, format, g, out); return null; });
        if (a.get("backend") != null || a.get("kernels") != null) {
            try (Backend be = Common.backend(a)) {
                Problems.on(file, () -> { describeSteps(g, be, out); return null; });
            }
        }
    }

    private static void describe(String file, ModelFormat format, Graph g, PrintStream out) {
        out.println("file:          " + file);
        out.println("format:        " + format.description);
        out.println("architecture:  " + g.card().architecture());
        for (ValueInfo in : g.inputs()) {
            int[] s = in.sampleShape();
            String shown = "NCHW".equals(in.layout()) && s.length == 3
                    ? "[N, " + s[2] + ", " + s[0] + ", " + s[1] + "] NCHW" : "[N, " + String.join(", ", Arrays.stream(s).mapToObj(Integer::toString).toList()) + "] NHWC";
            out.println("input:         " + in.name() + " " + shown);
        }
        ShapeInference.Result inferred = ShapeInference.infer(g, 1);
        Map<String, int[]> shapes = inferred.shapes();
        for (String o : g.outputs()) out.println("output:        " + o + " " + Arrays.toString(shapes.get(o)).replaceFirst("\\[1", "[N"));
        out.printf("parameters:    %,d%n", g.parameterCount());
        long macs = inferred.macs();
        out.printf("MACs/image:    %,d (%.3f G)%n", macs, macs / 1e9);
        printConvAlgorithms(g, out);
        Map<Op, Integer> ops = new TreeMap<>();
        for (Node n : g.nodes()) ops.merge(n.op(), 1, Integer::sum);
        out.println("nodes:         " + g.nodes().size() + " " + ops);
        for (String line : g.card().describe()) if (!line.startsWith("architecture:")) out.println("card " + line);
    }

    /** How each step of the batch-1 plan runs on {@code be}: as a kernel of the backend (on its device, for a device backend) or as a named host step. */
    private static void describeSteps(Graph g, Backend be, PrintStream out) {
        Plan p = Planner.plan(g, 1, new LoweringContexts(be).of(RunOptions.DEFAULT));
        String device = Common.deviceOf(be);
        boolean onDevice = Common.runsOnDevice(be);
        out.println("backend:       " + be.name() + (device != null ? " on " + device : "") + (onDevice ? " (the whole plan as one device program)" : ""));
        Map<String, Integer> kernels = new TreeMap<>();
        List<String> host = new java.util.ArrayList<>();
        for (int i = 0; i < p.stepCount(); i++) {
            if (p.stepKinds().get(i) == dev.mien.engine.runtime.StepKind.HOST) host.add(p.stepNames().get(i) + " (" + p.stepKernels().get(i) + ")");
            else kernels.merge(p.stepKernels().get(i), 1, Integer::sum);
        }
        out.println("steps:         " + p.stepCount() + " at batch 1; " + (p.stepCount() - host.size()) + (onDevice ? " device kernels " : " backend kernels ") + kernels);
        out.println("host steps:    " + (host.isEmpty() ? "none" : host.size() + ": " + String.join(", ", host)));
    }

    /** How many conv steps take each algorithm at batch 1 on the default backend (what a plan would choose). */
    private static void printConvAlgorithms(Graph g, PrintStream out) {
        try (Backend be = KernelRegistry.auto(KernelRegistry.defaultThreads())) {
            Plan p = Planner.plan(g, 1, new LoweringContexts(be).of(RunOptions.DEFAULT));
            Map<String, Integer> count = new TreeMap<>();
            for (String a : p.stepAlgorithms()) if (!a.isEmpty()) count.merge(a, 1, Integer::sum);
            if (!count.isEmpty())
                out.println("convolutions:  " + count + " at batch 1 (" + be.name() + " kernels, " + be.threads() + " threads)");
        }
    }
}
