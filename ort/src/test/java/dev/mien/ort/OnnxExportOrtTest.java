package dev.mien.ort;

import dev.mien.engine.Model;
import dev.mien.engine.Tensor;
import dev.mien.engine.ir.Graph;
import dev.mien.formats.ModelLoader;
import dev.mien.formats.onnx.OnnxExporter;
import dev.mien.formats.onnx.OpSampleGraphs;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Mien's ONNX export checked in ONNX Runtime: every fixture model (MA-Net small from its .pth,
 * LANMSFF from .keras and .h5, PAtt-Lite from .h5, the keras-real HDF5 models) and every op sample
 * graph, exported and run in ONNX Runtime at batch 2, gives Mien's outputs within
 * |a-b| <= 1e-4 + 1e-4|b|. Fixture cases skip without ../shared/fixtures.
 */
class OnnxExportOrtTest {
    static Stream<String> samples() { return OpSampleGraphs.all().keySet().stream(); }

    @ParameterizedTest
    @MethodSource("samples")
    void everyOpSampleRunsInOnnxRuntimeLikeMien(String name) {
        check(OpSampleGraphs.all().get(name), name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"manet/manet-small.pth.tar", "lanmsff/lanmsff.keras", "lanmsff/lanmsff.h5", "patt-lite/patt-lite.h5",
            "keras-real/fer2013_mini_XCEPTION.102-0.66.hdf5", "keras-real/fer2013_big_XCEPTION.54-0.66.hdf5",
            "keras-real/gender_mini_XCEPTION.21-0.95.hdf5", "keras-real/mini_XCEPTION_KDEF.hdf5", "keras-real/tiny_XCEPTION_KDEF.hdf5"})
    void everyFixtureModelExportRunsInOnnxRuntimeLikeMien(String fixture) throws Exception {
        Path file = OrtFixtureTest.fixtures().resolve(fixture);
        Assumptions.assumeTrue(Files.isRegularFile(file), "skipped: fixture " + file + " absent");
        check(ModelLoader.load(file).graph(), fixture);
    }

    static void check(Graph g, String what) {
        byte[] onnx = OnnxExporter.export(g);
        int batch = 2;
        Map<String, Tensor> in = OpSampleGraphs.inputs(g, batch, 17);
        Map<String, Tensor> mien;
        try (Model m = Model.of(g)) {
            mien = m.run(in);
        }
        try (OrtModel o = OrtModel.open(onnx, what + " export", OrtSettings.threads(2))) {
            Map<String, float[]> feed = new java.util.LinkedHashMap<>();
            in.forEach((k, t) -> feed.put(k, t.data()));
            Map<String, float[]> ort = o.run(feed, batch);
            double worst = 0;
            for (String out : g.outputs()) {
                float[] want = mien.get(out).data(), got = ort.get(out);
                assertNotNull(got, what + ": ONNX Runtime has no output " + out + " (" + ort.keySet() + ")");
                assertEquals(want.length, got.length, what + " " + out);
                for (int i = 0; i < want.length; i++) {
                    double d = Math.abs(got[i] - want[i]);
                    worst = Math.max(worst, d);
                    assertTrue(d <= 1e-4 + 1e-4 * Math.abs(want[i]), what + " " + out + "[" + i + "]: ONNX Runtime " + got[i] + " vs Mien " + want[i]);
                }
            }
            System.out.printf("ONNX export vs ONNX Runtime %s: max abs error %.3g%n", what, worst);
        }
    }
}
