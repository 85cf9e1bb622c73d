package dev.mien.formats.torch;

import dev.mien.engine.Tensor;
import dev.mien.formats.ModelLoader;
import dev.mien.formats.manet.ManetRandomWeights;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The limits leave real checkpoints alone: a full-size MA-Net training checkpoint (state dict
 * with DataParallel's "module." prefixes plus SGD momentum buffers keyed by integers, about
 * 400 MB, like the published one) still loads, weight for weight. It writes that much to disk,
 * so it runs only when {@code -Dmien.manetFull=/tmp/manet-full.pth.tar} names where to write it.
 */
class ManetFullCheckpointTest {

    @Test
    void fullSizeTrainingCheckpointLoads() throws IOException {
        String where = System.getProperty("mien.manetFull");
        Assumptions.assumeTrue(where != null && !where.isBlank(), "set -Dmien.manetFull=FILE to write and load a full-size MA-Net checkpoint");
        Path file = Path.of(where);
        Map<String, Tensor> weights = ManetRandomWeights.full(7);
        write(file, weights, true);
        assertTrue(Files.size(file) > 300L << 20, "a training checkpoint of full size: " + Files.size(file));
        Map<String, Tensor> back = TorchCheckpoint.loadStateDict(file);
        assertEquals(List.copyOf(weights.keySet()), List.copyOf(back.keySet()));
        for (var e : weights.entrySet()) {
            assertArrayEquals(e.getValue().shape(), back.get(e.getKey()).shape(), e.getKey());
            assertArrayEquals(e.getValue().data(), back.get(e.getKey()).data(), e.getKey());
        }
        assertNotNull(ModelLoader.load(file).graph());
    }

    /**
     * A torch >= 1.6 zip checkpoint of {@code weights}. A training checkpoint is {'epoch': 60,
     * 'state_dict': OrderedDict(module.* -> tensor), 'optimizer': {'state': {i: {'momentum_buffer':
     * t}}, 'param_groups': [...]}}; otherwise just {'state_dict': OrderedDict(name -> tensor)}.
     */
    static void write(Path file, Map<String, Tensor> weights, boolean training) throws IOException {
        PickleWriter w = new PickleWriter().proto(2).emptyDict();
        if (training) w.str("epoch").integer(60).setitem();
        w.str("state_dict").global("collections", "OrderedDict").mark().tuple().reduce();
        List<Tensor> storages = new ArrayList<>();
        for (var e : weights.entrySet()) {
            w.str(training ? "module." + e.getKey() : e.getKey());
            tensor(w, e.getValue(), storages);
            w.setitem();
        }
        w.setitem();
        if (training) writeOptimizer(w, weights, storages);
        w.stop();
        try (OutputStream os = Files.newOutputStream(file); ZipOutputStream z = new ZipOutputStream(os)) {
            z.setMethod(ZipOutputStream.STORED);
            TorchCheckpointTest.put(z, "manet/data.pkl", w.bytes());
            for (int k = 0; k < storages.size(); k++) {
                float[] d = storages.get(k).data();
                ByteBuffer b = ByteBuffer.allocate(4 * d.length).order(ByteOrder.LITTLE_ENDIAN);
                b.asFloatBuffer().put(d);
                TorchCheckpointTest.put(z, "manet/data/" + k, b.array());
            }
            TorchCheckpointTest.put(z, "manet/version", "3\n".getBytes());
        }
    }

    /** SGD's state: a momentum buffer per weight matrix (keyed by parameter index) and one param group. */
    private static void writeOptimizer(PickleWriter w, Map<String, Tensor> weights, List<Tensor> storages) {
        w.str("optimizer").emptyDict().str("state").emptyDict();
        int i = 0;
        for (Tensor t : weights.values()) {
            if (t.shape().length < 2) { i++; continue; }
            w.integer(i++).emptyDict().str("momentum_buffer");
            tensor(w, t, storages);
            w.setitem().setitem();
        }
        w.setitem();
        w.str("param_groups").op(']').emptyDict().str("lr").op('G').raw(ByteBuffer.allocate(8).putDouble(0.01).array())
                .setitem().op('a').setitem();
        w.setitem();
    }

    private static void tensor(PickleWriter w, Tensor t, List<Tensor> storages) {
        int[] shape = t.shape(), stride = new int[shape.length];
        for (int d = shape.length - 1, s = 1; d >= 0; d--) { stride[d] = s; s *= shape[d]; }
        w.tensor("FloatStorage", Integer.toString(storages.size()), t.size(), 0, shape, stride);
        storages.add(t);
    }
}
