package dev.mien.tools.cli;

import dev.mien.engine.Model;
import dev.mien.engine.io.ModelFile;
import dev.mien.engine.ir.Graph;
import dev.mien.formats.LoadOptions;
import dev.mien.formats.ModelFormat;
import dev.mien.formats.ModelLoader;
import dev.mien.kernels.Backend;
import dev.mien.kernels.KernelRegistry;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;

/** Pieces shared by the commands: options common to all, model loading, backend choice. */
final class Common {
    private Common() {}

    static final Set<String> BACKEND_OPTS = Set.of("threads", "kernels", "backend");

    static Set<String> with(Set<String> base, String... more) {
        java.util.HashSet<String> s = new java.util.HashSet<>(base);
        s.addAll(Arrays.asList(more));
        return s;
    }

    /**
     * The backend the options ask for ({@code --backend NAME}, or its older name {@code --kernels}):
     * scalar, vector, or an optional one found on the class path (tornadovm). A bad --threads,
     * MIEN_THREADS or -Dmien.threads, or a backend that is not there, is one line naming it.
     */
    static Backend backend(Args a) {
        String option = a.get("backend") != null ? "backend" : "kernels";
        String name = a.get(option);
        if (a.get("backend") != null && a.get("kernels") != null && !a.get("backend").equalsIgnoreCase(a.get("kernels")))
            throw new CliException("--backend " + a.get("backend") + " and --kernels " + a.get("kernels") + " disagree; give one");
        try {
            int threads = a.get("threads") != null ? KernelRegistry.parseThreads(a.get("threads"), "--threads") : KernelRegistry.defaultThreads();
            Backend b = name == null ? KernelRegistry.auto(threads) : KernelRegistry.create(name, threads);
            // A device backend says where it runs (stderr: stdout may be JSON or a table).
            String device = deviceOf(b);
            if (device != null) System.err.println("mien: backend " + b.name() + " on " + device);
            return b;
        } catch (IllegalArgumentException e) {
            throw new CliException(name == null ? e.getMessage() : "--" + option + " " + name + ": " + e.getMessage());
        }
    }

    /** Whether {@code b} runs whole plans on a device (its sessions record and replay programs). */
    static boolean runsOnDevice(Backend b) {
        try (Backend w = b.newWorkspace()) {
            return w instanceof dev.mien.kernels.DeviceRuns;
        }
    }

    /** What the backend runs on, for the optional ones that say (the device); null for the CPU backends. */
    static String deviceOf(Backend b) {
        for (dev.mien.kernels.BackendProvider p : KernelRegistry.providers())
            if (p.name().equalsIgnoreCase(b.name())) return p.describe();
        return null;
    }

    static Graph loadGraph(Path file, LoadOptions options) {
        return Problems.onIo(file, () -> ModelLoader.load(file, options).graph());
    }

    /** {@code --beta} (MA-Net's head weighting) applied while its checkpoint is read; see {@link #checkBeta}. */
    static LoadOptions loadOptions(Args a) {
        return a.get("beta") == null ? LoadOptions.DEFAULT : LoadOptions.DEFAULT.withBeta(a.floatValue("beta", LoadOptions.DEFAULT.manetBeta()));
    }

    /**
     * Refuses {@code --beta} where it would silently change nothing: a model other than MA-Net
     * has no such parameter, and a converted .mien file has its beta built into the graph.
     */
    static void checkBeta(Args a, Path file, Graph g) {
        if (a.get("beta") == null) return;
        String arch = g.card().architecture();
        if (!"manet".equals(arch))
            throw new CliException(file + ": --beta is MA-Net's head weighting; this model (" + arch + ") has no such parameter");
        if (Problems.onIo(file, () -> ModelFormat.detect(file)) == ModelFormat.MIEN)
            throw new CliException(file + ": --beta was fixed when this .mien file was converted (beta " + g.card().extra().getOrDefault("beta", "?")
                    + "); convert the checkpoint again with --beta");
    }

    /** A runnable model; a {@code .mien} file is memory-mapped, its packed weights used in place. */
    static Model model(Args a, Path file, LoadOptions options) {
        // Options first: a bad thread count is reported before a long load. The model owns the
        // backend it runs on, so closing the model releases it.
        Backend be = backend(a);
        try {
            if (ModelFile.looksLike(file)) {
                Model m = Problems.onIo(file, () -> Model.loadOwning(file, be));
                if (a.get("beta") != null) {
                    m.close();
                    throw new CliException(file + ": --beta was fixed when this .mien file was converted (beta "
                            + m.card().extra().getOrDefault("beta", "?") + "); convert the checkpoint again with --beta");
                }
                return m;
            }
            Graph g = loadGraph(file, options);
            checkBeta(a, file, g);
            return Problems.on(file, () -> Model.owning(g, be));
        } catch (RuntimeException e) {
            be.close();
            throw e;
        }
    }
}
