package dev.mien.formats.onnx;

import dev.mien.engine.Model;
import dev.mien.engine.Tensor;
import dev.mien.engine.io.ReadLimits;
import dev.mien.formats.ModelLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static dev.mien.formats.onnx.OnnxBuilder.i;
import static dev.mien.formats.onnx.OnnxBuilder.ints;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Hostile ONNX files: each is refused with one line naming the file (never another exception, a
 * hang or a huge allocation): truncation anywhere, lying lengths, over-long varints, huge and
 * negative dims, deep nesting, external data that climbs out of the model's folder or lies about
 * its range, unknown ops (all listed in one error), unsupported opsets, nodes out of order, and
 * random byte corruption.
 */
class OnnxHostileTest {
    @TempDir Path tmp;

    static byte[] small() {
        float[] w = new float[4 * 3 * 3 * 3];
        for (int k = 0; k < w.length; k++) w[k] = k * 0.01f;
        return new OnnxBuilder().input("x", -1, 3, 6, 6).output("y").init("W", new int[]{4, 3, 3, 3}, w)
                .node("Conv", List.of("x", "W"), List.of("c"), ints("pads", 1, 1, 1, 1))
                .node("Relu", "c", "y").bytes();
    }

    /** Parses and imports; returns the error (null when it loaded). Anything but an OnnxFormatException fails the test. */
    static OnnxFormatException attempt(byte[] bytes, Path dir) {
        try {
            OnnxImporter.importModel(OnnxReader.read(bytes, "evil.onnx", ReadLimits.current(), dir));
            return null;
        } catch (OnnxFormatException e) {
            assertTrue(e.getMessage().startsWith("evil.onnx: "), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
            return e;
        }
    }

    static String refused(byte[] bytes, Path dir) {
        OnnxFormatException e = attempt(bytes, dir);
        assertNotNull(e, "should be refused");
        return e.getMessage();
    }

    @Test
    void theSmallModelLoads() {
        assertNull(attempt(small(), null));
    }

    @Test
    void truncationAnywhereIsRefused() {
        byte[] b = small();
        for (int cut = 0; cut < b.length; cut++) {
            OnnxFormatException e = attempt(java.util.Arrays.copyOf(b, cut), null);
            assertNotNull(e, "truncated at " + cut + " of " + b.length + " loaded");
        }
    }

    @Test
    void lyingLengthsAndBadVarintsAreRefused() {
        // graph (field 7) claiming 4 GiB
        byte[] lie = {0x08, 0x08, 0x3a, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f, 0x0a, 0x00};
        assertTrue(refused(lie, null).contains("remain"), refused(lie, null));
        byte[] longVarint = {0x08, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x01};
        assertTrue(refused(longVarint, null).contains("varint"));
        byte[] group = {0x08, 0x08, 0x0b};   // start-group wire type
        assertTrue(refused(group, null).contains("wire type"));
        byte[] notOnnx = "{\"hello\": 1}".getBytes();
        refused(notOnnx, null);
        // A raw_data length that does not match the dims.
        ProtoWriter t = new ProtoWriter().int64(1, 2).int64(1, 3).int64(2, OnnxTensor.FLOAT).string(8, "W").bytes(9, new byte[20]);
        byte[] b = new OnnxBuilder().input("x", 1, 3).output("y").rawInit(t).node("Relu", "x", "y").bytes();
        assertTrue(refused(b, null).contains("needs 24 bytes"), refused(b, null));
    }

    @Test
    void hugeAndNegativeDimsAreRefusedBeforeAllocating() {
        ProtoWriter huge = new ProtoWriter().int64(1, 1L << 31).int64(1, 1L << 31).int64(2, OnnxTensor.FLOAT).string(8, "W").bytes(9, new byte[8]);
        String m = refused(new OnnxBuilder().input("x", 1, 3).output("y").rawInit(huge).node("Relu", "x", "y").bytes(), null);
        assertTrue(m.contains("maxTensorElements"), m);
        ProtoWriter neg = new ProtoWriter().int64(1, -3).int64(2, OnnxTensor.FLOAT).string(8, "W");
        assertTrue(refused(new OnnxBuilder().input("x", 1, 3).output("y").rawInit(neg).node("Relu", "x", "y").bytes(), null).contains("negative"));
        // ConstantOfShape asked for 2^40 elements.
        byte[] cos = new OnnxBuilder().input("x", 1, 3).output("y").initLongs("s", 1 << 20, 1 << 20)
                .node("ConstantOfShape", "s", "z").node("Relu", "x", "y").bytes();
        assertTrue(refused(cos, null).contains("exceed"), refused(cos, null));
        // An input with a symbolic non-batch dim.
        assertTrue(refused(new OnnxBuilder().input("x", 1, -1).output("y").node("Relu", "x", "y").bytes(), null).contains("symbolic"));
    }

    @Test
    void deepNestingIsRefused() {
        int depth = ReadLimits.current().maxNesting() + 10;
        ProtoWriter g = new OnnxBuilder().graph();
        for (int k = 0; k < depth / 3 + 2; k++) {
            ProtoWriter attr = new ProtoWriter().string(1, "then_branch").int64(20, OnnxModel.GRAPH).message(6, g);
            ProtoWriter node = new ProtoWriter().string(2, "o" + k).string(4, "If").message(5, attr);
            g = new ProtoWriter().message(1, node);
        }
        ProtoWriter m = new ProtoWriter().int64(1, 8).message(7, g);
        assertTrue(refused(m.toByteArray(), null).contains("nested deeper"));
    }

    @Test
    void unknownOpsAreListedTogether() {
        byte[] b = new OnnxBuilder().input("x", 1, 3).output("y").node("LSTM", "x", "a").node("Foo", "a", "b").node("LSTM", "b", "c")
                .node("Relu", "c", "d").node("NonMaxSuppression", "d", "y").bytes();
        String m = refused(b, null);
        assertTrue(m.contains("LSTM (2 nodes)") && m.contains("Foo (1 node)") && m.contains("NonMaxSuppression (1 node)"), m);
        ProtoWriter custom = new ProtoWriter().string(1, "x").string(2, "y").string(4, "Relu").string(7, "com.example");
        OnnxBuilder ob = new OnnxBuilder().input("x", 1, 3).output("y");
        byte[] withDomain = new ProtoWriter().int64(1, 8).message(7, ob.graph().message(1, custom))
                .message(8, new ProtoWriter().string(1, "").int64(2, 13)).toByteArray();
        assertTrue(refused(withDomain, null).contains("com.example.Relu"));
    }

    @Test
    void opsetsOutsideTheSupportedRangeAndBadGraphsAreRefused() {
        OnnxBuilder b = new OnnxBuilder().input("x", 1, 3).output("y").node("Relu", "x", "y");
        b.opset = 7;
        assertTrue(refused(b.bytes(), null).contains("opset 7"));
        b.opset = 99;
        assertTrue(refused(b.bytes(), null).contains("opset 99"));
        byte[] order = new OnnxBuilder().input("x", 1, 3).output("y").node("Relu", "a", "y").node("Relu", "x", "a").bytes();
        assertTrue(refused(order, null).contains("no earlier node"));
        byte[] twice = new OnnxBuilder().input("x", 1, 3).output("y").node("Relu", "x", "y").node("Relu", "x", "y").bytes();
        assertTrue(refused(twice, null).contains("twice"));
        byte[] strided = new OnnxBuilder().input("x", 1, 3, 4, 4).output("y").initLongs("s", 0).initLongs("e", 4).initLongs("a", 2).initLongs("st", 2)
                .node("Slice", List.of("x", "s", "e", "a", "st"), List.of("y")).bytes();
        assertTrue(refused(strided, null).contains("step 2"));
    }

    private static ProtoWriter externalTensor(String location, long offset, long length) {
        ProtoWriter t = new ProtoWriter().int64(1, 4).int64(2, OnnxTensor.FLOAT).string(8, "B");
        t.message(13, new ProtoWriter().string(1, "location").string(2, location));
        if (offset >= 0) t.message(13, new ProtoWriter().string(1, "offset").string(2, Long.toString(offset)));
        if (length >= 0) t.message(13, new ProtoWriter().string(1, "length").string(2, Long.toString(length)));
        return t.int64(14, 1);
    }

    private static byte[] withExternal(String location, long offset, long length) {
        return new OnnxBuilder().input("x", -1, 4).output("y").rawInit(externalTensor(location, offset, length))
                .node("Add", List.of("x", "B"), List.of("y")).bytes();
    }

    @Test
    void externalDataIsReadOnlyInsideTheModelsFolderAndInRange() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("model"));
        ByteBuffer data = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        data.putFloat(0f).putFloat(0f).putFloat(1f).putFloat(2f).putFloat(3f).putFloat(4f);
        Files.write(dir.resolve("weights.bin"), data.array());
        Files.write(tmp.resolve("secret.bin"), new byte[64]);
        // The good case: offset 8, 16 bytes, through the loader, as a file beside the model.
        Path model = dir.resolve("m.onnx");
        Files.write(model, withExternal("weights.bin", 8, 16));
        try (Model m = Model.of(ModelLoader.load(model).graph())) {
            Tensor y = m.run(Map.of("x", new Tensor(new int[]{1, 4}, new float[4]))).get("y");
            assertArrayEquals(new float[]{1, 2, 3, 4}, y.data(), 0f);
        }
        assertTrue(refused(withExternal("../secret.bin", 0, 16), dir).contains("climbs out"));
        assertTrue(refused(withExternal("/etc/passwd", 0, 16), dir).contains("relative"));
        assertTrue(refused(withExternal("sub/../../secret.bin", 0, 16), dir).contains("climbs out"));
        assertTrue(refused(withExternal("weights.bin", 16, 16), dir).contains("outside the file"));
        assertTrue(refused(withExternal("weights.bin", 0, 12), dir).contains("length 12"));
        assertTrue(refused(withExternal("missing.bin", 0, 16), dir).contains("no such file"));
        assertTrue(refused(withExternal("weights.bin", 0, 16), null).contains("not read from a file"));
        try {
            Files.createSymbolicLink(dir.resolve("link.bin"), tmp.resolve("secret.bin"));
            assertTrue(refused(withExternal("link.bin", 0, 16), dir).contains("links outside"));
        } catch (UnsupportedOperationException | IOException e) {
            // no symbolic links on this file system: nothing to check
        }
        // Through the loader, the message names the model file.
        Files.write(model, withExternal("../secret.bin", 0, 16));
        IOException e = assertThrows(IOException.class, () -> ModelLoader.load(model));
        assertTrue(e.getMessage().startsWith(model.toString()), e.getMessage());
    }

    @Test
    void randomCorruptionIsRefusedOrLoadsNeverCrashes() {
        Map<String, dev.mien.engine.ir.Graph> samples = OpSampleGraphs.all();
        List<byte[]> bases = List.of(small(), OnnxExporter.export(samples.get("resize_bilinear_half_pixel")),
                OnnxExporter.export(samples.get("pwfs")), OnnxExporter.export(samples.get("reduce_max_spatial")));
        Random r = new Random(77);
        for (int trial = 0; trial < 8000; trial++) {
            byte[] b = bases.get(trial % bases.size()).clone();
            int flips = 1 + r.nextInt(4);
            for (int k = 0; k < flips; k++) b[r.nextInt(b.length)] = (byte) r.nextInt(256);
            try {
                attempt(b, null);
            } catch (AssertionError e) {
                throw e;
            } catch (Throwable t) {
                fail("trial " + trial + ": " + t, t);
            }
        }
    }
}
