package dev.mien.formats.keras;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jhdf.WritableHdfFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.mien.formats.keras.ContainerTestFiles.*;
import static org.junit.jupiter.api.Assertions.*;

/** Keras 3 .keras archives built by the test: zip + config + jHDF-written model.weights.h5. */
class ContainerArchiveTest {
    @TempDir Path tmp;

    /** Layer names deliberately differ from Keras' class-based storage keys. */
    static ObjectNode config() {
        ObjectNode head = model("Sequential", "head", layer("Dense", "d1", c -> c.put("units", 2)));
        head.put("module", "keras.src.models.sequential");
        ObjectNode custom = layer("Custom", "many", null);
        return model("Functional", "functional",
                layer("InputLayer", "input_layer", null),
                conv2d("my_conv", 2),
                operation("Split", "split", true),
                conv2d("conv2d", 2),
                custom,
                head);
    }

    /** The weights file as Keras 3 writes it; {@code nameAttrs} adds the vars groups' name attribute. */
    private byte[] weights(String tag, boolean nameAttrs, String layerToDrop) throws Exception {
        return writeHdf5(tmp.resolve(tag + ".weights.h5"), (WritableHdfFile f) -> {
            // Keras also writes an empty root group "vars"; jHDF 0.9.4's writer produces an unreadable
            // file for an empty group beside other root children, so the test leaves it out.
            // storage key -> layer name; the first Conv2D ("my_conv") is stored as conv2d, the second ("conv2d") as conv2d_1
            put(f, "layers/input_layer", nameAttrs ? "input_layer" : null, 0, 0);
            if (!"my_conv".equals(layerToDrop)) put(f, "layers/conv2d", nameAttrs ? "my_conv" : null, 2, 100);
            put(f, "layers/conv2d_1", nameAttrs ? "conv2d" : null, 2, 200);
            put(f, "layers/custom", nameAttrs ? "many" : null, 12, 300);
            put(f, "layers/sequential/layers/dense", nameAttrs ? "d1" : null, 2, 400);
        });
    }

    /** A vars group with n one-element datasets holding start, start+1, ... */
    private static void put(WritableHdfFile f, String path, String name, int n, int start) {
        putGroupPath(f, path + "/vars", g -> {
            if (name != null) g.putAttribute("name", name);
            for (int i = 0; i < n; i++) g.putDataset(Integer.toString(i), new float[] {start + i});
        });
    }

    private Path archive(String tag, boolean nameAttrs, String drop) throws Exception {
        Path file = tmp.resolve(tag + ".keras");
        writeZip(file, archiveEntries(config().toString(), weights(tag, nameAttrs, drop)), tag.contains("stored"));
        return file;
    }

    @Test
    void mapsLayerNamesToClassBasedStorageKeys() throws Exception {
        for (boolean nameAttrs : new boolean[] {false, true}) {
            for (String tag : List.of("deflated", "stored")) {
                Path file = archive(tag + nameAttrs, nameAttrs, null);
                KerasModelFile m = KerasFiles.open(file);
                assertInstanceOf(KerasArchiveFile.class, m);
                assertEquals("keras", m.format());
                assertEquals("3.99.0", m.kerasVersion());
                assertEquals(config(), JSON.readTree(m.modelConfigJson()));
                assertArrayEquals(new float[] {100}, m.layerWeights(List.of("my_conv")).get(0).data());
                assertArrayEquals(new float[] {201}, m.layerWeights(List.of("conv2d")).get(1).data());
                assertEquals(List.of("layers/conv2d_1/vars/0", "layers/conv2d_1/vars/1"), m.layerWeightNames(List.of("conv2d")));
                assertArrayEquals(new float[] {401}, m.layerWeights(List.of("head", "d1")).get(1).data());
                assertEquals("layers/sequential/layers/dense", ((KerasArchiveFile) m).storagePath(List.of("head", "d1")));
                assertTrue(m.layerWeights(List.of("input_layer")).isEmpty());
                assertTrue(m.layerWeights(List.of("split")).isEmpty());
            }
        }
    }

    @Test
    void variablesComeInNumericOrder() throws Exception {
        KerasModelFile m = KerasFiles.open(archive("order", false, null));
        var many = m.layerWeights(List.of("many"));
        assertEquals(12, many.size());
        for (int i = 0; i < 12; i++) assertEquals(300 + i, many.get(i).data()[0], "vars/" + i);
    }

    @Test
    void missingLayerStorageAndUnknownLayers() throws Exception {
        Path file = archive("drop", false, "my_conv");
        KerasModelFile m = KerasFiles.open(file);
        var e = assertThrows(KerasFormatException.class, () -> m.layerWeights(List.of("my_conv")));
        assertTrue(e.getMessage().startsWith(file.toString()) && e.getMessage().contains("my_conv"), e.getMessage());
        var u = assertThrows(IllegalArgumentException.class, () -> m.layerWeights(List.of("head", "zzz")));
        assertTrue(u.getMessage().startsWith(file.toString()) && u.getMessage().contains("head/zzz"), u.getMessage());
    }

    @Test
    void malformedArchivesAreRefused() throws Exception {
        byte[] w = weights("m", false, null);
        String cfg = config().toString();
        expectRefusal("noweights", Map.of("config.json", cfg.getBytes(StandardCharsets.UTF_8)), "model.weights.h5");
        expectRefusal("noconfig", Map.of("model.weights.h5", w), "config.json");
        var evil = new java.util.LinkedHashMap<>(archiveEntries(cfg, w));
        evil.put("../../etc/evil", new byte[] {1});
        expectRefusal("traversal", evil, "unsafe name");
        var badJson = archiveEntries("{not json", w);
        expectRefusal("badjson", badJson, "config.json");
        var badH5 = archiveEntries(cfg, "definitely not hdf5".getBytes(StandardCharsets.UTF_8));
        expectRefusal("badh5", badH5, "model.weights.h5");
    }

    @Test
    void zipBombStopsAtTheLimit() throws Exception {
        // ~65 MiB of spaces deflates to ~64 KiB; the reader must stop at its JSON limit, not inflate it all
        byte[] huge = new byte[(int) KerasArchiveFile.MAX_JSON_BYTES + 1024];
        java.util.Arrays.fill(huge, (byte) ' ');
        var entries = archiveEntries("{}", weights("bomb", false, null));
        entries.put("config.json", huge);
        Path file = tmp.resolve("bomb.keras");
        writeZip(file, entries, false);
        assertTrue(java.nio.file.Files.size(file) < 1 << 20);
        var e = assertThrows(KerasFormatException.class, () -> KerasFiles.open(file));
        assertTrue(e.getMessage().contains("config.json"), e.getMessage());
    }

    private void expectRefusal(String tag, Map<String, byte[]> entries, String expected) throws Exception {
        Path file = tmp.resolve(tag + ".keras");
        writeZip(file, entries, false);
        var e = assertThrows(KerasFormatException.class, () -> KerasFiles.open(file), tag);
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains(expected), tag + ": " + e.getMessage());
    }

    @Test
    void snakeCaseFollowsKeras() {
        assertEquals("conv2d", KerasArchiveFile.toSnakeCase("Conv2D"));
        assertEquals("conv2d_transpose", KerasArchiveFile.toSnakeCase("Conv2DTranspose"));
        assertEquals("re_lu", KerasArchiveFile.toSnakeCase("ReLU"));
        assertEquals("global_average_pooling2d", KerasArchiveFile.toSnakeCase("GlobalAveragePooling2D"));
        assertEquals("batch_normalization", KerasArchiveFile.toSnakeCase("BatchNormalization"));
        assertEquals("pwfs", KerasArchiveFile.toSnakeCase("PWFS"));
    }
}
