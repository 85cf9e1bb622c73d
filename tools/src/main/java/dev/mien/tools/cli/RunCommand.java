package dev.mien.tools.cli;

import dev.mien.engine.Model;
import dev.mien.engine.Tensor;
import dev.mien.engine.io.Npy;
import dev.mien.engine.runtime.RunOptions;

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
        Tensor input = Problems.onIo(inputPath, () -> Npy.read(inputPath));
        try (Model model = Common.model(a, modelPath, Common.loadOptions(a))) {
            run(a, model, modelPath, input, inputPath, outDir, out);
        }
    }

    private void run(Args a, Model model, Path modelPath, Tensor input, Path inputPath, String outDir, PrintStream out) {
        RunOptions ro = RunOptions.DEFAULT.withBatchCoupledAttention(a.flag("batch-coupled-attention"));
        Map<String, Tensor> outputs;
        try {
            outputs = Problems.on(modelPath, () -> model.run(Map.of(model.graph().inputs().get(0).name(), input), ro));
        } catch (CliException e) {
            // The input's shape or size does not fit the model: the input file is the one to fix.
            if (e.getCause() instanceof IllegalArgumentException iae) throw new CliException(Problems.about(inputPath, iae), 1, iae);
            throw e;
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
