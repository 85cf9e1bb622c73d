package dev.mien.ort;

import dev.mien.engine.Tensor;
import dev.mien.engine.io.Npy;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** ONNX Runtime, through {@link OrtModel}, reproduces the reference outputs of the shared ONNX fixtures. */
class OrtFixtureTest {
    static Path fixtures() {
        String p = System.getProperty("mien.fixtures", System.getenv("MIEN_FIXTURES"));
        Path dir = p == null ? null : Path.of(p);
        Assumptions.assumeTrue(dir != null && Files.isDirectory(dir.resolve("onnx")),
                "skipped: no ONNX fixtures (set -Dmien.fixtures=DIR holding onnx/, manet/, lanmsff/, patt-lite/)");
        return dir;
    }

    @ParameterizedTest
    @CsvSource({
            "onnx/lanmsff.onnx, lanmsff/input_face.npy, output=lanmsff/output_face.npy",
            "onnx/patt-lite.onnx, patt-lite/input_face.npy, output=patt-lite/output_face.npy",
            "manet/manet-small.onnx, manet/input_face.npy, output1=manet/output1_face.npy;output2=manet/output2_face.npy",
    })
    void matchesTheReferenceOutputs(String model, String input, String outputs) throws Exception {
        Path dir = fixtures();
        for (int threads : new int[]{1, 2}) {
            try (OrtModel m = OrtModel.open(dir.resolve(model), OrtSettings.threads(threads))) {
                Tensor x = Npy.read(dir.resolve(input));
                Map<String, float[]> got = m.run(Map.of(m.inputs().get(0).name(), x.data()), x.dim(0));
                for (String pair : outputs.split(";")) {
                    String[] kv = pair.split("=");
                    float[] want = Npy.read(dir.resolve(kv[1])).data();
                    float[] y = got.get(kv[0]);
                    assertNotNull(y, model + " has no output " + kv[0] + ": " + got.keySet());
                    assertEquals(want.length, y.length);
                    for (int i = 0; i < y.length; i++)
                        assertTrue(Math.abs(y[i] - want[i]) <= 1e-4 + 1e-4 * Math.abs(want[i]), model + " " + kv[0] + "[" + i + "]: " + y[i] + " vs " + want[i]);
                    assertEquals(argmax(want), argmax(y), model + " top-1");
                }
            }
        }
    }

    static int argmax(float[] v) {
        int b = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[b]) b = i;
        return b;
    }
}
