package dev.mien.formats.keras;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mien.engine.Tensor;
import dev.mien.formats.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** Reads every Keras fixture file and checks each layer's weights against its config. */
class ContainerFixtureTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static Stream<Arguments> fixtureFiles() {
        return Stream.of(
                Arguments.of("keras-real", "fer2013_big_XCEPTION.54-0.66.hdf5"),
                Arguments.of("keras-real", "fer2013_mini_XCEPTION.102-0.66.hdf5"),
                Arguments.of("keras-real", "gender_mini_XCEPTION.21-0.95.hdf5"),
                Arguments.of("keras-real", "mini_XCEPTION_KDEF.hdf5"),
                Arguments.of("keras-real", "tiny_XCEPTION_KDEF.hdf5"),
                Arguments.of("lanmsff", "lanmsff.h5"),
                Arguments.of("lanmsff", "lanmsff.keras"),
                Arguments.of("patt-lite", "patt-lite.h5"));
    }

    @ParameterizedTest(name = "{0}/{1}")
    @MethodSource("fixtureFiles")
    void everyWeightedLayerHasPlausibleWeights(String folder, String file) throws Exception {
        Path path = Fixtures.dir(folder).resolve(file);
        KerasModelFile model = KerasFiles.open(path);
        assertEquals(file.endsWith(".keras") ? "keras" : "h5", model.format());
        assertEquals(path.toString(), model.source());
        JsonNode config = JSON.readTree(model.modelConfigJson());
        assertTrue(config.path("class_name").isTextual(), "config has a class_name");
        JsonNode manifest = JSON.readTree(Fixtures.dir(folder).resolve("manifest.json").toFile());
        String expectedVersion = expectedKerasVersion(manifest, file);
        if (expectedVersion != null) assertEquals(expectedVersion, model.kerasVersion());

        LayerShapeChecker checker = new LayerShapeChecker(model);
        checker.checkModel(config, List.of());
        assertTrue(checker.weightedLayers > 0, "found weight-bearing layers");
        Long expectedParams = expectedParameters(manifest, file);
        if (expectedParams != null) assertEquals(expectedParams.longValue(), checker.parameters, "total parameters");
    }

    @Test
    void lanmsffH5AndKerasArchiveHoldIdenticalWeights() throws Exception {
        Path dir = Fixtures.dir("lanmsff");
        KerasModelFile h5 = KerasFiles.open(dir.resolve("lanmsff.h5"));
        KerasModelFile zip = KerasFiles.open(dir.resolve("lanmsff.keras"));
        JsonNode config = JSON.readTree(zip.modelConfigJson());
        int compared = 0;
        for (JsonNode layer : config.path("config").path("layers")) {
            List<String> path = List.of(layer.path("name").asText());
            List<Tensor> a = h5.layerWeights(path), b = zip.layerWeights(path);
            assertEquals(a.size(), b.size(), "weight count of " + path);
            for (int i = 0; i < a.size(); i++) {
                assertArrayEquals(a.get(i).shape(), b.get(i).shape(), "shape of " + path + "[" + i + "]");
                assertArrayEquals(a.get(i).data(), b.get(i).data(), "values of " + path + "[" + i + "]");
                compared++;
            }
        }
        assertTrue(compared > 50, "compared " + compared + " tensors");
    }

    @Test
    void pattLiteNestedModelsGiveSublayerWeights() throws Exception {
        Path file = Fixtures.dir("patt-lite").resolve("patt-lite.h5");
        KerasModelFile model = KerasFiles.open(file);
        List<Tensor> conv1 = model.layerWeights(List.of("base_model", "conv1"));
        assertEquals(1, conv1.size());
        assertEquals(4, conv1.get(0).rank());
        assertEquals(List.of("conv1/kernel:0"), model.layerWeightNames(List.of("base_model", "conv1")));
        assertEquals(List.of("conv1_bn/gamma:0", "conv1_bn/beta:0", "conv1_bn/moving_mean:0", "conv1_bn/moving_variance:0"),
                model.layerWeightNames(List.of("base_model", "conv1_bn")));
        List<String> sep = model.layerWeightNames(List.of("patch_extraction", "separable_conv2d"));
        assertEquals(List.of("separable_conv2d/depthwise_kernel:0", "separable_conv2d/pointwise_kernel:0",
                "separable_conv2d/bias:0"), sep);
        assertEquals(List.of("batch_normalization/gamma:0", "batch_normalization/beta:0",
                        "batch_normalization/moving_mean:0", "batch_normalization/moving_variance:0"),
                model.layerWeightNames(List.of("pre_classification", "batch_normalization")));
        List<Tensor> scale = model.layerWeights(List.of("attention"));
        assertEquals(1, scale.size());
        assertEquals(0, scale.get(0).rank(), "Attention scale is a 0-d dataset");
        assertTrue(model.layerWeights(List.of("base_model", "conv1_relu")).isEmpty());
    }

    @Test
    void unknownLayerPathsAreRejectedNamingTheFile() throws Exception {
        for (String f : List.of("lanmsff.h5", "lanmsff.keras")) {
            Path file = Fixtures.dir("lanmsff").resolve(f);
            KerasModelFile model = KerasFiles.open(file);
            var e = assertThrows(IllegalArgumentException.class, () -> model.layerWeights(List.of("no_such_layer")));
            assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
            assertTrue(e.getMessage().contains("no_such_layer"), e.getMessage());
            // Keras 3 operations are listed in the config but hold no weights in either format
            assertTrue(model.layerWeights(List.of("split")).isEmpty());
        }
    }

    @Test
    void kerasArchiveStoragePathsFollowClassNames() throws Exception {
        KerasArchiveFile zip = (KerasArchiveFile) KerasFiles.open(Fixtures.dir("lanmsff").resolve("lanmsff.keras"));
        assertEquals("layers/conv2d", zip.storagePath(List.of("conv2d")));
        assertEquals(List.of("layers/batch_normalization/vars/0", "layers/batch_normalization/vars/1",
                        "layers/batch_normalization/vars/2", "layers/batch_normalization/vars/3"),
                zip.layerWeightNames(List.of("batch_normalization")));
    }

    private static String expectedKerasVersion(JsonNode manifest, String file) {
        for (JsonNode m : manifest.path("models")) if (file.equals(m.path("file").asText())) return m.path("keras_version").asText();
        if (file.endsWith(".keras")) {
            JsonNode v = manifest.path("file_formats").path("keras").path("metadata.json").path("keras_version");
            return v.isTextual() ? v.asText() : null;
        }
        return null;
    }

    private static Long expectedParameters(JsonNode manifest, String file) {
        for (JsonNode m : manifest.path("models"))
            if (file.equals(m.path("file").asText()) && m.path("parameters").isNumber()) return m.path("parameters").asLong();
        JsonNode total = manifest.path("keras_summary").path("total_params");
        return total.isNumber() ? total.asLong() : null;
    }

    /** Walks a model config (recursing into nested models) and checks each layer's weights. */
    private static final class LayerShapeChecker {
        private static final List<String> WEIGHTLESS = List.of("InputLayer", "Activation", "ReLU", "Add", "Multiply",
                "Concatenate", "MaxPooling2D", "AveragePooling2D", "GlobalAveragePooling2D", "Dropout",
                "SpatialDropout2D", "Reshape", "Flatten", "ZeroPadding2D", "Resizing", "RandomFlip",
                "RandomContrast", "TFOpLambda", "Lambda", "Split");
        final KerasModelFile model;
        int weightedLayers;
        long parameters;

        LayerShapeChecker(KerasModelFile model) { this.model = model; }

        void checkModel(JsonNode modelConfig, List<String> prefix) throws Exception {
            JsonNode cfg = modelConfig.path("config");
            JsonNode layers = cfg.isArray() ? cfg : cfg.path("layers");
            assertTrue(layers.isArray() && !layers.isEmpty(), "layers listed for " + prefix);
            for (JsonNode layer : layers) {
                String name = layer.has("name") ? layer.path("name").asText() : layer.path("config").path("name").asText();
                List<String> path = new ArrayList<>(prefix);
                path.add(name);
                JsonNode inner = layer.path("config");
                if (inner.path("layers").isArray()) {
                    checkModel(layer, path);
                    continue;
                }
                checkLayer(layer.path("class_name").asText(), inner, path, model.layerWeights(path));
            }
        }

        private void checkLayer(String cls, JsonNode c, List<String> path, List<Tensor> w) throws Exception {
            String where = String.join("/", path) + " (" + cls + ") " + model.layerWeightNames(path);
            for (Tensor t : w) parameters += t.size();
            if (!w.isEmpty()) weightedLayers++;
            boolean bias = c.path("use_bias").asBoolean(true);
            switch (cls) {
                case "Conv2D", "Conv2DTranspose" -> {
                    int filters = c.path("filters").asInt();
                    assertEquals(bias ? 2 : 1, w.size(), where);
                    Tensor k = w.get(0);
                    assertEquals(4, k.rank(), where);
                    assertEquals(c.path("kernel_size").get(0).asInt(), k.dim(0), where);
                    assertEquals(c.path("kernel_size").get(1).asInt(), k.dim(1), where);
                    // Conv2D kernels are HWIO; Conv2DTranspose kernels are [kh, kw, out, in]
                    assertEquals(filters, cls.equals("Conv2D") ? k.dim(3) : k.dim(2), where);
                    if (bias) assertArrayEquals(new int[] {filters}, w.get(1).shape(), where);
                }
                case "SeparableConv2D" -> {
                    int filters = c.path("filters").asInt();
                    int mult = c.path("depth_multiplier").asInt(1);
                    assertEquals(bias ? 3 : 2, w.size(), where);
                    Tensor dw = w.get(0), pw = w.get(1);
                    assertEquals(4, dw.rank(), where);
                    assertEquals(c.path("kernel_size").get(0).asInt(), dw.dim(0), where);
                    assertEquals(mult, dw.dim(3), where);
                    assertArrayEquals(new int[] {1, 1, dw.dim(2) * mult, filters}, pw.shape(), where);
                    if (bias) assertArrayEquals(new int[] {filters}, w.get(2).shape(), where);
                }
                case "DepthwiseConv2D" -> {
                    assertEquals(bias ? 2 : 1, w.size(), where);
                    assertEquals(4, w.get(0).rank(), where);
                    assertEquals(c.path("depth_multiplier").asInt(1), w.get(0).dim(3), where);
                }
                case "Dense" -> {
                    int units = c.path("units").asInt();
                    assertEquals(bias ? 2 : 1, w.size(), where);
                    assertEquals(2, w.get(0).rank(), where);
                    assertEquals(units, w.get(0).dim(1), where);
                    if (bias) assertArrayEquals(new int[] {units}, w.get(1).shape(), where);
                }
                case "BatchNormalization" -> {
                    int expected = (c.path("scale").asBoolean(true) ? 1 : 0) + (c.path("center").asBoolean(true) ? 1 : 0) + 2;
                    assertEquals(expected, w.size(), where);
                    for (Tensor t : w) assertArrayEquals(w.get(0).shape(), t.shape(), where);
                    assertEquals(1, w.get(0).rank(), where);
                }
                case "Attention" -> assertEquals(c.path("use_scale").asBoolean(false) ? 1 : 0, w.size(), where);
                default -> {
                    if (WEIGHTLESS.contains(cls)) assertEquals(0, w.size(), where);
                }
            }
            for (Tensor t : w) for (float v : t.data()) assertTrue(Float.isFinite(v), "finite weights in " + where);
        }
    }
}
