package dev.mien.formats.keras;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mien.formats.Fixtures;
import io.jhdf.WritableHdfFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;

import static dev.mien.formats.keras.ContainerTestFiles.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Truncated and bit-flipped files must either still read or fail with a KerasFormatException
 * naming the file: never another exception, never a hang.
 */
class ContainerCorruptionTest {
    @TempDir Path tmp;

    private byte[] generatedH5() throws Exception {
        String cfg = model("Functional", "m", conv2d("conv", 4)).toString();
        return writeHdf5(tmp.resolve("gen.h5"), (WritableHdfFile f) -> {
            f.putAttribute("model_config", cfg);
            f.putAttribute("keras_version", "2.6.0");
            var w = f.putGroup("model_weights");
            w.putAttribute("layer_names", new String[] {"conv"});
            var conv = w.putGroup("conv");
            conv.putAttribute("weight_names", new String[] {"conv/kernel:0", "conv/bias:0"});
            putGroupPath(conv, "conv", g -> {
                g.putDataset("kernel:0", new float[][][][] {{{ramp(4, 0), ramp(4, 4)}}});
                g.putDataset("bias:0", ramp(4, 10));
            });
        });
    }

    private byte[] generatedArchive() throws Exception {
        String cfg = model("Functional", "functional", conv2d("conv2d", 4)).toString();
        byte[] weights = writeHdf5(tmp.resolve("gen.weights.h5"), (WritableHdfFile f) ->
                putGroupPath(f, "layers/conv2d/vars", g -> {
                    g.putDataset("0", new float[][][][] {{{ramp(4, 0), ramp(4, 4)}}});
                    g.putDataset("1", ramp(4, 10));
                }));
        Path zip = tmp.resolve("gen.keras");
        writeZip(zip, archiveEntries(cfg, weights), true);
        return Files.readAllBytes(zip);
    }

    @Test
    void generatedH5Corruptions() throws Exception {
        assertSurvivesCorruption("gen", ".h5", generatedH5(), 300);
    }

    @Test
    void generatedArchiveCorruptions() throws Exception {
        assertSurvivesCorruption("gen", ".keras", generatedArchive(), 300);
    }

    @Test
    void truncationNamesTheRecordedAndActualSize() throws Exception {
        byte[] h5 = generatedH5();
        Path cut = write("short.h5", java.util.Arrays.copyOf(h5, h5.length - 7));
        KerasFormatException e = assertThrows(KerasFormatException.class, () -> KerasFiles.open(cut));
        assertTrue(e.getMessage().startsWith(cut + ": truncated HDF5 file"), e.getMessage());
        assertTrue(e.getMessage().contains("ends at byte " + h5.length) && e.getMessage().contains("has " + (h5.length - 7) + " bytes"), e.getMessage());
    }

    @Test
    void userBlockBeforeTheSuperblockIsRead() throws Exception {
        // HDF5 may start with a user block (512, 1024, ... bytes); addresses are then relative to
        // the superblock's base address, which records where the superblock sits.
        byte[] h5 = generatedH5();
        assertEquals(2, h5[8], "the generated file has a version 2 superblock");
        byte[] withBlock = new byte[512 + h5.length];
        System.arraycopy(h5, 0, withBlock, 512, h5.length);
        java.nio.ByteBuffer sb = java.nio.ByteBuffer.wrap(withBlock, 512, 48).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        assertEquals(sb.getInt(512 + 44), lookup3(h5, 44), "checksum recomputed as HDF5 does");
        sb.putLong(512 + 12, 512);
        sb.putInt(512 + 44, lookup3(java.util.Arrays.copyOfRange(withBlock, 512, 512 + 44), 44));
        Path p = write("userblock.h5", withBlock);
        assertTrue(KerasFiles.isHdf5(p));
        assertEquals(dev.mien.formats.ModelFormat.KERAS_H5, dev.mien.formats.ModelFormat.detect(p));
        assertTrue(tryRead(p), "a file with a user block reads");
    }

    /** Bob Jenkins' lookup3 hash (hashlittle, seed 0): the checksum of HDF5's version 2 superblock. */
    static int lookup3(byte[] k, int length) {
        int a, b, c;
        a = b = c = 0xdeadbeef + length;
        int i = 0, len = length;
        while (len > 12) {
            a += le(k, i); b += le(k, i + 4); c += le(k, i + 8);
            a -= c; a ^= Integer.rotateLeft(c, 4); c += b;
            b -= a; b ^= Integer.rotateLeft(a, 6); a += c;
            c -= b; c ^= Integer.rotateLeft(b, 8); b += a;
            a -= c; a ^= Integer.rotateLeft(c, 16); c += b;
            b -= a; b ^= Integer.rotateLeft(a, 19); a += c;
            c -= b; c ^= Integer.rotateLeft(b, 4); b += a;
            len -= 12;
            i += 12;
        }
        if (len == 0) return c;
        int[] w = new int[3];
        for (int j = 0; j < len; j++) w[j / 4] |= (k[i + j] & 0xff) << (8 * (j % 4));
        a += w[0]; b += w[1]; c += w[2];
        c ^= b; c -= Integer.rotateLeft(b, 14);
        a ^= c; a -= Integer.rotateLeft(c, 11);
        b ^= a; b -= Integer.rotateLeft(a, 25);
        c ^= b; c -= Integer.rotateLeft(b, 16);
        a ^= c; a -= Integer.rotateLeft(c, 4);
        b ^= a; b -= Integer.rotateLeft(a, 14);
        c ^= b; c -= Integer.rotateLeft(b, 24);
        return c;
    }

    private static int le(byte[] k, int i) {
        return (k[i] & 0xff) | (k[i + 1] & 0xff) << 8 | (k[i + 2] & 0xff) << 16 | (k[i + 3] & 0xff) << 24;
    }

    @Test
    void fixtureCorruptions() throws Exception {
        for (Path f : List.of(Fixtures.dir("keras-real").resolve("tiny_XCEPTION_KDEF.hdf5"),
                Fixtures.dir("lanmsff").resolve("lanmsff.h5"),
                Fixtures.dir("lanmsff").resolve("lanmsff.keras"),
                Fixtures.dir("patt-lite").resolve("patt-lite.h5"))) {
            String name = f.getFileName().toString();
            assertSurvivesCorruption(name, name.substring(name.lastIndexOf('.')), Files.readAllBytes(f), 40);
        }
    }

    private void assertSurvivesCorruption(String tag, String ext, byte[] original, int flips) {
        assertTimeoutPreemptively(Duration.ofSeconds(240), () -> {
            // the unmodified bytes must read: otherwise the variants below prove nothing
            assertTrue(tryRead(write(tag + "-orig" + ext, original)), "original " + tag + " reads");
            int n = original.length;
            TreeSet<Integer> cuts = new TreeSet<>(List.of(0, 1, 4, 8, 9, 40, 100, 200, 511, 600, 1000, 2000, 4000));
            for (int k = 1; k < 16; k++) cuts.add((int) ((long) n * k / 16));
            cuts.add(n - 1);
            cuts.removeIf(c -> c >= n);
            int failures = 0;
            for (int cut : cuts) {
                byte[] b = java.util.Arrays.copyOf(original, cut);
                if (!tryRead(write(tag + "-cut" + cut + ext, b))) failures++;
            }
            // An HDF5 file records where it ends and a zip keeps its directory at the end: every cut is refused.
            assertEquals(cuts.size(), failures, "every truncation of " + tag + ext + " is detected");
            Random rnd = new Random(42);
            for (int i = 0; i < flips; i++) {
                byte[] b = original.clone();
                int count = 1 + rnd.nextInt(4);
                // half the flips hit the first 4 KiB, where superblock, headers and heaps live
                for (int j = 0; j < count; j++) {
                    int pos = rnd.nextBoolean() ? rnd.nextInt(Math.min(n, 4096)) : rnd.nextInt(n);
                    b[pos] ^= (byte) (1 << rnd.nextInt(8));
                }
                tryRead(write(tag + "-flip" + i + ext, b));
            }
        }, tag + ext + ": corrupted input hung");
    }

    private Path write(String name, byte[] bytes) throws Exception {
        Path p = tmp.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    /** True when the file reads completely; false on a proper KerasFormatException; fails otherwise. */
    private static boolean tryRead(Path file) {
        try {
            KerasModelFile m = KerasFiles.open(file);
            JsonNode cfg = JSON.readTree(m.modelConfigJson());
            for (List<String> path : layerPaths(cfg, List.of())) {
                try {
                    m.layerWeights(path);
                } catch (IllegalArgumentException e) {
                    assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
                }
            }
            return true;
        } catch (KerasFormatException e) {
            assertTrue(e.getMessage().startsWith(file.toString()), "message names the file: " + e.getMessage());
            return false;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            fail(file + ": config accepted although it is not JSON: " + e);
            return false;
        } catch (Throwable e) {
            throw new AssertionError(file + ": unexpected " + e, e);
        }
    }

    private static List<List<String>> layerPaths(JsonNode model, List<String> prefix) {
        List<List<String>> out = new ArrayList<>();
        JsonNode c = model.path("config");
        JsonNode layers = c.isArray() ? c : c.path("layers");
        for (JsonNode l : layers) {
            String name = l.has("name") ? l.path("name").asText() : l.path("config").path("name").asText();
            List<String> p = new ArrayList<>(prefix);
            p.add(name);
            out.add(p);
            if (l.path("config").path("layers").isArray()) out.addAll(layerPaths(l, p));
        }
        return out;
    }
}
