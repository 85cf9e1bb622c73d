package dev.mien.ort;

import dev.mien.engine.Model;
import dev.mien.engine.runtime.RunOptions;
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
 * same layout at the boundary), at a batch above one. MA-Net runs at batch 4, where its 7x7 maps
 * reach Winograd's 196 pixels per call: the 512-channel layers then take the element-major walk.
 */
class ExportParityTest {
    @ParameterizedTest
    @ValueSource(strings = {"lanmsff", "patt-lite", "manet"})
    void onnxRuntimeOnTheExportMatchesMien(String arch) {
        Graph g = RandomModels.graph(arch, 1);
        byte[] onnx = OnnxExporter.export(g);
        int batch = arch.equals("manet") ? 4 : 2;
        ValueInfo in = g.inputs().getFirst();
        int[] sample = in.sampleShape(), shape = new int[sample.length + 1];
        shape[0] = batch;
        System.arraycopy(sample, 0, shape, 1, sample.length);
        // The sample shape is the engine's (NHWC); a PyTorch network takes NCHW at its boundary.
        if ("NCHW".equals(in.layout())) shape = new int[]{batch, sample[2], sample[0], sample[1]};
        float[] x = new float[Arrays.stream(shape).reduce(1, (a, b) -> a * b)];
        Random r = new Random(7);
        for (int i = 0; i < x.length; i++) x[i] = r.nextFloat();
        Map<String, Tensor> mien;
        try (Model m = Model.of(g)) {
            mien = m.run(Map.of(in.name(), new Tensor(shape, x)));
            if (arch.equals("manet")) {
                var plan = m.plan(batch, RunOptions.DEFAULT);
                boolean layer4Winograd = false;
                for (int i = 0; i < plan.stepNames().size(); i++)
                    layer4Winograd |= plan.stepNames().get(i).startsWith("layer4") && plan.stepAlgorithms().get(i).equals("winograd");
                assertTrue(layer4Winograd, "MA-Net's 7x7x512 layers at batch " + batch + ": " + plan.stepAlgorithms());
            }
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
