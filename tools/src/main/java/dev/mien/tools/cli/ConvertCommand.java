package dev.mien.tools.cli;

import dev.mien.engine.Tensor;
import dev.mien.engine.io.ModelFile;
import dev.mien.engine.ir.Graph;
import dev.mien.engine.ir.Node;
import dev.mien.formats.LoadOptions;
import dev.mien.formats.ModelFormat;
import dev.mien.formats.safetensors.Safetensors;
import dev.mien.formats.torch.TorchCheckpoint;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code mien convert}: any supported checkpoint to the format the output's extension names:
 * {@code .mien} (the optimised graph and its weights), {@code .onnx} (the same graph as ONNX,
 * written by Mien's own exporter) or {@code .safetensors} (weights only).
 */
public final class ConvertCommand {
    static final String SUPPORTED = ".mien (optimised graph + weights), .onnx (ONNX opset 13), .safetensors (weights only)";

    public void run(List<String> argv, PrintStream out) {
        Args a = Args.parse("convert", argv, Set.of("o", "output", "beta", "kernels"), Set.of());
        if (a.positionals().size() != 1) throw new CliException("expected exactly one model file");
        Path in = Args.existingModel("model", a.positionals().get(0));
        String o = a.get("o", a.get("output"));
        if (o == null) throw new CliException("missing -o FILE (" + SUPPORTED + ")");
        Path target = Path.of(o);
        String name = target.getFileName() == null ? "" : target.getFileName().toString().toLowerCase(Locale.ROOT);
        boolean safetensors = name.endsWith(".safetensors");
        boolean onnx = name.endsWith(".onnx");
        if (!safetensors && !onnx && !name.endsWith(".mien"))
            throw new CliException(target + ": unsupported output format; supported: " + SUPPORTED);
        if (safetensors && a.get("beta") != null)
            throw new CliException(target + ": --beta changes MA-Net's graph, and a .safetensors output holds weights only; convert to .mien");
        try {
            Path parent = target.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
        } catch (IOException e) {
            throw new CliException(target + ": cannot write (" + Problems.describe(e) + ")", 1, e);
        }
        if (safetensors) writeWeights(in, target, out);
        else writeModel(a, in, target, out);
    }

    private static void writeModel(Args a, Path in, Path target, PrintStream out) {
        Graph g = Common.loadGraph(in, Common.loadOptions(a));
        Common.checkBeta(a, in, g);
        // --kernels scalar packs nothing (plain HWIO weights): the same bytes on every machine, which the
        // shipped default models rely on; the default packs for this machine's vector kernels.
        // ONNX files always hold plain weights in ONNX's layouts, so --kernels changes nothing there.
        try (dev.mien.kernels.Backend be = a.get("kernels") == null ? null : Common.backend(a)) {
            if (target.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".onnx")) dev.mien.formats.onnx.OnnxExporter.write(target, g);
            else if (be == null) ModelFile.write(target, g);
            else ModelFile.write(target, g, be);
            out.printf("%s -> %s (%d nodes, %,d parameters, %,d bytes)%n", in, target, g.nodes().size(), g.parameterCount(), Files.size(target));
        } catch (IOException | RuntimeException e) {
            throw new CliException(target + ": cannot write (" + Problems.describe(e) + ")", 1, e);
        }
    }

    /**
     * A PyTorch checkpoint's state_dict as PyTorch names it (loads back into Mien and into
     * torch); any other model's graph weights as {@code <node>.<param>} in Mien's layouts.
     * The graph itself is not stored: this is an interchange file, not a model file.
     */
    private static void writeWeights(Path in, Path target, PrintStream out) {
        ModelFormat format = Problems.onIo(in, () -> ModelFormat.detect(in));
        Map<String, Tensor> tensors;
        Map<String, String> meta = new LinkedHashMap<>();
        if (format == ModelFormat.PYTORCH_ZIP || format == ModelFormat.PYTORCH_LEGACY || format == ModelFormat.SAFETENSORS) {
            tensors = Problems.onIo(in, () -> format == ModelFormat.SAFETENSORS ? Safetensors.read(in) : TorchCheckpoint.loadStateDict(in));
            meta.put("format", "pt");
        } else {
            Graph g = Common.loadGraph(in, LoadOptions.DEFAULT.withOptimize(false));
            tensors = new LinkedHashMap<>();
            for (Node n : g.nodes())
                for (var e : n.params().entrySet()) tensors.put(n.name() + "." + e.getKey(), e.getValue());
            meta.put("mien_weights", "graph parameters as <node>.<param>; convolutions HWIO, dense [in, out]");
        }
        long params = 0;
        for (Tensor t : tensors.values()) params += t.size();
        try {
            Safetensors.write(target, tensors, meta);
            out.printf("%s -> %s (weights only: %d tensors, %,d parameters, %,d bytes; the graph is not stored, use .mien for a runnable model)%n",
                    in, target, tensors.size(), params, Files.size(target));
        } catch (IOException | RuntimeException e) {
            throw new CliException(target + ": cannot write (" + Problems.describe(e) + ")", 1, e);
        }
    }
}
