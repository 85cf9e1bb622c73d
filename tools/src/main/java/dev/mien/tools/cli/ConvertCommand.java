package dev.mien.tools.cli;

import dev.mien.engine.io.ModelFile;
import dev.mien.engine.ir.Graph;
import dev.mien.formats.LoadOptions;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/** {@code mien convert}: any supported checkpoint to one optimised Mien model file. */
public final class ConvertCommand {
    public void run(List<String> argv, PrintStream out) {
        Args a = Args.parse("convert", argv, Set.of("o", "output", "beta"), Set.of());
        if (a.positionals().size() != 1) throw new CliException("expected exactly one model file");
        Path in = Args.existingModel("model", a.positionals().get(0));
        String o = a.get("o", a.get("output"));
        if (o == null) throw new CliException("missing -o FILE");
        Path target = Path.of(o);
        Graph g = Common.loadGraph(in, LoadOptions.DEFAULT.withBeta(a.floatValue("beta", LoadOptions.DEFAULT.manetBeta())));
        try {
            Path parent = target.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            ModelFile.write(target, g);
            out.printf("%s -> %s (%d nodes, %,d parameters, %,d bytes)%n", in, target, g.nodes().size(), g.parameterCount(), Files.size(target));
        } catch (IOException e) {
            throw new CliException(target + ": cannot write (" + e.getMessage() + ")", 1);
        }
    }
}
