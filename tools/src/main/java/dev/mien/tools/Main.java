package dev.mien.tools;

import dev.mien.tools.cli.BenchCommand;
import dev.mien.tools.cli.CliException;
import dev.mien.tools.cli.ConvertCommand;
import dev.mien.tools.cli.InspectCommand;
import dev.mien.tools.cli.PredictCommand;
import dev.mien.tools.cli.Problems;
import dev.mien.tools.cli.RunCommand;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The {@code mien} command line. */
public final class Main {
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
              inspect  M                 format, architecture, inputs/outputs, parameters, MACs
              convert  M -o FILE         FILE.mien: Mien's optimised model file; FILE.safetensors: weights only
              bench    (--model M | --arch manet|lanmsff|patt-lite) [--batch N] [--threads T]
                       [--iterations I] [--warmup W] [--json]
              help                       this text

            M is a file, a model directory (unzipped Keras archive, TF.js model.json + shards) or a
            builtin model: builtin:blazeface, builtin:emotion (shipped in the jar)

            common options: --threads T, --kernels scalar|vector (convert: scalar writes plain, portable
            weights), --verbose (stack traces on error)
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
                default -> throw new CliException("unknown command '" + cmd + "' (try 'mien help')");
            }
            return 0;
        } catch (CliException e) {
            err.println("mien " + cmd + ": " + Problems.describe(e));
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
