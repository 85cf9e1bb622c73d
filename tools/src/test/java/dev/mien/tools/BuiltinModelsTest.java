package dev.mien.tools;

import dev.mien.engine.Model;
import dev.mien.engine.NetworkCard;
import dev.mien.engine.Tensor;
import dev.mien.engine.io.BuiltinModels;
import dev.mien.engine.io.ModelFile;
import dev.mien.engine.io.Npy;
import dev.mien.engine.ops.ShapeInference;
import dev.mien.formats.ModelLoader;
import dev.mien.kernels.Backend;
import dev.mien.kernels.KernelRegistry;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shipped models: builtin:NAME resolution, their cards, their outputs against Human (the
 * tensors it saved, committed here) and against oarriaga's Keras checkpoint, and (when the npm
 * files are at hand) that converting Human's files again gives the committed bytes.
 */
class BuiltinModelsTest {
    @TempDir Path tmp;

    @Test
    void builtinNamesResolveThroughTheClassPath() throws IOException {
        assertEquals(List.of("blazeface", "emotion"), BuiltinModels.names());
        assertEquals("builtin:nope: unknown builtin model; available: blazeface, emotion",
                assertThrows(IOException.class, () -> BuiltinModels.source("builtin:nope")).getMessage());
        assertEquals("builtin:../x: unknown builtin model; available: blazeface, emotion",
                assertThrows(IOException.class, () -> BuiltinModels.source("builtin:../x")).getMessage());
        try (URLClassLoader bare = new URLClassLoader(new URL[0], null)) {
            assertEquals("builtin:emotion: no builtin models on the class path (add the dev.mien:mien-default-models artifact)",
                    assertThrows(IOException.class, () -> BuiltinModels.source(bare, "emotion")).getMessage());
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        assertEquals(2, Main.run(new String[]{"inspect", "builtin:nope"}, new PrintStream(out), new PrintStream(err)));
        assertEquals("mien inspect: builtin:nope: unknown builtin model; available: blazeface, emotion", err.toString().strip());
        assertEquals(0, Main.run(new String[]{"inspect", "builtin:blazeface"}, new PrintStream(out), new PrintStream(err)), err.toString());
        assertTrue(out.toString().contains("architecture:  blazeface-back"), out.toString());
        // The model is named as the user gave it, not by the private copy it was read from.
        assertTrue(out.toString().contains("file:          builtin:blazeface (shipped in the jar)"), out.toString());
    }

    @Test
    void theCardsSayWhatTheNetworksAre() throws IOException {
        try (Model m = Model.builtin("emotion")) {
            NetworkCard c = m.card();
            assertEquals("oarriaga-fer2013", c.architecture());
            assertEquals("input_1", c.input());
            assertArrayEquals(new int[]{64, 64, 1}, c.sampleShape());
            assertEquals("keras-gray-pm1", c.preprocessing());
            assertEquals("Identity", c.output());
            assertTrue(c.softmax());
            assertEquals(List.of("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"), c.labels());
        }
        try (Model m = Model.builtin("builtin:blazeface")) {
            NetworkCard c = m.card();
            assertEquals("blazeface-back", c.architecture());
            assertEquals("input", c.input());
            assertArrayEquals(new int[]{256, 256, 3}, c.sampleShape());
            assertEquals(List.of("Identity", "Identity_1", "Identity_2", "Identity_3"), m.outputNames());
            Map<String, int[]> s = ShapeInference.infer(m.graph(), 1).shapes();
            assertArrayEquals(new int[]{1, 512, 1}, s.get("Identity"));
            assertArrayEquals(new int[]{1, 384, 1}, s.get("Identity_1"));
            assertArrayEquals(new int[]{1, 512, 16}, s.get("Identity_2"));
            assertArrayEquals(new int[]{1, 384, 16}, s.get("Identity_3"));
            assertTrue(c.extra().get("input_range").toString().contains("x / 127.5 - 1"));
        }
    }

    /** Human's [896,17]: logits and regressors of the 512 stride-16 anchors, then of the 384 stride-32 ones. */
    static float[] humanDetectorOutput(Map<String, Tensor> out) {
        float[] r = new float[896 * 17];
        for (int a = 0; a < 896; a++) {
            boolean first = a < 512;
            int k = first ? a : a - 512;
            r[a * 17] = out.get(first ? "Identity" : "Identity_1").data()[k];
            System.arraycopy(out.get(first ? "Identity_2" : "Identity_3").data(), k * 16, r, a * 17 + 1, 16);
        }
        return r;
    }

    @Test
    void blazefaceAndEmotionGiveHumansOutputs() throws IOException {
        double worst = 0;
        try (Model bf = Model.builtin("blazeface")) {
            Tensor x = resource("detector_input_12_angry_men.npy.gz");
            float[] want = resource("detector_output_12_angry_men.npy.gz").data();
            worst = Math.max(worst, assertClose(want, humanDetectorOutput(bf.run(Map.of("input", x))), "blazeface"));
        }
        try (Model em = Model.builtin("emotion")) {
            for (int i = 0; i < 5; i++) {
                Tensor x = resource("emotion_input_12_angry_men_" + i + ".npy.gz");
                float[] want = resource("emotion_output_12_angry_men_" + i + ".npy").data();
                worst = Math.max(worst, assertClose(want, em.run(Map.of("input_1", x)).get("Identity").data(), "emotion face " + i));
            }
        }
        System.out.println("builtin models vs Human 3.3.6: max |a-b| = " + worst);
    }

    /** `mien run --model builtin:emotion` writes the raw graph output like any model. */
    @Test
    void theCliRunsABuiltinModel() throws IOException {
        Path in = tmp.resolve("faces.npy");
        Tensor x = resource("emotion_input_12_angry_men_2.npy.gz");
        Npy.write(in, x);
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int code = Main.run(new String[]{"run", "--model", "builtin:emotion", "--input", in.toString(), "--out", tmp.resolve("out").toString()},
                new PrintStream(out), new PrintStream(err));
        assertEquals(0, code, err.toString());
        Tensor y = Npy.read(tmp.resolve("out/Identity.npy"));
        assertArrayEquals(new int[]{1, 7}, y.shape());
        assertClose(resource("emotion_output_12_angry_men_2.npy").data(), y.data(), "mien run builtin:emotion");
    }

    /** `convert --kernels scalar` writes plain weights: a shipped model converts back to its own bytes on any machine. */
    @Test
    void convertWithScalarKernelsIsByteStable() throws IOException {
        Path f = tmp.resolve("again.mien");
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        assertEquals(0, Main.run(new String[]{"convert", "builtin:blazeface", "--kernels", "scalar", "-o", f.toString()},
                new PrintStream(out), new PrintStream(err)), err.toString());
        try (InputStream in = BuiltinModels.class.getClassLoader().getResourceAsStream(BuiltinModels.RESOURCE_DIR + "blazeface.mien")) {
            assertArrayEquals(in.readAllBytes(), Files.readAllBytes(f));
        }
    }

    /** Human's emotion model is oarriaga's fer2013_big_XCEPTION: same outputs as the Keras checkpoint and its TF.js reference. */
    @Test
    void emotionIsOarriagasBigXception() throws IOException {
        Path fx = fixtures().resolve("keras-real");
        Assumptions.assumeTrue(Files.isDirectory(fx), "keras-real fixtures not found at " + fx + "; skipping the cross-check");
        try (Model em = Model.builtin("emotion");
             Model keras = Model.of(ModelLoader.load(fx.resolve("fer2013_big_XCEPTION.54-0.66.hdf5")).graph())) {
            for (String img : List.of("12_angry_men", "emotion_classification", "test_image")) {
                Tensor x = Npy.read(fx.resolve("input_" + img + ".npy"));
                float[] got = em.run(Map.of("input_1", x)).get("Identity").data();
                assertClose(Npy.read(fx.resolve("output_fer2013_big_XCEPTION_" + img + ".npy")).data(), got, "TF.js reference " + img);
                assertClose(keras.run(x).values().iterator().next().data(), got, "Keras import " + img);
            }
        }
    }

    /** With Human's npm files at hand, conversion gives the committed bytes (what default-models/rederive.sh checks). */
    @Test
    void convertingHumansFilesAgainGivesTheCommittedBytes() throws IOException {
        Path npm = humanModels();
        Assumptions.assumeTrue(npm != null, "Human's npm model files not found (set -Dmien.human.models=DIR with blazeface.json/.bin, emotion.json/.bin); skipping");
        for (String name : List.of("blazeface", "emotion")) {
            Path f = tmp.resolve(name + ".mien");
            try (Backend scalar = KernelRegistry.create("scalar", 1)) {
                ModelFile.write(f, ModelLoader.load(npm.resolve(name + ".json")).graph(), scalar);
            }
            byte[] shipped;
            try (InputStream in = BuiltinModels.class.getClassLoader().getResourceAsStream(BuiltinModels.RESOURCE_DIR + name + ".mien")) {
                shipped = in.readAllBytes();
            }
            assertArrayEquals(shipped, Files.readAllBytes(f), name + ".mien differs from a fresh conversion of " + npm);
        }
    }

    /** Opt-in: every detector / emotion pair run.mjs saved in -Dmien.human.out (or MIEN_HUMAN_OUT). */
    @Test
    void everyPairHumanSavedMatches() throws IOException {
        String dir = System.getProperty("mien.human.out", System.getenv("MIEN_HUMAN_OUT"));
        Assumptions.assumeTrue(dir != null && Files.isDirectory(Path.of(dir)), "set -Dmien.human.out=DIR (run.mjs output) to check every saved pair");
        List<Path> pairs = new ArrayList<>();
        try (var s = Files.list(Path.of(dir))) { s.filter(p -> p.getFileName().toString().matches("(detector|emotion)_input_.*\\.npy")).sorted().forEach(pairs::add); }
        double worst = 0;
        try (Model bf = Model.builtin("blazeface"); Model em = Model.builtin("emotion")) {
            for (Path in : pairs) {
                Path want = in.resolveSibling(in.getFileName().toString().replace("_input_", "_output_"));
                Tensor x = Npy.read(in);
                float[] got = in.getFileName().toString().startsWith("detector")
                        ? humanDetectorOutput(bf.run(Map.of("input", x))) : em.run(Map.of("input_1", x)).get("Identity").data();
                worst = Math.max(worst, assertClose(Npy.read(want).data(), got, in.toString()));
            }
        }
        System.out.println(pairs.size() + " Human pairs: max |a-b| = " + worst);
        assertTrue(!pairs.isEmpty(), "no pairs in " + dir);
    }

    // ---- helpers ------------------------------------------------------------------------

    /** Checks |a-b| <= 1e-4 + 1e-4|b| and the same argmax; returns the largest difference. */
    static double assertClose(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what + ": size");
        double worst = 0;
        int wi = 0, gi = 0;
        for (int i = 0; i < want.length; i++) {
            double d = Math.abs(got[i] - want[i]);
            assertTrue(d <= 1e-4 + 1e-4 * Math.abs(want[i]), what + "[" + i + "]: " + got[i] + " vs " + want[i]);
            worst = Math.max(worst, d);
            if (want[i] > want[wi]) wi = i;
            if (got[i] > got[gi]) gi = i;
        }
        assertEquals(wi, gi, what + ": top-1");
        return worst;
    }

    private Tensor resource(String name) throws IOException {
        try (InputStream raw = getClass().getResourceAsStream("/human-ref/" + name)) {
            if (raw == null) throw new IOException("missing test resource human-ref/" + name);
            InputStream in = name.endsWith(".gz") ? new GZIPInputStream(raw) : raw;
            Path f = tmp.resolve(name.replace(".gz", ""));
            Files.copy(in, f, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            return Npy.read(f);
        }
    }

    static Path fixtures() {
        String p = System.getProperty("mien.fixtures", System.getenv("MIEN_FIXTURES"));
        return p != null && !p.isBlank() ? Path.of(p) : Path.of("").toAbsolutePath().resolve("../../shared/fixtures").normalize();
    }

    private static Path humanModels() {
        String p = System.getProperty("mien.human.models", System.getenv("MIEN_HUMAN_MODELS"));
        for (String c : new String[]{p, "/tmp/npm-human/package/models"}) {
            if (c == null) continue;
            Path d = Path.of(c);
            if (Files.isRegularFile(d.resolve("blazeface.json")) && Files.isRegularFile(d.resolve("emotion.bin"))) return d;
        }
        return null;
    }
}
