package dev.mien.formats.keras;

import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.mien.formats.keras.ImportTestModel.cfg;
import static org.junit.jupiter.api.Assertions.*;

/** Refusals: one exception listing every unsupported layer, Lambdas, weights that do not fit. */
class ImportErrorsTest {

    @Test
    void everyUnsupportedLayerIsListedInOneException() {
        ImportTestModel m = new ImportTestModel(false);
        String x = m.input("in", 8, 8, 3);
        m.layer("Conv2D", "conv_cf", cfg("filters", 2, "kernel_size", 3, "data_format", "channels_first"), x);
        m.layer("LSTM", "lstm", cfg("units", 4), "conv_cf");
        m.layer("ReLU", "relu_odd", cfg("max_value", 3.0), "lstm");
        m.layer("Activation", "gelu", cfg("activation", "gelu"), "relu_odd");
        m.layer("Dense", "dense", cfg("units", 2), "gelu");
        m.output("dense");
        KerasImportException e = assertThrows(KerasImportException.class, () -> KerasImporter.importModel(m.file()));
        assertEquals(4, e.unsupported().size(), e.getMessage());
        for (String name : List.of("conv_cf", "lstm", "relu_odd", "gelu")) assertTrue(e.getMessage().contains("'" + name + "'"), e.getMessage());
        assertTrue(e.getMessage().contains("channels_first"), e.getMessage());
        assertTrue(e.getMessage().contains("test.h5"), e.getMessage());
    }

    @Test
    void lambdaInAGenericModelIsRefused() {
        ImportTestModel m = new ImportTestModel(true);
        String x = m.input("in", 8, 8, 4);
        m.layer("Lambda", "lambda", cfg("function", cfg("class_name", "__lambda__", "config",
                cfg("code", java.util.Base64.getEncoder().encodeToString("reduce_mean keepdims".getBytes()))), "arguments", cfg()), x);
        m.output("lambda");
        KerasImportException e = assertThrows(KerasImportException.class, () -> KerasImporter.importModel(m.file()));
        assertEquals(1, e.unsupported().size());
        assertTrue(e.getMessage().contains("Lambda 'lambda'"), e.getMessage());
    }

    @Test
    void missingWeightsNameTheLayer() {
        ImportTestModel m = new ImportTestModel(false);
        String x = m.input("in", 4, 4, 1);
        m.layer("Conv2D", "conv_a", cfg("filters", 2, "kernel_size", 3, "use_bias", true), x);
        m.output("conv_a");
        KerasImportException e = assertThrows(KerasImportException.class, () -> KerasImporter.importModel(m.file()));
        assertTrue(e.getMessage().contains("conv_a") && e.getMessage().contains("missing weights"), e.getMessage());
    }

    @Test
    void weightShapeMismatchNamesTheLayerAndShapes() {
        ImportTestModel m = new ImportTestModel(false);
        String x = m.input("in", 4, 4, 3);
        m.layer("Conv2D", "conv_b", cfg("filters", 2, "kernel_size", 3, "use_bias", false), x);
        m.output("conv_b").weights("conv_b", new int[]{3, 3, 2, 2});
        KerasImportException e = assertThrows(KerasImportException.class, () -> KerasImporter.importModel(m.file()));
        assertTrue(e.getMessage().contains("conv_b") && e.getMessage().contains("[3, 3, 2, 2]") && e.getMessage().contains("[3, 3, 3, 2]"),
                e.getMessage());
    }

    @Test
    void badConfigsGiveClearErrors() {
        assertThrows(KerasImportException.class, () -> KerasImporter.importModel(ImportTestModel.of("{not json", "2.6.0", java.util.Map.of())));
        assertThrows(KerasImportException.class, () -> KerasImporter.importModel(ImportTestModel.of("{\"class_name\":\"Bogus\"}", "2.6.0", java.util.Map.of())));
        ImportTestModel m = new ImportTestModel(false);
        String x = m.input("in", null, null, 3);
        m.layer("Dropout", "drop", cfg(), x);
        m.output("drop");
        KerasImportException e = assertThrows(KerasImportException.class, () -> KerasImporter.importModel(m.file()));
        assertTrue(e.getMessage().contains("withInputShape"), e.getMessage());
        assertArrayEquals(new int[]{5, 6, 3}, KerasImporter.importModel(m.file(), KerasImportOptions.DEFAULT.withInputShape(5, 6, 3))
                .inputs().get(0).sampleShape());
        ImportTestModel tooSmall = new ImportTestModel(false);
        tooSmall.layer("MaxPooling2D", "pool", cfg("pool_size", 4, "padding", "valid"), tooSmall.input("in", 2, 2, 1));
        tooSmall.output("pool");
        assertThrows(KerasImportException.class, () -> KerasImporter.importModel(tooSmall.file()));
        ImportTestModel unknownExtra = new ImportTestModel(false);
        unknownExtra.layer("Dropout", "drop", cfg(), unknownExtra.input("in", 2));
        unknownExtra.output("drop");
        assertThrows(KerasImportException.class,
                () -> KerasImporter.importModel(unknownExtra.file(), KerasImportOptions.DEFAULT.withExtraOutputs("nope")));
    }

    /** Malformed tensor references (found by mutating lanmsff.keras's config) are one clear refusal, never a NullPointerException. */
    @Test
    void malformedTensorReferencesNameTheLayer() {
        for (String bad : List.of("\"x\"", "{\"shape\":null}", "{\"keras_history\":[\"in\",0]}", "{\"keras_history\":[7,0,0]}",
                "{\"keras_history\":[\"in\",\"zero\",0]}")) {
            ImportTestModel m = new ImportTestModel(true);
            String x = m.input("in", 4, 4, 1);
            m.layer("ReLU", "relu", cfg(), x);
            m.output("relu");
            String config = m.functionalConfig("test_model").toString()
                    .replace("\"config\":{\"shape\":null,\"keras_history\":[\"in\",0,0]}", "\"config\":" + bad);
            assertNotEquals(m.functionalConfig("test_model").toString(), config, "the reference was replaced");
            KerasImportException e = assertThrows(KerasImportException.class, () -> KerasImporter.importModel(m.file(config)), bad);
            assertTrue(e.getMessage().contains("layer 'relu': unreadable tensor reference"), e.getMessage());
            assertTrue(e.getMessage().contains("expected [layer, node, tensor]"), e.getMessage());
        }
        ImportTestModel m = new ImportTestModel(false);
        m.layer("ReLU", "relu", cfg(), m.input("in", 4, 4, 1));
        m.output("relu");
        String config = m.functionalConfig("test_model").toString().replace("\"output_layers\":[[\"relu\",0,0]]", "\"output_layers\":[[\"relu\"]]");
        KerasImportException e = assertThrows(KerasImportException.class, () -> KerasImporter.importModel(m.file(config)));
        assertTrue(e.getMessage().contains("unreadable tensor reference [\"relu\"]"), e.getMessage());
    }

    /** Names from a mangled config are cut (a 1000-character class name) and a long stuck list is counted, not printed. */
    @Test
    void refusalsStayShortWhateverTheConfigHolds() {
        ImportTestModel m = new ImportTestModel(false);
        String x = m.input("in", 4, 4, 1);
        m.layer("X".repeat(1000), "odd", cfg(), x);
        m.output("odd");
        KerasImportException e = assertThrows(KerasImportException.class, () -> KerasImporter.importModel(m.file()));
        assertTrue(e.getMessage().contains("XXX... (1000 chars) 'odd'"), e.getMessage());
        assertTrue(e.getMessage().length() < 300, e.getMessage());

        ImportTestModel ghosts = new ImportTestModel(false);
        ghosts.input("in", 4, 4, 1);
        int n = KerasImporter.STUCK_NAMED + 5;
        for (int i = 0; i < n; i++) ghosts.layer("ReLU", "relu_" + i, cfg(), "relu_" + (i + 1) % n);   // one cycle through all
        ghosts.output("relu_0");
        KerasImportException g = assertThrows(KerasImportException.class, () -> KerasImporter.importModel(ghosts.file()));
        assertTrue(g.getMessage().contains("cannot order layers [relu_0, relu_1"), g.getMessage());
        assertTrue(g.getMessage().contains("relu_9] and 5 more (missing or cyclic inputs)"), g.getMessage());
    }
}
