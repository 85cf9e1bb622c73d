package dev.mien.tools.cli;

import dev.mien.engine.Model;
import dev.mien.engine.Tensor;
import dev.mien.engine.io.Npy;
import dev.mien.engine.runtime.RunOptions;
import dev.mien.formats.LoadOptions;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code mien run}: a preprocessed tensor in, one .npy per model output out. */
public final class RunCommand {
    public void run(List<String> argv, PrintStream out) {
        Args a = Args.parse("run", argv, Common.with(Common.BACKEND_OPTS, "model", "input", "out", "beta"),
                Set.of("batch-coupled-attention"));
        Path modelPath = Args.existingModel("--model", a.get("model"));
        Path inputPath = Args.existingFile("--input", a.get("input"));
        String outDir = a.get("out");
        if (outDir == null) throw new CliException("missing --out DIR");
        Tensor input;
        try {
            input = Npy.read(inputPath);
        } catch (IOException e) {
            throw new CliException(e.getMessage(), 1);
        }
        LoadOptions lo = LoadOptions.DEFAULT.withBeta(a.floatValue("beta", LoadOptions.DEFAULT.manetBeta()));
        Model model = Common.model(a, modelPath, lo);
        RunOptions ro = RunOptions.DEFAULT.withBatchCoupledAttention(a.flag("batch-coupled-attention"));
        Map<String, Tensor> outputs;
        try {
            outputs = model.run(Map.of(model.graph().inputs().get(0).name(), input), ro);
        } catch (IllegalArgumentException e) {
            throw new CliException(inputPath + ": " + e.getMessage(), 1);
        }
        Path dir = Path.of(outDir);
        try {
            Files.createDirectories(dir);
            for (var e : outputs.entrySet()) {
                Path f = dir.resolve(fileName(e.getKey()) + ".npy");
                Npy.write(f, e.getValue());
                out.println(f + " " + java.util.Arrays.toString(e.getValue().shape()));
            }
        } catch (IOException e) {
            throw new CliException(dir + ": cannot write outputs (" + e.getMessage() + ")", 1);
        }
    }

    /** Output names become file names: keep them readable but safe. */
    static String fileName(String output) { return output.replaceAll("[^A-Za-z0-9._-]", "_"); }
}
