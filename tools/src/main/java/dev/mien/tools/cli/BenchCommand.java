package dev.mien.tools.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mien.engine.Model;
import dev.mien.engine.Session;
import dev.mien.engine.ir.Graph;
import dev.mien.engine.ir.ValueInfo;
import dev.mien.engine.runtime.ImageLanes;
import dev.mien.engine.runtime.RunOptions;
import dev.mien.formats.LoadOptions;
import dev.mien.formats.RandomModels;
import dev.mien.kernels.Backend;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * {@code mien bench}: end-to-end latency of one model at a batch size and thread count.
 * Reports min/median/p90, images/s, GFLOP/s (2 x MACs) and the share of the machine's fp32
 * FMA ceiling, and peak heap. The default ceiling is the one measured on this project's
 * reference machine kind (AVX-512, 2 cores) by a register-only loop of 512-bit FMAs on a quiet
 * machine (shared/bench/FmaPeak.java): 238 GFLOP/s on one thread, 465 on two. Pass
 * --peak-gflops with your machine's measured figure elsewhere.
 */
public final class BenchCommand {
    /** Measured fp32 FMA ceilings of the reference machine kind: one thread, two threads. */
    static final double CEILING_1T_GFLOPS = 238.0, CEILING_2T_GFLOPS = 465.0;

    /** The measured ceiling for this many busy cores (two threads share little; more add ~232 each). */
    public static double ceiling(int cores) {
        return cores <= 1 ? CEILING_1T_GFLOPS : CEILING_2T_GFLOPS / 2 * cores;
    }

    public void run(List<String> argv, PrintStream out) {
        Args a = Args.parse("bench", argv, Common.with(Common.BACKEND_OPTS, "model", "arch", "batch", "iterations", "warmup", "warmup-seconds", "peak-gflops", "seed",
                        "compare", "rounds", "onnx"),
                Set.of("json", "profile"));
        if ((a.get("model") == null) == (a.get("arch") == null)) throw new CliException("give exactly one of --model M or --arch NAME");
        if (a.get("compare") != null) {
            // Against ONNX Runtime: both run in child processes; this JVM never loads ONNX Runtime.
            new dev.mien.tools.compare.CompareOnnxRuntime().run(a, out);
            return;
        }
        if (a.get("rounds") != null || a.get("onnx") != null) throw new CliException("--rounds and --onnx go with --compare onnxruntime");
        Model model;
        String label;
        Graph original = null;   // for a device backend: the graph with its weights, to check against the CPU
        if (a.get("model") != null) {
            Path p = Args.existingModel("--model", a.get("model"));
            model = Common.model(a, p, LoadOptions.DEFAULT);
            label = p.getFileName().toString();
        } else {
            label = a.get("arch");
            // Options first: a bad thread count is reported before the graph is built.
            Backend backend = Common.backend(a);
            Graph built;
            try {
                built = RandomModels.graph(label, a.intValue("seed", 1, 0, Integer.MAX_VALUE));
            } catch (RuntimeException e) {
                backend.close();
                throw e instanceof IllegalArgumentException ? new CliException("--arch " + label + ": " + e.getMessage()) : e;
            }
            try {
                model = Model.owning(built, backend);
            } catch (RuntimeException e) {
                backend.close();
                throw e;
            }
            original = built;
        }
        try (model) {
            if (original == null && a.get("model") != null && Common.runsOnDevice(model.backend())) {
                Path p = Path.of(a.get("model"));
                original = dev.mien.engine.io.ModelFile.looksLike(p) ? null : Common.loadGraph(p, LoadOptions.DEFAULT);
            }
            run(a, model, label, original, out);
        }
    }

    private void run(Args a, Model model, String label, Graph original, PrintStream out) {
        Backend backend = model.backend();
        Graph g = model.graph();
        if (a.get("batch", "1").contains(",")) {
            sweep(a, model, label, batchList(a.get("batch")), out);
            return;
        }
        int batch = a.intValue("batch", 1, 1, 4096);
        int iters = a.intValue("iterations", 30, 1, 1_000_000);
        int warmup = a.intValue("warmup", 20, 0, 1_000_000);
        double warmupSeconds = a.get("warmup-seconds") != null ? a.floatValue("warmup-seconds", 0f) : 2.0;
        double peak = a.get("peak-gflops") != null ? a.floatValue("peak-gflops", 0f)
                : ceiling(Math.min(backend.threads(), Runtime.getRuntime().availableProcessors()));

        Session session;
        try {
            session = model.newSession(batch, RunOptions.DEFAULT);
        } catch (RuntimeException e) {   // e.g. a forced -Dmien.conv that cannot run a layer
            throw new CliException(label + ": " + e.getMessage(), 1);
        }
        try (Session s = session) {
            measure(a, model, g, original, label, backend, s, batch, iters, warmup, warmupSeconds, peak, out);
        }
    }

    /** {@code --batch 1,8}: distinct batch sizes, each 1-4096; the first is the one the others are compared with. */
    static int[] batchList(String v) {
        String[] parts = v.split(",", -1);
        int[] b = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                b[i] = Integer.parseInt(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new CliException("--batch=" + v + ": '" + parts[i].trim() + "' is not a batch size");
            }
            if (b[i] < 1 || b[i] > 4096) throw new CliException("--batch=" + v + ": " + b[i] + " is outside 1-4096");
        }
        if (Arrays.stream(b).distinct().count() != b.length) throw new CliException("--batch=" + v + ": a batch size is given twice");
        return b;
    }

    /**
     * Several batch sizes of one model timed in one process, their blocks interleaved
     * ({@link dev.mien.tools.bench.BatchSweep}): the time per image of each, and its ratio to the
     * first batch size's as the median of the per-round ratios.
     */
    private void sweep(Args a, Model model, String label, int[] batches, PrintStream out) {
        if (a.flag("profile")) throw new CliException("--profile takes one batch size");
        int rounds = a.intValue("iterations", 30, 1, 1_000_000);
        int warmup = a.intValue("warmup", 20, 0, 1_000_000);
        double warmupSeconds = a.get("warmup-seconds") != null ? a.floatValue("warmup-seconds", 0f) : 2.0;
        int block = 2 * Arrays.stream(batches).max().orElse(1);
        List<Session> sessions = new java.util.ArrayList<>();
        try {
            Random r = new Random(42);
            for (int b : batches) {
                Session s;
                try {
                    s = model.newSession(b, RunOptions.DEFAULT);
                } catch (RuntimeException e) {
                    throw new CliException(label + ": " + e.getMessage(), 1);
                }
                sessions.add(s);
                randomInputs(model.graph(), s, r);
            }
            dev.mien.tools.bench.BatchSweep sw = dev.mien.tools.bench.BatchSweep.run(sessions, rounds, block, warmup, warmupSeconds);
            out.printf("model %s  backend %s  threads %d  batches %s in one process: %d rounds, each %d images per batch size, blocks interleaved%n",
                    label, model.backend().name(), model.backend().threads(),
                    String.join(", ", Arrays.stream(batches).mapToObj(String::valueOf).toList()), rounds, block);
            ObjectNode j = new ObjectMapper().createObjectNode();
            j.put("model", label).put("backend", model.backend().name()).put("threads", model.backend().threads()).put("rounds", rounds)
                    .put("images_per_block", block);
            var rows = j.putArray("batches");
            for (int k = 0; k < batches.length; k++) {
                double perImage = sw.medianPerImage(k);
                ObjectNode row = rows.addObject().put("batch", batches[k]).put("median_ms_per_image", perImage);
                if (k == 0) {
                    out.printf("batch %4d: %8.3f ms per image (median over rounds)%n", batches[k], perImage);
                    continue;
                }
                double[] q = sw.ratios(k);
                double ratio = sw.medianRatio(k), lo = q[(q.length - 1) / 4], hi = q[3 * (q.length - 1) / 4];
                out.printf("batch %4d: %8.3f ms per image; per image vs batch %d: %.3fx (median of %d per-round ratios, middle half %.3f-%.3f)%n",
                        batches[k], perImage, batches[0], ratio, q.length, lo, hi);
                row.put("ratio_vs_first", ratio).put("ratio_q1", lo).put("ratio_q3", hi);
            }
            if (a.flag("json")) out.println(j.toString());
        } finally {
            sessions.forEach(Session::close);
        }
    }

    /**
     * A device backend's outputs for the benchmark's inputs against the default CPU backend's:
     * |a-b| <= 1e-4 + 1e-4|b| and the same top-1 per row, or the command fails.
     */
    static double checkAgainstCpu(Graph original, Session device, java.util.Map<String, float[]> inputs, PrintStream out) {
        try (Model cpu = Model.of(original); Session c = cpu.newSession(device.batch(), RunOptions.DEFAULT)) {
            inputs.forEach(c::setInput);
            c.run();
            double worst = 0;
            boolean ok = true;
            for (String o : original.outputs()) {
                float[] want = c.output(o).data(), got = device.output(o).data();
                int cols = c.plan().shape(o)[c.plan().shape(o).length - 1];
                for (int i = 0; i < want.length; i++) {
                    double d = Math.abs(got[i] - want[i]);
                    if (!(d <= 1e-4 + 1e-4 * Math.abs(want[i]))) ok = false;
                    worst = Math.max(worst, Double.isNaN(d) ? Double.POSITIVE_INFINITY : d);
                }
                for (int r = 0; r < want.length / cols; r++) if (argmax(want, r * cols, cols) != argmax(got, r * cols, cols)) ok = false;
            }
            out.printf("check:      outputs vs the %s backend: max |diff| %.3g, %s%n", cpu.backend().name(), worst,
                    ok ? "within 1e-4 + 1e-4|b|, same top-1" : "MISMATCH");
            if (!ok) throw new CliException("the device's outputs differ from the CPU backend's (max |diff| " + worst + ")", 1);
            return worst;
        }
    }

    private static int argmax(float[] v, int off, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) if (v[off + i] > v[off + best]) best = i;
        return best;
    }

    /** {@code original}: the graph with its weights, for checking a device backend against the CPU (null: no check). */
    private void measure(Args a, Model model, Graph g, Graph original, String label, Backend backend, Session s, int batch, int iters, int warmup,
                         double warmupSeconds, double peak, PrintStream out) {
        java.util.Map<String, float[]> inputs = randomInputs(g, s, new Random(42));
        // At least --warmup runs and --warmup-seconds (default 2 s), then until the JIT is quiet
        // (Warmup): the timed runs see steady-state code, as a long-running JVM does.
        int warmed = dev.mien.tools.bench.Warmup.run(s::run, warmup, warmupSeconds);
        // Building the model leaves garbage behind: collect it now rather than inside a timed run.
        System.gc();
        resetPeaks();
        double[] ms = new double[iters];
        long allocBefore = allocatedBytesAllThreads();
        for (int i = 0; i < iters; i++) {
            long t0 = System.nanoTime();
            s.run();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        long allocPerRun = (allocatedBytesAllThreads() - allocBefore) / iters;
        double[] sorted = ms.clone();
        Arrays.sort(sorted);
        double min = sorted[0], median = percentile(sorted, 0.5), p90 = percentile(sorted, 0.9);
        long macs = s.plan().macs();
        double gflops = 2.0 * macs / (median / 1e3) / 1e9;
        double imagesPerSec = batch * 1000.0 / median;
        long peakHeap = peakHeapBytes();
        out.printf("model %s  backend %s  threads %d  batch %d  (%d iterations after %d warm-up)%n",
                label, backend.name(), backend.threads(), batch, iters, warmed);
        String device = Common.deviceOf(backend);
        if (device != null) out.println("device:     " + device);
        out.printf("latency ms: min %.2f  median %.2f  p90 %.2f%n", min, median, p90);
        // -Dmien.bench.series=true: every timed run in order, to tell drift, periodic stalls and noise apart.
        if (Boolean.getBoolean("mien.bench.series")) {
            StringBuilder sb = new StringBuilder("runs ms:   ");
            for (double m : ms) sb.append(String.format(java.util.Locale.ROOT, " %.1f", m));
            out.println(sb);
        }
        out.printf("throughput: %.1f images/s%n", imagesPerSec);
        out.printf("compute:    %.3f GMAC/image, %.1f GFLOP/s = %.1f%% of the %.0f GFLOP/s measured fp32 FMA ceiling%n",
                macs / 1e9 / batch, gflops, 100 * gflops / peak, peak);
        out.printf("memory:     weights %.1f MiB packed%s, activations %.1f MiB, peak heap %.1f MiB, allocated per run %s%n",
                model.packedWeightBytes() / 1048576.0, mapped(model) ? " (mapped)" : "",
                s.plan().activationBytes() / 1048576.0, peakHeap / 1048576.0, allocPerRun < 0 ? "n/a" : allocPerRun + " bytes");
        if (a.flag("profile")) {
            if (Common.runsOnDevice(backend)) printDeviceProfile(s, backend, iters, out);
            else printProfile(s, iters, out);
        }
        double checked = original != null && Common.runsOnDevice(backend) ? checkAgainstCpu(original, s, inputs, out) : -1;
        if (a.flag("json")) {
            ObjectNode j = new ObjectMapper().createObjectNode();
            if (device != null) j.put("device", device);
            j.put("model", label).put("backend", backend.name()).put("threads", backend.threads()).put("batch", batch)
                    .put("iterations", iters).put("min_ms", min).put("median_ms", median).put("p90_ms", p90)
                    .put("images_per_s", imagesPerSec).put("gmac_per_image", macs / 1e9 / batch).put("gflops", gflops)
                    .put("peak_gflops", peak).put("percent_of_peak", 100 * gflops / peak)
                    .put("packed_weight_bytes", model.packedWeightBytes()).put("activation_bytes", s.plan().activationBytes()).put("peak_heap_bytes", peakHeap)
                    .put("allocated_bytes_per_run", allocPerRun);
            if (checked >= 0) j.put("max_abs_diff_vs_cpu", checked);
            out.println(j.toString());
        }
    }

    /** Uniform [0, 1) inputs for every graph input at the session's batch size, set on the session; returned by name. */
    public static java.util.Map<String, float[]> randomInputs(Graph g, Session s, Random r) {
        java.util.Map<String, float[]> inputs = new java.util.LinkedHashMap<>();
        for (ValueInfo in : g.inputs()) {
            float[] x = new float[s.batch() * Arrays.stream(in.sampleShape()).reduce(1, (p, q) -> p * q)];
            for (int i = 0; i < x.length; i++) x[i] = r.nextFloat();
            s.setInput(in.name(), x);
            inputs.put(in.name(), x);
        }
        return inputs;
    }

    /** Whether any packed weight is read from a mapped file. */
    private static boolean mapped(Model m) {
        return m.packedWeights().values().stream().anyMatch(p -> p.segment().isMapped());
    }

    /**
     * A plan on a device runs as one program, so its steps have no separate wall times: shows how
     * each step runs (a device kernel, or a host step, listed by name) and the whole run's time.
     */
    static void printDeviceProfile(Session s, Backend backend, int runs, PrintStream out) {
        List<String> names = s.plan().stepNames(), ops = s.plan().stepOps(), kernels = s.plan().stepKernels();
        List<dev.mien.engine.runtime.StepKind> kinds = s.plan().stepKinds();
        long t0 = System.nanoTime();
        for (int i = 0; i < runs; i++) s.run();
        double perRun = (System.nanoTime() - t0) / 1e6 / runs;
        java.util.Map<String, Integer> device = new java.util.TreeMap<>();
        List<String> host = new java.util.ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            if (kinds.get(i) == dev.mien.engine.runtime.StepKind.HOST) host.add(names.get(i) + " (" + ops.get(i) + ", host step " + kernels.get(i) + ")");
            else device.merge(ops.get(i), 1, Integer::sum);
        }
        out.printf("profile (%s, one device program per run; mean of %d runs, %.2f ms per run):%n", backend.name(), runs, perRun);
        out.printf("  %d of %d steps run as device kernels: %s%n", names.size() - host.size(), names.size(), device);
        out.println("  host steps: " + (host.isEmpty() ? "none" : host.size() + ": " + String.join(", ", host)));
        out.println("  (the steps run back to back on the device: per-step times are not measured there)");
    }

    /** Per-step wall times over {@code runs} more runs: totals by op and by convolution algorithm, then the slowest steps. */
    static void printProfile(Session s, int runs, PrintStream out) {
        List<String> names = s.plan().stepNames(), ops = s.plan().stepOps(), algs = s.plan().stepAlgorithms();
        long[] ns = new long[names.size()];
        for (int i = 0; i < runs; i++) s.runProfiled(ns);
        double total = Arrays.stream(ns).sum() / 1e6 / runs;
        java.util.Map<String, double[]> byOp = new java.util.TreeMap<>();
        for (int i = 0; i < ns.length; i++) {
            double[] t = byOp.computeIfAbsent(ops.get(i), k -> new double[2]);
            t[0] += ns[i] / 1e6 / runs;
            t[1]++;
        }
        out.printf("profile (mean of %d runs, %.2f ms per run%s):%n", runs, total, s.plan().imageLanes() ? "; " + ImageLanes.PROFILE_NOTE : "");
        byOp.entrySet().stream().sorted((x, y) -> Double.compare(y.getValue()[0], x.getValue()[0]))
                .forEach(e -> out.printf("  %-22s %4d steps %8.2f ms %5.1f%%%n", e.getKey(), (int) e.getValue()[1], e.getValue()[0], 100 * e.getValue()[0] / total));
        java.util.Map<String, double[]> byAlg = new java.util.TreeMap<>();
        for (int i = 0; i < ns.length; i++) {
            if (algs.get(i).isEmpty()) continue;
            double[] t = byAlg.computeIfAbsent(algs.get(i), k -> new double[2]);
            t[0] += ns[i] / 1e6 / runs;
            t[1]++;
        }
        byAlg.forEach((k, v) -> out.printf("  conv %-17s %4d steps %8.2f ms %5.1f%%%n", k, (int) v[1], v[0], 100 * v[0] / total));
        Integer[] idx = new Integer[ns.length];
        for (int i = 0; i < idx.length; i++) idx[i] = i;
        Arrays.sort(idx, (x, y) -> Long.compare(ns[y], ns[x]));
        out.println("  slowest steps:");
        int top = Integer.getInteger("mien.profile.top", 20);
        for (int k = 0; k < Math.min(top, idx.length); k++) {
            int i = idx[k];
            double ms = ns[i] / 1e6 / runs;
            long macs = s.plan().stepMacs(i);
            String rate = macs > 0 ? String.format("%6.1f GFLOP/s", 2.0 * macs / (ms / 1e3) / 1e9) : "";
            out.printf("  %8.3f ms %15s  %-16s %-9s %s%n", ms, rate, ops.get(i), algs.get(i), names.get(i));
        }
    }

    static double percentile(double[] sorted, double q) {
        int i = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    /**
     * Heap bytes allocated so far by every live thread (kernel workers included), or -1 where the
     * JVM cannot tell. A warm run should allocate nothing: boxed vectors show up here first.
     */
    static long allocatedBytesAllThreads() {
        if (!(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean mx) || !mx.isThreadAllocatedMemorySupported())
            return -1;
        long sum = 0;
        for (long b : mx.getThreadAllocatedBytes(mx.getAllThreadIds())) if (b > 0) sum += b;
        return sum;
    }

    private static void resetPeaks() {
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) if (p.getType() == MemoryType.HEAP) p.resetPeakUsage();
    }

    private static long peakHeapBytes() {
        long sum = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans())
            if (p.getType() == MemoryType.HEAP && p.getPeakUsage() != null) sum += p.getPeakUsage().getUsed();
        return sum;
    }
}
