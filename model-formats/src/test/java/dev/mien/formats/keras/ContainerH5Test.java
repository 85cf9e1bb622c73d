package dev.mien.formats.keras;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mien.engine.Tensor;
import io.jhdf.WritableHdfFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.mien.formats.keras.ContainerTestFiles.*;
import static org.junit.jupiter.api.Assertions.*;

/** Legacy HDF5 reading on files written by the test itself. */
class ContainerH5Test {
    @TempDir Path tmp;

    /** Functional model: conv (Keras 2.0.5-style "_1" weight dirs), a nested Sequential, a Keras 3 op. */
    static ObjectNode config() {
        ObjectNode sub = model("Sequential", "sub",
                layer("Dense", "dense", c -> c.put("units", 2)),
                layer("BatchNormalization", "bn", null),
                layer("ReLU", "relu", null));
        return model("Functional", "m",
                layer("InputLayer", "input_1", c -> c.remove("trainable")),
                conv2d("conv", 2),
                operation("Split", "split", false),
                sub,
                conv2d("lost", 2));
    }

    /** Writes the model; {@code variant} alters one thing for the error tests. */
    private Path write(String variant) throws Exception {
        Path file = tmp.resolve(variant + ".h5");
        String cfg = config().toString();
        writeHdf5(file, (WritableHdfFile f) -> {
            if (!variant.equals("weightsOnly")) {
                if (variant.equals("bytesConfig")) f.putAttribute("model_config", cfg.getBytes(StandardCharsets.UTF_8));
                else if (variant.equals("badJson")) f.putAttribute("model_config", "{\"class_name\": ");
                else f.putAttribute("model_config", cfg);
                f.putAttribute("keras_version", "2.0.5");
                f.putAttribute("backend", "tensorflow");
            }
            var weights = variant.equals("weightsOnly") ? f : f.putGroup("model_weights");
            if (variant.equals("chunkedNames")) {
                weights.putAttribute("layer_names0", new String[] {"conv"});
                weights.putAttribute("layer_names1", new String[] {"sub"});
            } else {
                weights.putAttribute("layer_names", variant.equals("missingGroup")
                        ? new String[] {"conv", "sub", "ghost"} : new String[] {"conv", "sub"});
            }
            var conv = weights.putGroup("conv");
            conv.putAttribute("weight_names", variant.equals("missingDataset")
                    ? new String[] {"conv_1/kernel:0", "conv_1/bias:0", "conv_1/gone:0"}
                    : new String[] {"conv_1/kernel:0", "conv_1/bias:0"});
            var convVars = conv.putGroup("conv_1");
            convVars.putDataset("kernel:0", new float[][][][] {{{{1f, 2f}}}});
            convVars.putDataset("bias:0", new double[] {0.5, -0.25}); // float64 must come back as fp32
            var sub = weights.putGroup("sub");
            // trainable weights first, then the non-trainable BN statistics, as Keras writes them
            sub.putAttribute("weight_names", new String[] {"dense/kernel:0", "dense/bias:0", "bn/gamma:0",
                    "bn/beta:0", "bn/moving_mean:0", "bn/moving_variance:0"});
            putGroupPath(sub, "dense", g -> {
                g.putDataset("kernel:0", new float[][] {{1, 2}, {3, 4}, {5, 6}});
                g.putDataset("bias:0", new float[] {7, 8});
            });
            putGroupPath(sub, "bn", g -> {
                g.putDataset("gamma:0", new float[] {1, 1});
                g.putDataset("beta:0", new float[] {0, 0});
                g.putDataset("moving_mean:0", new float[] {0.1f, 0.2f});
                g.putDataset("moving_variance:0", new float[] {2, 3});
            });
        });
        return file;
    }

    @Test
    void readsConfigVersionAndWeights() throws Exception {
        for (String variant : List.of("plain", "bytesConfig", "chunkedNames")) {
            Path file = write(variant);
            KerasModelFile m = KerasFiles.open(file);
            assertInstanceOf(KerasH5File.class, m);
            assertEquals("h5", m.format());
            assertEquals("2.0.5", m.kerasVersion());
            assertEquals("tensorflow", ((KerasH5File) m).backend());
            assertEquals(config(), JSON.readTree(m.modelConfigJson()), variant);
            assertEquals(List.of("conv", "sub"), ((KerasH5File) m).storedLayerNames());

            List<Tensor> conv = m.layerWeights(List.of("conv"));
            assertEquals(List.of("conv_1/kernel:0", "conv_1/bias:0"), m.layerWeightNames(List.of("conv")));
            assertArrayEquals(new int[] {1, 1, 1, 2}, conv.get(0).shape());
            assertArrayEquals(new float[] {1f, 2f}, conv.get(0).data());
            assertArrayEquals(new float[] {0.5f, -0.25f}, conv.get(1).data());
        }
    }

    @Test
    void nestedModelSublayersArePickedByName() throws Exception {
        KerasModelFile m = KerasFiles.open(write("plain"));
        List<Tensor> dense = m.layerWeights(List.of("sub", "dense"));
        assertEquals(2, dense.size());
        assertArrayEquals(new int[] {3, 2}, dense.get(0).shape());
        assertArrayEquals(ramp(6, 1), dense.get(0).data());
        assertEquals(List.of("bn/gamma:0", "bn/beta:0", "bn/moving_mean:0", "bn/moving_variance:0"),
                m.layerWeightNames(List.of("sub", "bn")));
        assertArrayEquals(new float[] {2, 3}, m.layerWeights(List.of("sub", "bn")).get(3).data());
        assertTrue(m.layerWeights(List.of("sub", "relu")).isEmpty(), "weightless sublayer");
        assertEquals(6, m.layerWeights(List.of("sub")).size(), "the whole nested model");
    }

    @Test
    void layersWithoutStoredWeights() throws Exception {
        Path file = write("plain");
        KerasModelFile m = KerasFiles.open(file);
        assertTrue(m.layerWeights(List.of("split")).isEmpty(), "Keras 3 operation");
        assertTrue(m.layerWeights(List.of("input_1")).isEmpty(), "input layer");
        var missing = assertThrows(KerasFormatException.class, () -> m.layerWeights(List.of("lost")));
        assertTrue(missing.getMessage().startsWith(file.toString()), missing.getMessage());
        assertTrue(missing.getMessage().contains("lost"), missing.getMessage());
        var unknown = assertThrows(IllegalArgumentException.class, () -> m.layerWeights(List.of("nope")));
        assertTrue(unknown.getMessage().startsWith(file.toString()) && unknown.getMessage().contains("nope"));
        var unknownNested = assertThrows(IllegalArgumentException.class, () -> m.layerWeights(List.of("sub", "nope")));
        assertTrue(unknownNested.getMessage().contains("sub/nope"), unknownNested.getMessage());
        assertThrows(IllegalArgumentException.class, () -> m.layerWeights(List.of()));
    }

    @Test
    void weightsOnlyFileNeedsAConfig() throws Exception {
        Path file = write("weightsOnly");
        var e = assertThrows(KerasFormatException.class, () -> KerasFiles.open(file));
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("model_config") && e.getMessage().contains("weights-only"), e.getMessage());
        KerasH5File m = KerasH5File.openWeights(file, config().toString());
        assertEquals("", m.kerasVersion());
        assertArrayEquals(new float[] {7, 8}, m.layerWeights(List.of("sub", "dense")).get(1).data());
    }

    @Test
    void brokenStructureIsReportedWithTheFileName() throws Exception {
        assertError("missingDataset", "conv_1/gone:0");
        assertError("missingGroup", "ghost");
        assertError("badJson", "not valid JSON");
    }

    private void assertError(String variant, String expected) throws Exception {
        Path file = write(variant);
        var e = assertThrows(KerasFormatException.class, () -> KerasFiles.open(file), variant);
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void inMemoryBytesOpenToo() throws Exception {
        byte[] bytes = Files.readAllBytes(write("plain"));
        KerasH5File m = KerasH5File.open("memory.h5", bytes);
        assertEquals("memory.h5", m.source());
        assertEquals(2, m.layerWeights(List.of("conv")).size());
    }

    @Test
    void contentDecidesTheFormatNotTheExtension() throws Exception {
        Path junk = tmp.resolve("model.h5");
        Files.write(junk, "just some text, not a model".getBytes(StandardCharsets.UTF_8));
        var e = assertThrows(KerasFormatException.class, () -> KerasFiles.open(junk));
        assertTrue(e.getMessage().startsWith(junk.toString()), e.getMessage());
        Path empty = Files.createFile(tmp.resolve("empty.keras"));
        assertThrows(KerasFormatException.class, () -> KerasFiles.open(empty));
        assertThrows(KerasFormatException.class, () -> KerasFiles.open(tmp.resolve("absent.h5")));

        Path renamed = tmp.resolve("renamed.keras");
        Files.copy(write("plain"), renamed);
        assertInstanceOf(KerasH5File.class, KerasFiles.open(renamed));

        // HDF5 allows a user block before the superblock: the signature may sit at 512, 1024, ...
        byte[] withUserBlock = new byte[1024 + 8];
        System.arraycopy(Hdf5Superblock.SIGNATURE, 0, withUserBlock, 1024, 8);
        Path ub = tmp.resolve("userblock.bin");
        Files.write(ub, withUserBlock);
        assertTrue(KerasFiles.isHdf5(ub));
        assertFalse(KerasFiles.isZip(ub));
    }
}
