package dev.mien.tools;

import dev.mien.engine.NetworkCard;
import dev.mien.engine.Tensor;
import dev.mien.engine.ir.Graph;
import dev.mien.engine.io.ModelFile;
import dev.mien.engine.io.Npy;
import dev.mien.engine.passes.Passes;
import dev.mien.formats.ModelLoader;
import dev.mien.formats.manet.ManetGraphBuilder;
import dev.mien.formats.manet.ManetRandomWeights;
import dev.mien.formats.safetensors.Safetensors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** The CLI end to end on a narrow MA-Net generated here (no fixtures needed). */
class CliTest {
    @TempDir static Path dir;
    static Path checkpoint, image;

    record Result(int code, String out, String err) {}

    static Result mien(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8));
        return new Result(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    @BeforeAll
    static void makeModel() throws Exception {
        Map<String, Tensor> sd = ManetRandomWeights.stateDict(new int[]{8, 8, 16, 32, 64}, 7, 11);
        checkpoint = dir.resolve("manet-narrow.safetensors");
        Safetensors.write(checkpoint, sd, Map.of());
        image = dir.resolve("face.png");
        var img = new java.awt.image.BufferedImage(90, 70, java.awt.image.BufferedImage.TYPE_INT_RGB);
        Random r = new Random(3);
        for (int y = 0; y < 70; y++) for (int x = 0; x < 90; x++) img.setRGB(x, y, r.nextInt(1 << 24));
        javax.imageio.ImageIO.write(img, "png", image.toFile());
    }

    @Test
    void convertToOnnxGivesAModelEveryCommandRunsTheSame() throws Exception {
        Path onnx = dir.resolve("converted.onnx");
        Result c = mien("convert", checkpoint.toString(), "-o", onnx.toString());
        assertEquals(0, c.code(), c.err());
        Random r = new Random(5);
        float[] x = new float[3 * 224 * 224];
        for (int i = 0; i < x.length; i++) x[i] = r.nextFloat();
        Path in = dir.resolve("onnx-in.npy");
        Npy.write(in, new Tensor(new int[]{1, 3, 224, 224}, x));
        Path a = dir.resolve("onnx-a"), b = dir.resolve("onnx-b");
        assertEquals(0, mien("run", "--model", checkpoint.toString(), "--input", in.toString(), "--out", a.toString()).code());
        Result run = mien("run", "--model", onnx.toString(), "--input", in.toString(), "--out", b.toString());
        assertEquals(0, run.code(), run.err());
        for (String o : new String[]{"fc_1", "fc_2", "logits"}) {
            Tensor e = Npy.read(a.resolve(o + ".npy")), g = Npy.read(b.resolve(o + ".npy"));
            assertArrayEquals(e.shape(), g.shape(), o);
            for (int i = 0; i < e.size(); i++) assertEquals(e.data()[i], g.data()[i], 1e-4 + 1e-4 * Math.abs(e.data()[i]), o);
        }
        Result inspect = mien("inspect", onnx.toString());
        assertEquals(0, inspect.code(), inspect.err());
        assertTrue(inspect.out().contains("ONNX"), inspect.out());
        // The card travels in the file's metadata: predict needs no --preprocess and prints MA-Net's class names.
        Result p = mien("predict", "--crop", "--model", onnx.toString(), "--top", "7", image.toString());
        Result direct = mien("predict", "--crop", "--model", checkpoint.toString(), "--top", "7", image.toString());
        assertEquals(0, p.code(), p.err());
        assertEquals(direct.out().lines().skip(1).toList().size(), p.out().lines().skip(1).toList().size(), p.out());
        assertTrue(p.out().contains("Happiness"), p.out());
    }

    @Test
    void runWritesOneNpyPerOutput() throws Exception {
        Random r = new Random(1);
        float[] x = new float[2 * 3 * 224 * 224];
        for (int i = 0; i < x.length; i++) x[i] = r.nextFloat();
        Path in = dir.resolve("in.npy");
        Npy.write(in, new Tensor(new int[]{2, 3, 224, 224}, x));
        Path out = dir.resolve("out");
        Result res = mien("run", "--model", checkpoint.toString(), "--input", in.toString(), "--out", out.toString());
        assertEquals(0, res.code(), res.err());
        Tensor fc1 = Npy.read(out.resolve("fc_1.npy")), fc2 = Npy.read(out.resolve("fc_2.npy")), l = Npy.read(out.resolve("logits.npy"));
        assertArrayEquals(new int[]{2, 7}, l.shape());
        for (int i = 0; i < 14; i++) assertEquals(0.6f * fc1.data()[i] + 0.4f * fc2.data()[i], l.data()[i], 1e-6f);
        // the same through the converted model file and the forced scalar kernels
        Path mienFile = dir.resolve("m.mien");
        assertEquals(0, mien("convert", checkpoint.toString(), "-o", mienFile.toString()).code());
        Path out2 = dir.resolve("out2");
        assertEquals(0, mien("run", "--model", mienFile.toString(), "--input", in.toString(), "--out", out2.toString(), "--kernels", "scalar").code());
        Tensor l2 = Npy.read(out2.resolve("logits.npy"));
        for (int i = 0; i < 14; i++) assertEquals(l.data()[i], l2.data()[i], 1e-4 + 1e-4 * Math.abs(l.data()[i]));
    }

    @Test
    void predictPrintsTopClassesAndJson() {
        Result text = mien("predict", "--crop", "--model", checkpoint.toString(), "--top", "2", image.toString());
        assertEquals(0, text.code(), text.err());
        assertTrue(text.out().startsWith(image + ":"), text.out());
        Result json = mien("predict", "--crop", "--model", checkpoint.toString(), "--json", image.toString());
        assertEquals(0, json.code(), json.err());
        String last = json.out().strip();
        assertTrue(last.startsWith("[{\"image\""), last);
        assertTrue(last.contains("\"class\":\"") && last.contains("\"probability\""), last);
    }

    @Test
    void inspectDescribesTheModel() {
        Result r = mien("inspect", checkpoint.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("architecture:  manet"), r.out());
        assertTrue(r.out().contains("input:         input [N, 3, 224, 224] NCHW"), r.out());
        assertTrue(r.out().contains("output:        logits [N, 7]"), r.out());
        assertTrue(r.out().contains("MACs/image"), r.out());
        assertTrue(r.out().contains("convolutions:  {"), r.out());
    }

    /** The narrow MA-Net as a .mien file whose card is changed by {@code edit}. */
    static Path withCard(String name, java.util.function.UnaryOperator<NetworkCard> edit) throws Exception {
        Graph g = ModelLoader.load(checkpoint).graph();
        Path f = dir.resolve(name + ".mien");
        ModelFile.write(f, g.withCard(edit.apply(g.card())));
        return f;
    }

    @Test
    void predictReadsTheCardAndTheOptionsOverrideIt() throws Exception {
        List<String> labels = List.of("calm", "glad", "blue", "awed", "scared", "repelled", "cross");
        Path named = withCard("named", c -> c.withLabels(labels));
        Result r = mien("predict", "--crop", "--model", named.toString(), "--top", "7", image.toString());
        assertEquals(0, r.code(), r.err());
        for (String l : labels) assertTrue(r.out().contains(" " + l + " "), r.out());
        Result same = mien("predict", "--crop", "--model", checkpoint.toString(), "--top", "7", image.toString());
        assertEquals(r.out().replaceAll("[a-z]+ ", "").strip(), same.out().replaceAll("[A-Za-z]+ ", "").strip(),
                "same scores as the checkpoint itself: " + r.out() + " vs " + same.out());
        Result overridden = mien("predict", "--crop", "--model", named.toString(), "--classes", "a,b,c,d,e,f,g", "--top", "7", image.toString());
        assertEquals(0, overridden.code(), overridden.err());
        assertTrue(overridden.out().contains(" a ") && !overridden.out().contains("calm"), overridden.out());

        Path unknown = withCard("unknown", c -> c.withPreprocessing("").withLabels(List.of()));
        Result refused = mien("predict", "--crop", "--model", unknown.toString(), image.toString());
        assertNotEquals(0, refused.code());
        assertTrue(refused.err().contains("--preprocess"), refused.err());
        Result forced = mien("predict", "--crop", "--model", unknown.toString(), "--preprocess", "manet", "--top", "7", image.toString());
        assertEquals(0, forced.code(), forced.err());
        assertTrue(forced.out().contains("class_0") && forced.out().contains("class_6"), "unnamed classes: " + forced.out());

        // The card says which output to read: fc_1 instead of the fused logits.
        Path head1 = withCard("head1", c -> c.withOutput("fc_1", false));
        Result fc1 = mien("predict", "--crop", "--model", head1.toString(), "--json", "--top", "1", image.toString());
        assertEquals(0, fc1.code(), fc1.err());
        float[] x = dev.mien.engine.image.ModelPreprocessing.byName("manet").apply(image).data();
        dev.mien.engine.Model m = dev.mien.engine.Model.load(head1);
        dev.mien.engine.Session s = m.newSession(1, dev.mien.engine.runtime.RunOptions.DEFAULT.withExtraOutputs(List.of("fc_1")));
        float[] scores = s.setInput("input", x).run().output("fc_1").data();
        int best = 0;
        for (int i = 1; i < scores.length; i++) if (scores[i] > scores[best]) best = i;
        assertTrue(fc1.out().contains("\"index\":" + best + ","), "top-1 of fc_1 is " + best + ": " + fc1.out());
        // An output that is already a softmax is not normalised twice: the printed probabilities are the raw values.
        Path probs = withCard("probs", c -> c.withOutput("fc_1", true));
        Result raw = mien("predict", "--crop", "--model", probs.toString(), "--json", "--top", "1", image.toString());
        assertEquals(0, raw.code(), raw.err());
        assertTrue(raw.out().contains("\"probability\":" + scores[best]), "raw " + scores[best] + ": " + raw.out());
    }

    @Test
    void inspectPrintsTheCard() throws Exception {
        Result r = mien("inspect", withCard("inspected", c -> c.withExtra("trained_on", "RAF-DB")).toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("card preprocessing: manet"), r.out());
        assertTrue(r.out().contains("card output: logits (scores; predict applies softmax)"), r.out());
        assertTrue(r.out().contains("card labels: Neutral,Happiness,Sadness,Surprise,Fear,Disgust,Anger"), r.out());
        assertTrue(r.out().contains("card extra beta: 0.6 (double)"), r.out());
        assertTrue(r.out().contains("card extra trained_on: RAF-DB"), r.out());
    }

    @Test
    void benchReportsJsonWithMedian() {
        Result r = mien("bench", "--model", checkpoint.toString(), "--iterations", "2", "--warmup", "1", "--warmup-seconds", "0", "--json");
        assertEquals(0, r.code(), r.err());
        String[] lines = r.out().strip().split("\n");
        String last = lines[lines.length - 1];
        assertTrue(last.startsWith("{") && last.contains("\"median_ms\"") && last.contains("\"allocated_bytes_per_run\""), last);
        assertTrue(r.out().contains("GFLOP/s"), r.out());
    }

    @Test
    void benchProfileListsStepsByOpAndTheSlowestSteps() {
        Result r = mien("bench", "--model", checkpoint.toString(), "--iterations", "2", "--warmup", "1", "--warmup-seconds", "0", "--profile");
        assertEquals(0, r.code(), r.err());
        String out = r.out();
        assertTrue(out.contains("profile (mean of 2 runs"), out);
        // The MA-Net fixture is mostly convolutions: the CONV2D total and a conv step with its rate appear.
        assertTrue(out.lines().anyMatch(l -> l.trim().startsWith("CONV2D") && l.contains("steps")), out);
        assertTrue(out.lines().anyMatch(l -> l.contains("GFLOP/s  CONV2D")), out);
        assertTrue(out.contains("slowest steps:"), out);
        // Each conv step shows the algorithm its plan chose, and the totals per algorithm.
        // (Which algorithms reach the slowest steps depends on the machine: any algorithm's name will do.)
        assertTrue(out.lines().anyMatch(l -> l.contains("GFLOP/s  CONV2D") && java.util.Arrays.stream(dev.mien.kernels.ConvAlgorithm.values())
                .anyMatch(a -> l.contains(" " + a.label() + " "))), out);
        assertTrue(out.lines().anyMatch(l -> l.trim().startsWith("conv ") && l.contains("steps")), out);
    }

    /**
     * {@code --batch 1,2}: both batch sizes timed in one process, each reported per image and the
     * second as a ratio to the first (the median of per-round ratios, with its middle half).
     */
    @Test
    void benchComparesBatchSizesInOneProcess() throws Exception {
        Result r = mien("bench", "--arch", "lanmsff", "--threads", "1", "--batch", "1,2", "--iterations", "3", "--warmup", "1",
                "--warmup-seconds", "0", "--json");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("batches 1, 2 in one process: 3 rounds, each 4 images per batch size"), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("batch    2:") && l.contains("per image vs batch 1:")), r.out());
        String last = r.out().strip().lines().reduce((a, b) -> b).orElseThrow();
        var j = new com.fasterxml.jackson.databind.ObjectMapper().readTree(last);
        assertEquals(2, j.get("batches").size(), last);
        assertEquals(1, j.get("batches").get(0).get("batch").asInt());
        assertEquals(2, j.get("batches").get(1).get("batch").asInt());
        for (var b : j.get("batches")) assertTrue(b.get("median_ms_per_image").asDouble() > 0, last);
        double ratio = j.get("batches").get(1).get("ratio_vs_first").asDouble();
        assertTrue(ratio > 0 && Double.isFinite(ratio), last);
        assertTrue(j.get("batches").get(1).get("ratio_q1").asDouble() <= ratio && ratio <= j.get("batches").get(1).get("ratio_q3").asDouble(), last);
        for (String[] bad : new String[][]{{"1,1", "given twice"}, {"1,x", "'x' is not a batch size"}, {"1,0", "outside 1-4096"}}) {
            Result e = mien("bench", "--arch", "lanmsff", "--batch", bad[0], "--iterations", "1");
            assertEquals(2, e.code(), e.err());
            assertTrue(e.err().startsWith("mien bench: --batch=" + bad[0]) && e.err().contains(bad[1]), e.err());
            assertOneLineErrors(e, 1, bad[0]);
        }
        Result profiled = mien("bench", "--arch", "lanmsff", "--batch", "1,2", "--profile", "--iterations", "1", "--warmup-seconds", "0");
        assertEquals(2, profiled.code(), profiled.err());
        assertTrue(profiled.err().contains("--profile takes one batch size"), profiled.err());
    }

    @Test
    void benchOnAMienFileUsesItsMappedWeights() {
        Path mienFile = dir.resolve("bench.mien");
        assertEquals(0, mien("convert", checkpoint.toString(), "-o", mienFile.toString()).code());
        Result r = mien("bench", "--model", mienFile.toString(), "--iterations", "2", "--warmup", "1", "--warmup-seconds", "0");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("packed (mapped)"), r.out());
    }

    @Test
    void badInputsGiveOneLineErrors() throws Exception {
        Path junk = dir.resolve("junk.pth");
        Files.writeString(junk, "definitely not a checkpoint");
        for (String[] args : new String[][]{
                {"run", "--model", junk.toString(), "--input", junk.toString(), "--out", dir.toString()},
                {"inspect", dir.resolve("missing.pth").toString()},
                {"inspect", junk.toString()},
                {"bench", "--arch", "resnet"},
                {"bench", "--model", checkpoint.toString(), "--batch", "zero"},
                {"frobnicate"},
                {"predict", "--crop", "--model", checkpoint.toString(), junk.toString()},
                {"run", "--model", checkpoint.toString(), "--input", junk.toString(), "--out", dir.toString()},
        }) {
            Result r = mien(args);
            assertNotEquals(0, r.code(), String.join(" ", args));
            String firstLine = r.err().strip().split("\n")[0];
            assertTrue(firstLine.startsWith("mien "), r.err());
            assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
        }
        Result wrongShape = mien("run", "--model", checkpoint.toString(), "--input", writeNpy(new int[]{1, 3, 100, 100}).toString(), "--out", dir.toString());
        assertNotEquals(0, wrongShape.code());
        assertTrue(wrongShape.err().contains("[1, 3, 224, 224]"), wrongShape.err());
    }

    /** One line per failure, "mien <command>: ...", no JVM wording, no stack trace. */
    static void assertOneLineErrors(Result r, int lines, String what) {
        List<String> l = r.err().strip().lines().toList();
        assertEquals(lines, l.size(), what + ": " + r.err());
        for (String line : l) {
            assertTrue(line.startsWith("mien "), what + ": " + line);
            for (String raw : List.of("\tat ", "Exception", "Error:", "out of bounds for length", "For input string", "StackOverflow", "OutOfMemory"))
                assertFalse(line.contains(raw), what + " leaks '" + raw + "': " + line);
        }
    }

    @Test
    void predictKeepsEveryGoodResultAndReportsEachBadImage() throws Exception {
        Path junk = dir.resolve("not-an-image.png");
        Files.writeString(junk, "this is text, not a PNG");
        String missing = dir.resolve("missing.png").toString();
        String[] images = {image.toString(), junk.toString(), missing, image.toString()};

        Result text = mien(concat(new String[]{"predict", "--crop", "--model", checkpoint.toString()}, images));
        assertEquals(1, text.code(), "any failed image makes the exit code 1");
        List<String> good = text.out().strip().lines().toList();
        assertEquals(2, good.size(), text.out());
        for (String l : good) assertTrue(l.startsWith(image + ":"), l);
        assertOneLineErrors(text, 2, "text mode");
        assertTrue(text.err().contains("mien predict: " + junk + ": "), text.err());
        assertTrue(text.err().contains("mien predict: " + missing + ": no such file"), text.err());

        Result json = mien(concat(new String[]{"predict", "--crop", "--model", checkpoint.toString(), "--json"}, images));
        assertEquals(1, json.code());
        assertEquals("", json.err(), "with --json the errors are in the JSON");
        var arr = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.out());
        assertEquals(4, arr.size(), json.out());
        for (int i = 0; i < 4; i++) {
            var r = arr.get(i);
            assertEquals(images[i], r.get("image").asText());
            boolean bad = i == 1 || i == 2;
            assertEquals(bad, r.has("error"), r.toString());
            assertEquals(!bad, r.has("top"), r.toString());
            if (bad) assertFalse(r.get("error").asText().isBlank());
        }
        assertEquals(arr.get(0).get("top"), arr.get(3).get("top"), "the same image gives the same result after a failure");
        assertEquals("no such file", arr.get(2).get("error").asText());
    }

    static String[] concat(String[] a, String[] b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    @Test
    void convertWritesTheFormatTheExtensionNames() throws Exception {
        Path st = dir.resolve("weights.safetensors");
        Result r = mien("convert", checkpoint.toString(), "-o", st.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("weights only"), r.out());
        var original = Safetensors.read(checkpoint);
        var written = Safetensors.read(st);
        assertEquals(original.keySet(), written.keySet(), "the state_dict under PyTorch's names");
        for (String k : original.keySet()) assertArrayEquals(original.get(k).data(), written.get(k).data(), k);
        Result again = mien("predict", "--crop", "--model", st.toString(), "--json", image.toString());
        Result direct = mien("predict", "--crop", "--model", checkpoint.toString(), "--json", image.toString());
        assertEquals(0, again.code(), again.err());
        assertEquals(direct.out(), again.out(), "the written weights load back as the same model");

        // A graph-only model (converted .mien) gives its graph weights, named <node>.<param>.
        Path mienFile = dir.resolve("for-weights.mien");
        assertEquals(0, mien("convert", checkpoint.toString(), "-o", mienFile.toString()).code());
        Path st2 = dir.resolve("graph-weights.safetensors");
        assertEquals(0, mien("convert", mienFile.toString(), "-o", st2.toString()).code());
        var g = Safetensors.read(st2);
        assertFalse(g.isEmpty());
        assertTrue(g.keySet().stream().allMatch(k -> k.contains(".")), g.keySet().toString());

        for (String ext : new String[]{"model.tflite", "model.pth", "model"}) {
            Path bad = dir.resolve(ext);
            Result refused = mien("convert", checkpoint.toString(), "-o", bad.toString());
            assertEquals(2, refused.code(), ext);
            assertOneLineErrors(refused, 1, ext);
            assertTrue(refused.err().contains(".mien") && refused.err().contains(".safetensors"), refused.err());
            assertFalse(Files.exists(bad), "nothing written for " + ext);
        }
    }

    @Test
    void betaIsRefusedWhereItWouldChangeNothing() throws Exception {
        Path lanmsff = dir.resolve("lanmsff.mien");
        ModelFile.write(lanmsff, dev.mien.formats.RandomModels.graph("lanmsff", 1));
        Path mienFile = dir.resolve("beta.mien");
        assertEquals(0, mien("convert", checkpoint.toString(), "-o", mienFile.toString(), "--beta", "0.5").code());
        Path in = writeNpy(new int[]{1, 3, 224, 224});
        Path out = dir.resolve("beta-out");
        Result keras = mien("convert", lanmsff.toString(), "-o", dir.resolve("x.mien").toString(), "--beta", "0.5");
        assertEquals(2, keras.code());
        assertOneLineErrors(keras, 1, "beta on LANMSFF");
        assertTrue(keras.err().contains(lanmsff + ": --beta") && keras.err().contains("no such parameter"), keras.err());
        Result fixed = mien("run", "--model", mienFile.toString(), "--input", in.toString(), "--out", out.toString(), "--beta", "0.9");
        assertEquals(2, fixed.code());
        assertTrue(fixed.err().contains("fixed when this .mien file was converted (beta 0.5)"), fixed.err());
        Result weights = mien("convert", checkpoint.toString(), "-o", dir.resolve("b.safetensors").toString(), "--beta", "0.5");
        assertEquals(2, weights.code());
        assertOneLineErrors(weights, 1, "beta with weights-only output");
        // Where it applies, it still works.
        assertEquals(0, mien("run", "--model", checkpoint.toString(), "--input", in.toString(), "--out", out.toString(), "--beta", "0.9").code());
    }

    @Test
    void optionValuesAndBrokenFilesAreNamedInOneLine() throws Exception {
        Path junk = dir.resolve("junk2.pth");
        Files.writeString(junk, "definitely not a checkpoint");
        Path badNpy = dir.resolve("bad-shape.npy");
        byte[] header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, abc, 3), }".getBytes(StandardCharsets.ISO_8859_1);
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        b.write(new byte[]{(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) (header.length + 1), 0});
        b.write(header);
        b.write('\n');
        Files.write(badNpy, b.toByteArray());
        Object[][] cases = {
                {new String[]{"predict", "--crop", "--model", checkpoint.toString(), "--kernels", "gpu", image.toString()}, "--kernels gpu"},
                {new String[]{"predict", "--crop", "--model", checkpoint.toString(), "--preprocess", "nope", image.toString()}, "--preprocess nope"},
                {new String[]{"predict", "--crop", "--model", checkpoint.toString(), "--top", "many", image.toString()}, "--top"},
                {new String[]{"bench", "--arch", "resnet"}, "--arch resnet"},
                {new String[]{"run", "--model", checkpoint.toString(), "--input", badNpy.toString(), "--out", dir.toString()}, badNpy + ": "},
                {new String[]{"inspect", junk.toString()}, junk + ": "},
                {new String[]{"run", "--model", junk.toString(), "--input", badNpy.toString(), "--out", dir.toString()}, badNpy + ": "},
        };
        for (Object[] c : cases) {
            String[] args = (String[]) c[0];
            Result r = mien(args);
            assertNotEquals(0, r.code(), String.join(" ", args));
            assertOneLineErrors(r, 1, String.join(" ", args));
            assertTrue(r.err().contains((String) c[1]), "names " + c[1] + ": " + r.err());
        }
        Result verbose = mien("--verbose", "inspect", junk.toString());
        assertTrue(verbose.err().contains("\tat "), "--verbose keeps the stack trace: " + verbose.err());
    }

    /**
     * A node the planner refuses (found by mutating a .mien header: an attribute name with a
     * terminal escape) is the model file's problem: predict names the file and quotes the name
     * escaped, in one line.
     */
    @Test
    void aModelRefusedWhenPlannedIsNamedAndQuotedPrintable() throws Exception {
        Path mien = dir.resolve("to-patch.mien");
        assertEquals(0, mien("convert", checkpoint.toString(), "-o", mien.toString()).code());
        byte[] bytes = Files.readAllBytes(mien);
        byte[] from = "strides".getBytes(StandardCharsets.US_ASCII), to = "\u001b[1mdes".getBytes(StandardCharsets.US_ASCII);
        int at = -1;
        for (int i = 0; i + from.length <= bytes.length && at < 0; i++) if (java.util.Arrays.equals(bytes, i, i + from.length, from, 0, from.length)) at = i;
        assertTrue(at > 0, "an attribute named strides in the header");
        System.arraycopy(to, 0, bytes, at, to.length);
        Path patched = dir.resolve("patched.mien");
        Files.write(patched, bytes);
        Result r = mien("predict", "--crop", "--model", patched.toString(), "--preprocess", "manet", image.toString());
        assertNotEquals(0, r.code());
        assertOneLineErrors(r, 1, "predict on " + patched);
        assertTrue(r.err().contains("mien predict: " + patched + ": "), "names the model: " + r.err());
        assertTrue(r.err().contains("unknown attribute '\\u001b[1mdes'"), r.err());
        assertTrue(r.err().chars().noneMatch(c -> c == 0x1b), "no raw escape: " + r.err());
    }

    @Test
    void jvmFailuresAreDescribedNotDumped() {
        Path f = Path.of("model.h5");
        List<Throwable> failures = List.of(new StackOverflowError(), new OutOfMemoryError("Java heap space"),
                new ArrayIndexOutOfBoundsException("Index 0 out of bounds for length 0"), new NumberFormatException("For input string: \"x\""),
                new java.io.IOException("model.h5: Index 7 out of bounds for length 3"), new IllegalStateException(),
                new java.io.EOFException(), new RuntimeException("two\nlines"));
        for (Throwable t : failures) {
            String m = dev.mien.tools.cli.Problems.about(f, t);
            assertTrue(m.startsWith("model.h5: ") && !m.startsWith("model.h5: model.h5"), m);
            assertEquals(1, m.lines().count(), m);
            for (String raw : List.of("out of bounds for length", "For input string", "StackOverflowError", "OutOfMemoryError"))
                assertFalse(m.contains(raw), m);
        }
        var wrapped = assertThrows(dev.mien.tools.cli.CliException.class,
                () -> dev.mien.tools.cli.Problems.on(f, () -> { throw new StackOverflowError(); }));
        assertEquals(1, wrapped.exitCode);
        assertInstanceOf(StackOverflowError.class, wrapped.getCause(), "kept for --verbose");
    }

    static Path writeNpy(int[] shape) throws Exception {
        Path p = dir.resolve("shape" + java.util.Arrays.toString(shape).hashCode() + ".npy");
        Npy.write(p, Tensor.zeros(shape));
        return p;
    }
}
