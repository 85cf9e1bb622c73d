package dev.mien.formats.manet;

import dev.mien.engine.Model;
import dev.mien.engine.Tensor;
import dev.mien.engine.image.ModelPreprocessing;
import dev.mien.engine.io.ModelFile;
import dev.mien.engine.io.Npy;
import dev.mien.engine.runtime.RunOptions;
import dev.mien.formats.Fixtures;
import dev.mien.formats.LoadOptions;
import dev.mien.formats.ModelLoader;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** MA-Net against PyTorch's reference outputs in ../shared/fixtures/manet (skipped without them). */
class ManetFixtureParityTest {
    static final List<String> INTERMEDIATES = List.of("maxpool", "layer2", "layer3_2", "layer4_2", "layer4_1_p1", "branch1_prepool");
    @TempDir Path tmp;

    /** |a-b| <= 1e-4 + 1e-4|b| and the same argmax per row. */
    static void assertParity(Tensor ref, Tensor got, String what, boolean top1) {
        assertArrayEquals(ref.shape(), got.shape(), what + " shape");
        float[] e = ref.data(), a = got.data();
        double worst = 0;
        for (int i = 0; i < e.length; i++) {
            double excess = Math.abs(a[i] - e[i]) - (1e-4 + 1e-4 * Math.abs(e[i]));
            worst = Math.max(worst, excess);
            assertTrue(excess <= 0, what + " element " + i + ": expected " + e[i] + " got " + a[i]);
        }
        if (top1) {
            int cols = ref.dim(-1);
            for (int r = 0; r < e.length / cols; r++) assertEquals(argmax(e, r * cols, cols), argmax(a, r * cols, cols), what + " top-1 row " + r);
        }
    }

    static int argmax(float[] v, int off, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) if (v[off + i] > v[off + best]) best = i;
        return best;
    }

    @ParameterizedTest
    @ValueSource(strings = {"manet-small.pth.tar", "manet-small-legacy.pth.tar", "manet-small-state-dict.pth"})
    void everyCheckpointMatchesPyTorch(String file) throws Exception {
        Path dir = Fixtures.dir("manet");
        var loaded = ModelLoader.load(dir.resolve(file), LoadOptions.DEFAULT.withKeep(Set.copyOf(INTERMEDIATES)));
        Model m = Model.of(loaded.graph());
        RunOptions keep = RunOptions.DEFAULT.withExtraOutputs(INTERMEDIATES);
        for (String input : List.of("random", "face")) {
            Map<String, Tensor> out = m.run(Map.of("input", Npy.read(dir.resolve("input_" + input + ".npy"))), keep);
            assertParity(Npy.read(dir.resolve("output1_" + input + ".npy")), out.get("fc_1"), file + " fc_1 " + input, true);
            assertParity(Npy.read(dir.resolve("output2_" + input + ".npy")), out.get("fc_2"), file + " fc_2 " + input, true);
            assertParity(Npy.read(dir.resolve("output_" + input + ".npy")), out.get("logits"), file + " logits " + input, true);
            for (String act : INTERMEDIATES)
                assertParity(Npy.read(dir.resolve("act_" + act + "_" + input + ".npy")), out.get(act), file + " " + act + " " + input, false);
        }
    }

    @Test
    void facePreprocessingMatchesTorchvision() throws Exception {
        Path dir = Fixtures.dir("manet");
        Tensor nhwc = ModelPreprocessing.byName("manet").apply(dir.resolve("face_crop.png"));
        Tensor expected = Npy.read(dir.resolve("input_face.npy"));
        assertArrayEquals(expected.data(), nhwc.nhwcToNchw().data(), "PIL bilinear resize + ToTensor, bit for bit");
    }

    @Test
    void convertedModelMatchesToo() throws Exception {
        Path dir = Fixtures.dir("manet");
        Path f = tmp.resolve("manet-small.mien");
        ModelFile.write(f, ModelLoader.load(dir.resolve("manet-small.pth.tar")).graph());
        Model m = Model.load(f);
        Map<String, Tensor> out = m.run(Map.of("input", Npy.read(dir.resolve("input_face.npy"))));
        assertParity(Npy.read(dir.resolve("output_face.npy")), out.get("logits"), "converted logits", true);
    }
}
