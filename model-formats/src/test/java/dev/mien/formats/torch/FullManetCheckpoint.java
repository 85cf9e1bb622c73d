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
import java.util.Map;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Writes the full-size MA-Net (seeded random weights, the published shapes, ~202 MB of fp32)
 * as a PyTorch zip checkpoint, for the memory measurements in docs/PERFORMANCE.md: the
 * fixtures hold only a small MA-Net. Runs only when asked, with the target path:
 * <pre>mvn -pl model-formats test -Dtest=FullManetCheckpoint -Dmien.fullManet=/tmp/manet-full.pth.tar</pre>
 * and then checks that the file loads as MA-Net.
 */
class FullManetCheckpoint {
    @Test
    void writeFullSizeManet() throws IOException {
        String target = System.getProperty("mien.fullManet");
        Assumptions.assumeTrue(target != null && !target.isBlank(), "set -Dmien.fullManet=FILE to write the full-size MA-Net checkpoint");
        Path file = Path.of(target);
        write(file, ManetRandomWeights.full(1));
        var loaded = ModelLoader.load(file);
        assertEquals("manet", loaded.graph().metadata().get("architecture"));
    }

    /** A torch >= 1.6 zip checkpoint: {'state_dict': {name: tensor}}, one storage per tensor. */
    static void write(Path file, Map<String, Tensor> sd) throws IOException {
        PickleWriter w = new PickleWriter().proto(2).emptyDict().put(0).str("state_dict").emptyDict().put(1);
        int key = 0;
        try (OutputStream os = Files.newOutputStream(file); ZipOutputStream z = new ZipOutputStream(os)) {
            z.setMethod(ZipOutputStream.STORED);
            for (var e : sd.entrySet()) {
                int[] shape = e.getValue().shape(), stride = new int[shape.length];
                for (int i = shape.length - 1, s = 1; i >= 0; s *= shape[i], i--) stride[i] = s;
                w.op('h').op(1).str(e.getKey()).tensor("FloatStorage", Integer.toString(key), e.getValue().size(), 0, shape, stride).setitem().op('0');
                float[] d = e.getValue().data();
                ByteBuffer b = ByteBuffer.allocate(4 * d.length).order(ByteOrder.LITTLE_ENDIAN);
                b.asFloatBuffer().put(d);
                TorchCheckpointTest.put(z, "manet/data/" + key, b.array());
                key++;
            }
            w.setitem().stop();
            TorchCheckpointTest.put(z, "manet/data.pkl", w.bytes());
            TorchCheckpointTest.put(z, "manet/version", "3\n".getBytes());
        }
    }
}
