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
        Result text = mien("predict", "--model", checkpoint.toString(), "--top", "2", image.toString());
        assertEquals(0, text.code(), text.err());
        assertTrue(text.out().startsWith(image + ":"), text.out());
        Result json = mien("predict", "--model", checkpoint.toString(), "--json", image.toString());
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
        Result r = mien("predict", "--model", named.toString(), "--top", "7", image.toString());
        assertEquals(0, r.code(), r.err());
        for (String l : labels) assertTrue(r.out().contains(" " + l + " "), r.out());
        Result same = mien("predict", "--model", checkpoint.toString(), "--top", "7", image.toString());
        assertEquals(r.out().replaceAll("[a-z]+ ", "").strip(), same.out().replaceAll("[A-Za-z]+ ", "").strip(),
                "same scores as the checkpoint itself: " + r.out() + " vs " + same.out());
        Result overridden = mien("predict", "--model", named.toString(), "--classes", "a,b,c,d,e,f,g", "--top", "7", image.toString());
        assertEquals(0, overridden.code(), overridden.err());
        assertTrue(overridden.out().contains(" a ") && !overridden.out().contains("calm"), overridden.out());

        Path unknown = withCard("unknown", c -> c.withPreprocessing("").withLabels(List.of()));
        Result refused = mien("predict", "--model", unknown.toString(), image.toString());
        assertNotEquals(0, refused.code());
        assertTrue(refused.err().contains("--preprocess"), refused.err());
        Result forced = mien("predict", "--model", unknown.toString(), "--preprocess", "manet", "--top", "7", image.toString());
        assertEquals(0, forced.code(), forced.err());
        assertTrue(forced.out().contains("class_0") && forced.out().contains("class_6"), "unnamed classes: " + forced.out());

        // The card says which output to read: fc_1 instead of the fused logits.
        Path head1 = withCard("head1", c -> c.withOutput("fc_1", false));
        Result fc1 = mien("predict", "--model", head1.toString(), "--json", "--top", "1", image.toString());
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
        Result raw = mien("predict", "--model", probs.toString(), "--json", "--top", "1", image.toString());
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
        assertTrue(out.lines().anyMatch(l -> l.contains("GFLOP/s  CONV2D") && (l.contains(" direct ") || l.contains(" sliced ")
                || l.contains(" inline ") || l.contains(" reference "))), out);
        assertTrue(out.lines().anyMatch(l -> l.trim().startsWith("conv ") && l.contains("steps")), out);
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
                {"predict", "--model", checkpoint.toString(), junk.toString()},
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

    static Path writeNpy(int[] shape) throws Exception {
        Path p = dir.resolve("shape" + java.util.Arrays.toString(shape).hashCode() + ".npy");
        Npy.write(p, Tensor.zeros(shape));
        return p;
    }
}
