package dev.mien.tools;

import dev.mien.engine.Tensor;
import dev.mien.engine.io.ModelFile;
import dev.mien.engine.io.Npy;
import dev.mien.engine.passes.Passes;
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
