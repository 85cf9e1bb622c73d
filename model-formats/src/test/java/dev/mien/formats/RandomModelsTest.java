package dev.mien.formats;

import dev.mien.engine.Model;
import dev.mien.engine.Session;
import dev.mien.engine.ir.Graph;
import dev.mien.engine.runtime.Planner;
import dev.mien.engine.runtime.RunOptions;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** The shipped architectures build and run at full size without any checkpoint. */
class RandomModelsTest {
    @Test
    void lanmsffAndPattLiteBuildFromTheShippedArchitecture() {
        Graph lan = RandomModels.graph("lanmsff", 1);
        assertEquals("lanmsff", lan.card().architecture());
        // Keras counts 358,563 parameters; folding removes each BatchNorm's 4 vectors (4,224 values in all).
        assertEquals(358563 - 4224, lan.parameterCount(), "LANMSFF parameters after BN folding");
        assertRuns(lan, 64 * 64);
        Graph patt = RandomModels.graph("patt-lite", 1);
        assertTrue(Planner.macs(patt, 1) > 3e8 && Planner.macs(patt, 1) < 4e8, "PAtt-Lite MACs " + Planner.macs(patt, 1));
        assertRuns(patt, 120 * 120 * 3);
        assertThrows(IllegalArgumentException.class, () -> RandomModels.graph("resnet", 1));
    }

    static void assertRuns(Graph g, int inputSize) {
        Session s = Model.of(g).newSession(2, RunOptions.DEFAULT);
        float[] x = new float[2 * inputSize];
        Random r = new Random(1);
        for (int i = 0; i < x.length; i++) x[i] = 255 * r.nextFloat();
        s.setInput(g.inputs().get(0).name(), x).run();
        float[] p = s.output(g.outputs().get(0)).data();
        assertEquals(16, p.length);
        for (int row = 0; row < 2; row++) {
            double sum = 0;
            for (int i = 0; i < 8; i++) { assertTrue(p[row * 8 + i] >= 0); sum += p[row * 8 + i]; }
            assertEquals(1.0, sum, 1e-4, "softmax output");
        }
    }
}
