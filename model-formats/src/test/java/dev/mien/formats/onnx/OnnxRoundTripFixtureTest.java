package dev.mien.formats.onnx;

import dev.mien.engine.Model;
import dev.mien.engine.Tensor;
import dev.mien.engine.ir.Graph;
import dev.mien.engine.ir.ValueInfo;
import dev.mien.formats.Fixtures;
import dev.mien.formats.ModelLoader;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Every fixture model exported to ONNX and imported back gives Mien's own outputs (no ONNX
 * Runtime needed; the ort module checks the same files in ONNX Runtime). Skipped without
 * ../shared/fixtures.
 */
class OnnxRoundTripFixtureTest {
    @TempDir Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"manet/manet-small.pth.tar", "lanmsff/lanmsff.keras", "lanmsff/lanmsff.h5", "patt-lite/patt-lite.h5",
            "keras-real/fer2013_mini_XCEPTION.102-0.66.hdf5", "keras-real/fer2013_big_XCEPTION.54-0.66.hdf5",
            "keras-real/gender_mini_XCEPTION.21-0.95.hdf5", "keras-real/mini_XCEPTION_KDEF.hdf5", "keras-real/tiny_XCEPTION_KDEF.hdf5",
            "manet/manet-small.onnx", "onnx/lanmsff.onnx", "onnx/patt-lite.onnx"})
    void exportedModelRunsLikeTheOriginal(String fixture) throws Exception {
        Path file = Fixtures.root().resolve(fixture);
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isRegularFile(file), "fixture " + file + " absent; skipping");
        Graph g = ModelLoader.load(file).graph();
        byte[] bytes = OnnxExporter.export(g);
        assertArrayEquals(bytes, OnnxExporter.export(ModelLoader.load(file).graph()), "export is deterministic");
        Path onnx = tmp.resolve("model.onnx");
        Files.write(onnx, bytes);
        Graph back = ModelLoader.load(onnx).graph();
        try (Model a = Model.of(g); Model b = Model.of(back)) {
            for (int batch : new int[]{1, 2}) {
                Map<String, Tensor> in = randomInputs(g, batch, 7 + batch);
                Map<String, Tensor> x = a.run(in), y = b.run(in);
                for (String o : g.outputs()) {
                    double err = OnnxTestSupport.assertClose(x.get(o), y.get(o), fixture + " " + o + " batch " + batch);
                    System.out.printf("ONNX round trip %s %s batch %d: max abs error %.3g%n", fixture, o, batch, err);
                }
            }
        }
    }

    /** Inputs in each input's source layout, values like images (0..1 or 0..255 scale does not matter for equality). */
    static Map<String, Tensor> randomInputs(Graph g, int batch, long seed) {
        Random r = new Random(seed);
        Map<String, Tensor> m = new java.util.LinkedHashMap<>();
        for (ValueInfo vi : g.inputs()) {
            int[] full = dev.mien.engine.Layouts.sourceShape(vi, batch);
            float[] d = new float[(int) Tensor.sizeOf(full)];
            for (int i = 0; i < d.length; i++) d[i] = r.nextFloat();
            m.put(vi.name(), new Tensor(full, d));
        }
        return m;
    }
}
