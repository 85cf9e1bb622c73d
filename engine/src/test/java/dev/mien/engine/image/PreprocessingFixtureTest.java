package dev.mien.engine.image;

import dev.mien.engine.Tensor;
import dev.mien.engine.io.Npy;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** Each network's preprocessing against the inputs its reference pipeline produced (skipped without ../shared). */
class PreprocessingFixtureTest {
    static Path dir(String name) {
        String p = System.getProperty("mien.fixtures");
        Path root = p != null ? Path.of(p) : Path.of("../../shared/fixtures");
        Path d = root.resolve(name);
        Assumptions.assumeTrue(Files.isDirectory(d), "reference fixtures not found at " + d + "; skipping");
        return d;
    }

    static int maxLevelDiff(Tensor expected, Tensor got, float scale) {
        assertArrayEquals(expected.shape(), got.shape());
        int worst = 0;
        for (int i = 0; i < expected.size(); i++)
            worst = Math.max(worst, Math.round(Math.abs(expected.data()[i] - got.data()[i]) * scale));
        return worst;
    }

    @Test
    void manetPilBilinearIsBitExact() throws IOException {
        Path d = dir("manet");
        RgbImage resized = PilResize.bilinear(ImageLoader.readRgb(d.resolve("face_crop.png")), 224, 224);
        assertArrayEquals(ImageLoader.readRgb(d.resolve("face_resized_224.png")).rgb(), resized.rgb(), "PIL resize byte for byte");
        Tensor x = ModelPreprocessing.byName("manet").apply(d.resolve("face_crop.png"));
        assertArrayEquals(Npy.read(d.resolve("input_face.npy")).data(), x.nhwcToNchw().data());
    }

    @Test
    void lanmsffOpenCvGrayAndLinearResize() throws IOException {
        Path d = dir("lanmsff");
        Tensor x = ModelPreprocessing.byName("lanmsff").apply(d.resolve("face_crop.png"));
        assertEquals(0, maxLevelDiff(Npy.read(d.resolve("input_face.npy")), x, 1f));
    }

    @Test
    void pattLiteOpenCvLinearResize() throws IOException {
        Path d = dir("patt-lite");
        Tensor x = ModelPreprocessing.byName("patt-lite").apply(d.resolve("face_crop.png"));
        assertEquals(0, maxLevelDiff(Npy.read(d.resolve("input_face.npy")), x, 1f));
    }

    @Test
    void kerasRealGrayCropsResizeLikeTheDemo() throws IOException {
        Path d = dir("keras-real");
        // face64_* are the demo's cv2.resize of the gray crop face_*: compare our resize to them.
        for (int i = 0; i < 9; i++) {
            Path crop = d.resolve("face_12_angry_men_" + i + ".png"), small = d.resolve("face64_12_angry_men_" + i + ".png");
            if (!Files.exists(crop) || !Files.exists(small)) continue;
            Tensor x = ModelPreprocessing.byName("keras-gray-pm1", new int[]{64, 64, 1}).apply(crop);
            RgbImage ref = ImageLoader.readRgb(small);
            float[] e = new float[64 * 64];
            for (int p = 0; p < e.length; p++) e[p] = ((ref.rgb()[3 * p] & 0xff) / 255f - 0.5f) * 2f;
            assertEquals(0, maxLevelDiff(new Tensor(new int[]{1, 64, 64, 1}, e), x, 127.5f), "crop " + i);
        }
    }
}
