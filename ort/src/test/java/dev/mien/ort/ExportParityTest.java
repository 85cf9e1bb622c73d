package dev.mien.ort;

import dev.mien.engine.Model;
import dev.mien.engine.Tensor;
import dev.mien.engine.ir.Graph;
import dev.mien.engine.ir.ValueInfo;
import dev.mien.formats.RandomModels;
import dev.mien.formats.onnx.OnnxExporter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * What {@code mien bench --arch A --compare onnxruntime} relies on: ONNX Runtime, running Mien's
 * ONNX export of the seeded random-weight network, computes what Mien computes (same weights,
 * same layout at the boundary), at a batch above one.
 */
class ExportParityTest {
    @ParameterizedTest
    @ValueSource(strings = {"lanmsff", "patt-lite"})
    void onnxRuntimeOnTheExportMatchesMien(String arch) {
        Graph g = RandomModels.graph(arch, 1);
        byte[] onnx = OnnxExporter.export(g);
        int batch = 2;
        ValueInfo in = g.inputs().getFirst();
        int[] shape = new int[in.sampleShape().length + 1];
        shape[0] = batch;
        System.arraycopy(in.sampleShape(), 0, shape, 1, in.sampleShape().length);
        float[] x = new float[Arrays.stream(shape).reduce(1, (a, b) -> a * b)];
        Random r = new Random(7);
        for (int i = 0; i < x.length; i++) x[i] = r.nextFloat();
        Map<String, Tensor> mien;
        try (Model m = Model.of(g)) {
            mien = m.run(Map.of(in.name(), new Tensor(shape, x)));
        }
        try (OrtModel o = OrtModel.open(onnx, arch + " export", OrtSettings.threads(2))) {
            Map<String, float[]> ort = o.run(Map.of(o.inputs().getFirst().name(), x), batch);
            for (String out : g.outputs()) {
                float[] want = mien.get(out).data(), got = ort.get(out);
                assertNotNull(got, arch + ": ONNX Runtime has no output " + out + " (" + ort.keySet() + ")");
                assertEquals(want.length, got.length, arch + " " + out);
                for (int i = 0; i < want.length; i++)
                    assertTrue(Math.abs(got[i] - want[i]) <= 1e-4 + 1e-4 * Math.abs(want[i]), arch + " " + out + "[" + i + "]: " + got[i] + " vs Mien " + want[i]);
            }
        }
    }
}
