package dev.mien.tools.cli;

import dev.mien.engine.Model;
import dev.mien.engine.io.ModelFile;
import dev.mien.engine.ir.Graph;
import dev.mien.formats.LoadOptions;
import dev.mien.formats.ModelLoader;
import dev.mien.kernels.Backend;
import dev.mien.kernels.KernelRegistry;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;

/** Pieces shared by the commands: options common to all, model loading, backend choice. */
final class Common {
    private Common() {}

    static final Set<String> BACKEND_OPTS = Set.of("threads", "kernels");

    static Set<String> with(Set<String> base, String... more) {
        java.util.HashSet<String> s = new java.util.HashSet<>(base);
        s.addAll(Arrays.asList(more));
        return s;
    }

    /** The backend the options ask for; a bad --threads, MIEN_THREADS or -Dmien.threads is one line naming it. */
    static Backend backend(Args a) {
        String name = a.get("kernels");
        try {
            int threads = a.get("threads") != null ? KernelRegistry.parseThreads(a.get("threads"), "--threads") : KernelRegistry.defaultThreads();
            return name == null ? KernelRegistry.auto(threads) : KernelRegistry.create(name, threads);
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage());
        }
    }

    static Graph loadGraph(Path file, LoadOptions options) {
        try {
            return ModelLoader.load(file, options).graph();
        } catch (IOException e) {
            String m = e.getMessage();
            throw new CliException(m != null && m.contains(file.toString()) ? m : file + ": " + m, 1);
        }
    }

    /** A runnable model; a {@code .mien} file is memory-mapped, its packed weights used in place. */
    static Model model(Args a, Path file, LoadOptions options) {
        // Options first: a bad thread count is reported before a long load. The model owns the
        // backend it runs on, so closing the model releases it.
        Backend be = backend(a);
        try {
            if (ModelFile.looksLike(file)) {
                try {
                    return Model.loadOwning(file, be);
                } catch (IOException e) {
                    String m = e.getMessage();
                    throw new CliException(m != null && m.contains(file.toString()) ? m : file + ": " + m, 1);
                } catch (CliException e) {
                    throw e;
                } catch (RuntimeException e) {
                    throw new CliException(file + ": " + e.getMessage(), 1);
                }
            }
            return Model.owning(loadGraph(file, options), be);
        } catch (RuntimeException e) {
            be.close();
            throw e;
        }
    }
}
