package dev.mien.formats.torch;

import dev.mien.formats.ModelLoader;
import dev.mien.formats.manet.ManetRandomWeights;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;

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
        ManetFullCheckpointTest.write(file, ManetRandomWeights.full(1), false);   // a plain state_dict checkpoint, ~202 MB
        var loaded = ModelLoader.load(file);
        assertEquals("manet", loaded.graph().card().architecture());
    }
}
