package dev.mien.tools;

import dev.mien.tools.cli.BenchCommand;
import dev.mien.tools.cli.CliException;
import dev.mien.tools.cli.ConvertCommand;
import dev.mien.tools.cli.InspectCommand;
import dev.mien.tools.cli.LoadTestCommand;
import dev.mien.tools.cli.PredictCommand;
import dev.mien.tools.cli.Problems;
import dev.mien.tools.cli.RunCommand;
import dev.mien.tools.cli.ServeCommand;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The {@code mien} command line. */
public final class Main {
    /** Longest error line printed: long enough for every unsupported layer of a large model, short enough for a terminal. */
    static final int MAX_MESSAGE = 4000;
    private Main() {}

    static final String USAGE = """
            mien - pure-Java inference for facial-expression recognition networks

            usage: mien <command> [options]

              run      --model M --input X.npy --out DIR [--batch-coupled-attention]
                       run a preprocessed tensor (source framework layout), write DIR/<output>.npy
              predict  [--model M] [--json] [--annotate OUT] [--top K] [--letterbox] [--min-face PX] PHOTO|FOLDER...
                       every face and its expression (BlazeFace + Human's emotion network, as
                       @vladmandic/human 3.3.6): a table per photo, or JSON Lines; --annotate draws
                       boxes and bars into OUT (a .png, or a folder for several photos); --model M
                       replaces the expression network (its own preprocessing on each face's crop)
              predict  --crop --model M [--json] [--top K] [--preprocess NAME] [--classes a,b,...] IMAGE...
                       each image is a face crop: preprocess like the model's authors, print the top
                       classes (a bad image gets an error line, or an "error" entry with --json)
                       predict exits 1 when any image could not be read
              inspect  M [--backend B]   format, architecture, inputs/outputs, parameters, MACs
                                         (with --backend: how each step runs there, device or host)
              convert  M -o FILE         FILE.mien: Mien's optimised model file; FILE.onnx: ONNX; FILE.safetensors: weights only
              bench    (--model M | --arch manet|lanmsff|patt-lite) [--batch N] [--threads T]
                       [--iterations I] [--warmup W] [--json] [--profile]
                       [--compare onnxruntime [--rounds R] [--onnx FILE]]
                       --compare: Mien and ONNX Runtime on the same weights, alternating
                       processes (needs the optional ort module; ./mien builds it);
                       with --profile: both runtimes' time per convolution class
                       --batch 1,8: the batch sizes timed in one process, blocks interleaved;
                       each one's time per image and its ratio to the first's
              serve    [--port 8080] [--host 127.0.0.1] [--model [NAME=]M]... [--max-body 16m]
                       [--max-pixels 40000000] [--queue 32] [--queue-timeout-ms 10000] [--workers 2]
                       [--max-batch 16] [--batch-wait-ms 2] [--drain-seconds 30] [--warmup-seconds 5]
                       HTTP server: POST /v1/faces (image bytes -> faces and expressions JSON), GET /v1/models,
                       /healthz, /metrics, and a page at / to try a photo; Ctrl-C / SIGTERM drain it
              loadtest --image F [--url http://127.0.0.1:8080/v1/faces] [--clients 8] [--seconds 10] [--json]
                       load a local mien serve at 1x and 2x its capacity: p50/p99, throughput, 503s
              help                       this text

            M is a file, a model directory (unzipped Keras archive, TF.js model.json + shards) or a
            builtin model: builtin:blazeface, builtin:emotion (shipped in the jar)

            common options: --threads T, --backend scalar|vector|tornadovm (alias --kernels; convert:
            scalar writes plain, portable weights), --verbose (stack traces on error)
            """;

    public static void main(String[] argv) {
        int code = run(argv, System.out, System.err);
        System.out.flush();
        System.exit(code);
    }

    /** Runs one command; returns the exit code. */
    public static int run(String[] argv, PrintStream out, PrintStream err) {
        List<String> args = new ArrayList<>(Arrays.asList(argv));
        boolean verbose = args.remove("--verbose");
        if (args.isEmpty() || args.get(0).equals("help") || args.get(0).equals("--help") || args.get(0).equals("-h")) {
            out.print(USAGE);
            return args.isEmpty() ? 2 : 0;
        }
        String cmd = args.remove(0);
        try {
            switch (cmd) {
                case "run" -> new RunCommand().run(args, out);
                case "predict" -> { return new PredictCommand().run(args, out, err); }
                case "inspect" -> new InspectCommand().run(args, out);
                case "convert" -> new ConvertCommand().run(args, out);
                case "bench" -> new BenchCommand().run(args, out);
                case "serve" -> { return new ServeCommand().run(args, out, err); }
                case "loadtest" -> new LoadTestCommand().run(args, out);
                default -> throw new CliException("unknown command '" + cmd + "' (try 'mien help')");
            }
            return 0;
        } catch (CliException e) {
            // Messages quote names from files (layers, attributes, layouts): one safe line whatever they hold.
            err.println("mien " + cmd + ": " + dev.mien.engine.io.Printable.line(Problems.describe(e), MAX_MESSAGE));
            if (verbose) e.printStackTrace(err);
            return e.exitCode;
        } catch (Exception | OutOfMemoryError | StackOverflowError e) {
            // Whatever a command did not map itself: still one line, in words (see Problems), and
            // never raw file bytes (control characters, megabytes).
            err.println("mien " + cmd + ": " + dev.mien.engine.io.Printable.clip(Problems.describe(e), 400));
            if (verbose) e.printStackTrace(err);
            return 1;
        }
    }
}
