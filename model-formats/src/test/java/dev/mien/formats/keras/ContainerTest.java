package dev.mien.formats.keras;

import dev.mien.engine.Tensor;
import dev.mien.formats.Fixtures;
import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.WritableGroup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.*;

/** The container readers: a generated .keras archive, every fixture file, and broken files. */
class ContainerTest {
    @TempDir Path dir;

    static final String CONFIG = """
            {"class_name": "Sequential", "config": {"name": "s", "layers": [
              {"class_name": "InputLayer", "config": {"name": "in", "batch_shape": [null, 4]}},
              {"class_name": "Dense", "config": {"name": "dense", "units": 3, "activation": "softmax", "use_bias": true}}]}}""";

    /** A Keras 3 archive written here: config.json, metadata.json and an HDF5 weights file made with jHDF. */
    Path archive(byte[] weightsOverride) throws IOException {
        Path h5 = dir.resolve("w.h5");
        try (WritableHdfFile w = HdfFile.write(h5)) {
            WritableGroup vars = w.putGroup("layers").putGroup("dense").putGroup("vars");
            float[][] kernel = new float[4][3];
            for (int i = 0; i < 4; i++) for (int j = 0; j < 3; j++) kernel[i][j] = i - j;
            vars.putDataset("0", kernel);
            vars.putDataset("1", new float[]{0.5f, 0f, -0.5f});
        }
        Path p = dir.resolve("m.keras");
        try (OutputStream os = Files.newOutputStream(p); ZipOutputStream z = new ZipOutputStream(os)) {
            put(z, "config.json", CONFIG.getBytes());
            put(z, "metadata.json", "{\"keras_version\": \"3.5.0\"}".getBytes());
            put(z, "model.weights.h5", weightsOverride != null ? weightsOverride : Files.readAllBytes(h5));
        }
        return p;
    }

    static void put(ZipOutputStream z, String name, byte[] b) throws IOException {
        z.putNextEntry(new ZipEntry(name));
        z.write(b);
        z.closeEntry();
    }

    @Test
    void generatedArchiveReadsAndImports() throws Exception {
        KerasModelFile f = KerasFiles.open(archive(null));
        assertEquals("keras", f.format());
        assertEquals("3.5.0", f.kerasVersion());
        List<Tensor> w = f.layerWeights(List.of("dense"));
        assertEquals(2, w.size());
        assertArrayEquals(new int[]{4, 3}, w.get(0).shape());
        assertEquals(-2f, w.get(0).data()[2]);
        assertTrue(f.layerWeights(List.of("nope")).isEmpty());
        var g = KerasImporter.importModel(f);
        assertEquals(List.of("dense"), g.outputs());
    }

    @Test
    void brokenArchivesAndFilesNameTheFile() throws Exception {
        Path garbageWeights = archive("not an hdf5 file at all".getBytes());
        Path noConfig = dir.resolve("noconfig.keras");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(noConfig))) { put(z, "model.weights.h5", new byte[]{1}); }
        Path empty = dir.resolve("empty.h5");
        Files.write(empty, new byte[0]);
        Path text = dir.resolve("text.h5");
        Files.writeString(text, "hello");
        for (Path p : new Path[]{garbageWeights, noConfig, empty, text}) {
            IOException e = assertThrows(IOException.class, () -> KerasFiles.open(p), p.toString());
            assertTrue(e.getMessage().startsWith(p.toString()), e.getMessage());
        }
    }

    @Test
    void everyFixtureFileOpensAndTruncationsFailCleanly() throws Exception {
        Path lan = Fixtures.dir("lanmsff");
        KerasModelFile h5 = KerasFiles.open(lan.resolve("lanmsff.h5")), ar = KerasFiles.open(lan.resolve("lanmsff.keras"));
        for (String layer : List.of("conv2d", "batch_normalization", "separable_conv2d", "dense", "conv2d_transpose")) {
            List<Tensor> a = h5.layerWeights(List.of(layer)), b = ar.layerWeights(List.of(layer));
            assertEquals(a.size(), b.size(), layer);
            assertFalse(a.isEmpty(), layer);
            for (int i = 0; i < a.size(); i++) assertArrayEquals(a.get(i).data(), b.get(i).data(), layer);
        }
        Path real = Fixtures.dir("keras-real");
        for (String f : List.of("fer2013_mini_XCEPTION.102-0.66.hdf5", "mini_XCEPTION_KDEF.hdf5", "tiny_XCEPTION_KDEF.hdf5",
                "gender_mini_XCEPTION.21-0.95.hdf5", "fer2013_big_XCEPTION.54-0.66.hdf5")) {
            KerasModelFile k = KerasFiles.open(real.resolve(f));
            assertEquals("2.0.5", k.kerasVersion(), f);
            assertEquals(1, k.layerWeights(List.of("conv2d_1")).size(), f);
        }
        KerasModelFile patt = KerasFiles.open(Fixtures.dir("patt-lite").resolve("patt-lite.h5"));
        assertArrayEquals(new int[]{3, 3, 3, 32}, patt.layerWeights(List.of("base_model", "conv1")).get(0).shape());
        for (Path src : new Path[]{lan.resolve("lanmsff.h5"), lan.resolve("lanmsff.keras")}) {
            byte[] bytes = Files.readAllBytes(src);
            for (int cut : new int[]{10, 600, bytes.length / 3, bytes.length - 50}) {
                Path p = dir.resolve("cut" + cut + "-" + src.getFileName());
                Files.write(p, Arrays.copyOf(bytes, cut));
                IOException e = assertThrows(IOException.class, () -> KerasFiles.open(p), p.toString());
                assertTrue(e.getMessage().startsWith(p.toString()), e.getMessage());
            }
        }
    }
}
