package dev.mien.ort;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class OrtModelTest {
    private static final float[] W = {0.5f, -2f, 3f};

    @Test
    void runsAGeneratedModelAtAnyBatchAndThreadCount() {
        for (int threads : new int[]{1, 2}) {
            try (OrtModel m = OrtModel.open(TinyOnnx.mulRelu(W, -1), "tiny", OrtSettings.threads(threads))) {
                assertEquals("x", m.inputs().get(0).name());
                assertArrayEquals(new long[]{-1, 2, 3}, m.inputs().get(0).shape());
                assertEquals("y", m.outputs().get(0).name());
                for (int batch : new int[]{1, 3, 8}) {
                    float[] x = new float[batch * 6];
                    Random r = new Random(batch);
                    for (int i = 0; i < x.length; i++) x[i] = r.nextFloat() * 4 - 2;
                    float[] y = m.run(Map.of("x", x), batch).get("y");
                    assertEquals(x.length, y.length);
                    for (int i = 0; i < x.length; i++) assertEquals(Math.max(0f, x[i] * W[i % 3]), y[i], 0f, "element " + i);
                }
            }
        }
    }

    @Test
    void opensAFileAndWritesAProfile(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path f = dir.resolve("tiny.onnx");
        Files.write(f, TinyOnnx.mulRelu(W, -1));
        try (OrtModel m = OrtModel.open(f, OrtSettings.threads(1).withProfiling(dir.resolve("prof")))) {
            m.run(Map.of("x", new float[6]), 1);
            Path trace = m.endProfiling();
            assertTrue(Files.size(trace) > 0);
            assertTrue(Files.readString(trace).contains("\"op_name\""), "ONNX Runtime's trace names the ops");
        }
    }

    @Test
    void refusesWrongBatchesSizesAndNames() {
        try (OrtModel m = OrtModel.open(TinyOnnx.mulRelu(W, 1), "fixed", OrtSettings.threads(1))) {
            var e = assertThrows(OrtRunException.class, () -> m.run(Map.of("x", new float[12]), 2));
            assertEquals("fixed: input x[1, 2, 3] has a fixed batch of 1, asked for 2", e.getMessage());
            e = assertThrows(OrtRunException.class, () -> m.run(Map.of("x", new float[5]), 1));
            assertTrue(e.getMessage().contains("needs [1, 2, 3], got 5 floats"), e.getMessage());
            e = assertThrows(OrtRunException.class, () -> m.run(Map.of("x", new float[6], "z", new float[1]), 1));
            assertTrue(e.getMessage().startsWith("fixed: no input named z"), e.getMessage());
            e = assertThrows(OrtRunException.class, () -> m.run(Map.of(), 1));
            assertEquals("fixed: no value for input x", e.getMessage());
        }
    }

    @Test
    void badBytesAreOneLineNamingTheModel() {
        var e = assertThrows(OrtRunException.class, () -> OrtModel.open(new byte[]{1, 2, 3, 4}, "junk.onnx", OrtSettings.threads(1)));
        assertTrue(e.getMessage().startsWith("junk.onnx: ONNX Runtime cannot load it: "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        assertThrows(IllegalArgumentException.class, () -> OrtSettings.threads(0));
    }
}
