package dev.mien.formats.keras;

import dev.mien.engine.Model;
import dev.mien.engine.Tensor;
import dev.mien.engine.ir.Graph;
import dev.mien.engine.runtime.RunOptions;
import dev.mien.formats.Fixtures;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Parity of imported .h5 fixtures with the reference outputs, read with the test-only HDF5
 * reader (so the importer is checked independently of the container reader).
 */
class ImportParityTest {

    private static void checkOutputs(Tensor want, Tensor got, String what) {
        ImportReference.assertClose(want, got, what);
        int classes = want.dim(-1);
        for (int r = 0; r < want.dim(0); r++)
            assertEquals(ImportLanmsffTest.argmax(want.data(), r * classes, classes), ImportLanmsffTest.argmax(got.data(), r * classes, classes),
                    what + " top-1 of row " + r);
    }

    /** Intermediates: float32 noise grows with depth, so allow a little relative to the map's magnitude. */
    private static void checkActivation(Tensor want, Tensor got, String what) {
        assertNotNull(got, what + " missing");
        assertArrayEquals(want.shape(), got.shape(), what);
        double scale = 0;
        for (float v : want.data()) scale = Math.max(scale, Math.abs(v));
        for (int i = 0; i < want.size(); i++) {
            double tol = 1e-4 + 1e-4 * Math.abs(want.data()[i]) + 2e-5 * scale;
            if (Math.abs(got.data()[i] - want.data()[i]) > tol)
                fail(what + ": index " + i + " expected " + want.data()[i] + " got " + got.data()[i]);
        }
    }

    @Test
    void kerasRealModels() throws Exception {
        Path dir = Fixtures.dir("keras-real");
        Map<String, String> models = new LinkedHashMap<>();
        models.put("fer2013_mini_XCEPTION", "fer2013_mini_XCEPTION.102-0.66.hdf5");
        models.put("mini_XCEPTION_KDEF", "mini_XCEPTION_KDEF.hdf5");
        models.put("tiny_XCEPTION_KDEF", "tiny_XCEPTION_KDEF.hdf5");
        models.put("gender_mini_XCEPTION", "gender_mini_XCEPTION.21-0.95.hdf5");
        models.put("fer2013_big_XCEPTION", "fer2013_big_XCEPTION.54-0.66.hdf5");
        for (var m : models.entrySet()) {
            Graph g = KerasImporter.importModel(KerasFiles.open(dir.resolve(m.getValue())));
            assertEquals("2.0.5", g.card().extra().get("keras_version"));
            Model model = ImportReference.model(g);
            for (String image : List.of("test_image", "12_angry_men", "emotion_classification")) {
                String input = (m.getKey().startsWith("gender") ? "input_gender_" : "input_") + image + ".npy";
                Tensor in = ImportFixtures.npy(dir.resolve(input));
                Tensor got = model.run(Map.of(g.inputs().get(0).name(), in)).get(g.outputs().get(0));
                checkOutputs(ImportFixtures.npy(dir.resolve("output_" + m.getKey() + "_" + image + ".npy")), got, m.getKey() + "/" + image);
            }
        }
    }

    @Test
    void lanmsffH5() throws Exception {
        Path dir = Fixtures.dir("lanmsff");
        Map<String, String> acts = Map.of("b1", "dropout", "b2", "dropout_1", "b3", "dropout_2", "b4", "dropout_3",
                "features", "concatenate_6", "massatt_b2", "multiply", "pwfs_b1", "pwfs", "pwfs_b2", "pwfs_1", "pwfs_b3", "pwfs_2");
        Graph g = KerasImporter.importModel(KerasFiles.open(dir.resolve("lanmsff.h5")),
                KerasImportOptions.DEFAULT.withExtraOutputs(acts.values().toArray(String[]::new)));
        Model model = ImportReference.model(g);
        for (String in : List.of("random", "face")) {
            Map<String, Tensor> out = model.run(Map.of(g.inputs().get(0).name(), ImportFixtures.npy(dir.resolve("input_" + in + ".npy"))));
            checkOutputs(ImportFixtures.npy(dir.resolve("output_" + in + ".npy")), out.get("dense_4"), "lanmsff.h5 " + in);
            for (var e : acts.entrySet())
                checkActivation(ImportFixtures.npy(dir.resolve("act_" + e.getKey() + "_" + in + ".npy")), out.get(e.getValue()), "act_" + e.getKey() + "_" + in);
        }
    }

    @Test
    void pattLite() throws Exception {
        Path dir = Fixtures.dir("patt-lite");
        Map<String, String> acts = new LinkedHashMap<>();
        acts.put("resized", "resize");
        acts.put("preprocessed", "tf.math.subtract_1");
        acts.put("backbone", "base_model");
        acts.put("patch_extraction", "patch_extraction");
        acts.put("gap", "gap");
        acts.put("pre_classification", "pre_classification");
        acts.put("attention", "attention");
        Graph g = KerasImporter.importModel(KerasFiles.open(dir.resolve("patt-lite.h5")),
                KerasImportOptions.DEFAULT.withExtraOutputs(acts.values().toArray(String[]::new)));
        assertEquals(List.of("classification_head", "resize", "tf.math.subtract_1", "base_model", "patch_extraction", "gap",
                "pre_classification", "attention"), g.outputs());
        Model model = ImportReference.model(g);
        String in = g.inputs().get(0).name();

        Map<String, Tensor> face = model.run(Map.of(in, ImportFixtures.npy(dir.resolve("input_face.npy"))));
        checkOutputs(ImportFixtures.npy(dir.resolve("output_face.npy")), face.get("classification_head"), "patt-lite face");
        for (var e : acts.entrySet())
            checkActivation(ImportFixtures.npy(dir.resolve("act_" + e.getKey() + "_face.npy")), face.get(e.getValue()), "act_" + e.getKey() + "_face");

        Tensor random = ImportFixtures.npy(dir.resolve("input_random.npy"));
        Map<String, Tensor> perImage = model.run(Map.of(in, random));
        checkOutputs(ImportFixtures.npy(dir.resolve("output_random_batch1.npy")), perImage.get("classification_head"), "patt-lite per image");

        Map<String, Tensor> coupled = model.run(Map.of(in, random), RunOptions.DEFAULT.withBatchCoupledAttention(true));
        checkOutputs(ImportFixtures.npy(dir.resolve("output_random_coupled.npy")), coupled.get("classification_head"), "patt-lite coupled");
        for (String early : acts.keySet())
            checkActivation(ImportFixtures.npy(dir.resolve("act_" + early + "_random_coupled.npy")), coupled.get(acts.get(early)),
                    "act_" + early + "_random_coupled");
    }

    /** The nested MobileNet alone (its own weight paths), on the reference's preprocessed batch. */
    @Test
    void pattLiteBackboneOnReferencePreprocessedInput() throws Exception {
        Path dir = Fixtures.dir("patt-lite");
        KerasModelFile full = KerasFiles.open(dir.resolve("patt-lite.h5"));
        com.fasterxml.jackson.databind.JsonNode root = new com.fasterxml.jackson.databind.ObjectMapper().readTree(full.modelConfigJson());
        String base = null;
        for (com.fasterxml.jackson.databind.JsonNode l : root.path("config").path("layers"))
            if (l.path("name").asText().equals("base_model")) base = l.toString();
        assertNotNull(base);
        String baseConfig = base;
        KerasModelFile backbone = new KerasModelFile() {
            @Override public String source() { return full.source() + "#base_model"; }
            @Override public String format() { return "h5"; }
            @Override public String kerasVersion() { return full.kerasVersion(); }
            @Override public String modelConfigJson() { return baseConfig; }
            private List<String> nested(List<String> p) { var q = new java.util.ArrayList<>(List.of("base_model")); q.addAll(p); return q; }
            @Override public List<Tensor> layerWeights(List<String> p) throws KerasFormatException { return full.layerWeights(nested(p)); }
            @Override public List<String> layerWeightNames(List<String> p) throws KerasFormatException { return full.layerWeightNames(nested(p)); }
        };
        Graph g = KerasImporter.importModel(backbone);
        assertEquals(List.of("conv_dw_9_relu"), g.outputs());
        for (String which : List.of("face", "random_coupled")) {
            Tensor in = ImportFixtures.npy(dir.resolve("act_preprocessed_" + which + ".npy"));
            Tensor got = ImportReference.model(g).run(Map.of(g.inputs().get(0).name(), in)).get("conv_dw_9_relu");
            checkActivation(ImportFixtures.npy(dir.resolve("act_backbone_" + which + ".npy")), got, "backbone " + which);
        }
    }
}
