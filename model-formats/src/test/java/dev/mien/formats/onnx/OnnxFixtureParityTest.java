package dev.mien.formats.onnx;

import dev.mien.engine.Model;
import dev.mien.engine.Tensor;
import dev.mien.engine.io.Npy;
import dev.mien.formats.Fixtures;
import dev.mien.formats.ModelFormat;
import dev.mien.formats.ModelLoader;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The ONNX fixtures imported and run against the frameworks' reference outputs (skipped without
 * ../shared/fixtures): MA-Net small (PyTorch export) and LANMSFF / PAtt-Lite (Keras weights
 * written as ONNX), |a-b| <= 1e-4 + 1e-4|b| and the same top-1.
 */
class OnnxFixtureParityTest {

    static double assertParity(Tensor ref, Tensor got, String what) {
        assertArrayEquals(ref.shape(), got.shape(), what + " shape");
        float[] e = ref.data(), a = got.data();
        double maxAbs = 0;
        for (int i = 0; i < e.length; i++) {
            double d = Math.abs(a[i] - e[i]);
            maxAbs = Math.max(maxAbs, d);
            assertTrue(d <= 1e-4 + 1e-4 * Math.abs(e[i]), what + " element " + i + ": expected " + e[i] + " got " + a[i]);
        }
        int cols = ref.dim(-1);
        for (int r = 0; r < e.length / cols; r++) assertEquals(argmax(e, r * cols, cols), argmax(a, r * cols, cols), what + " top-1 row " + r);
        System.out.printf("ONNX parity %s: max abs error %.3g%n", what, maxAbs);
        return maxAbs;
    }

    static int argmax(float[] v, int off, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) if (v[off + i] > v[off + best]) best = i;
        return best;
    }

    @Test
    void manetSmallMatchesPyTorch() throws Exception {
        Path dir = Fixtures.dir("manet");
        ModelLoader.Loaded l = ModelLoader.load(dir.resolve("manet-small.onnx"));
        assertEquals(ModelFormat.ONNX, l.format());
        try (Model m = Model.of(l.graph())) {
            for (String input : new String[]{"face", "random"}) {
                Tensor x = Npy.read(dir.resolve("input_" + input + ".npy"));
                Map<String, Tensor> out = m.run(Map.of("input", x));
                assertParity(Npy.read(dir.resolve("output1_" + input + ".npy")), out.get("output1"), "manet-small.onnx output1 " + input);
                assertParity(Npy.read(dir.resolve("output2_" + input + ".npy")), out.get("output2"), "manet-small.onnx output2 " + input);
            }
        }
    }

    @Test
    void lanmsffMatchesKeras() throws Exception {
        Path dir = Fixtures.dir("onnx");
        Path ref = Fixtures.dir("lanmsff");
        try (Model m = Model.of(ModelLoader.load(dir.resolve("lanmsff.onnx")).graph())) {
            Map<String, Tensor> out = m.run(Map.of("input_layer", Npy.read(ref.resolve("input_face.npy"))));
            assertParity(Npy.read(ref.resolve("output_face.npy")), out.get("output"), "lanmsff.onnx face");
        }
    }

    @Test
    void pattLiteMatchesKeras() throws Exception {
        Path dir = Fixtures.dir("onnx");
        Path ref = Fixtures.dir("patt-lite");
        try (Model m = Model.of(ModelLoader.load(dir.resolve("patt-lite.onnx")).graph())) {
            Map<String, Tensor> out = m.run(Map.of("universal_input", Npy.read(ref.resolve("input_face.npy"))));
            assertParity(Npy.read(ref.resolve("output_face.npy")), out.get("output"), "patt-lite.onnx face");
        }
    }
}
