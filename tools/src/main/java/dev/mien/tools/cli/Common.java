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

    static Backend backend(Args a) {
        int threads = a.intValue("threads", KernelRegistry.defaultThreads(), 1, 1024);
        String name = a.get("kernels");
        try {
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
        if (ModelFile.looksLike(file)) {
            Backend be = backend(a);
            try {
                return Model.load(file, be);
            } catch (IOException e) {
                String m = e.getMessage();
                throw new CliException(m != null && m.contains(file.toString()) ? m : file + ": " + m, 1);
            } catch (RuntimeException e) {
                throw new CliException(file + ": " + e.getMessage(), 1);
            }
        }
        return new Model(loadGraph(file, options), backend(a));
    }
}
