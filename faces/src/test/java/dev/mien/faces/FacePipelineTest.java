package dev.mien.faces;

import dev.mien.engine.Model;
import dev.mien.engine.image.RgbImage;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pipeline's stages and options on generated models (no built-in models needed). */
class FacePipelineTest {
    static final List<String> LABELS = FacePipeline.HUMAN_LABELS;
    static final float[] W = {1f, -1f, 0.5f, 2f, -2f, 0.25f, 0f};
    static final float[] B = {0f, 0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f};

    static RgbImage randomImage(int w, int h, long seed) {
        byte[] px = new byte[3 * w * h];
        new Random(seed).nextBytes(px);
        return new RgbImage(w, h, px);
    }

    /** Two faces: centre (64, 80) size 40x48, and (180, 150) size 60x60, detector pixels. */
    static float[] twoFaces() {
        return SyntheticModels.table(new int[]{100, 700}, new float[][]{{64, 80, 40, 48}, {180, 150, 60, 60}});
    }

    static float[] expected(float[] crop) {
        double mean = 0;
        for (float v : crop) mean += v;
        float m = (float) (mean / crop.length);
        float[] logits = new float[W.length];
        for (int i = 0; i < W.length; i++) logits[i] = m * W[i] + B[i];
        return dev.mien.engine.Scores.softmax(logits);
    }

    @Test void stagesCompose() throws Exception {
        try (Model det = SyntheticModels.detector(twoFaces());
             Model expr = SyntheticModels.expression(64, 64, 1, W, B, LABELS, "");
             FacePipeline p = FacePipeline.builder().detector(det).expressionModel(expr).cropPreprocessing(CropPreprocessing.HUMAN).build()) {
            RgbImage img = randomImage(512, 384, 1);
            List<DetectedFace> faces = p.detect(img);
            assertEquals(2, faces.size());
            // Centre (64, 80) x (2, 1.5); size 40x48 scaled to 80x72, enlarged 1.4x to 112x100.8, squared to 112.
            DetectedFace f = faces.get(0);
            assertEquals(new Box(72, 64, 112, 112), f.cropBox());
            assertEquals(new Box(72, 64, 112, 112), f.box());
            assertEquals((float) (1 / (1 + Math.exp(-3))), f.score(), 1e-7f);
            assertEquals(Keypoint.NAMES, f.keypoints().stream().map(Keypoint::name).toList());
            FaceCrops crops = p.crop(img, faces);
            assertEquals(2, crops.size());
            assertArrayEquals(new int[]{64, 64, 1}, crops.sampleShape());
            List<Expressions> e = p.classify(crops);
            for (int i = 0; i < 2; i++) {
                float[] want = expected(crops.sample(i));
                assertArrayEquals(want, e.get(i).toArray(), 1e-6f);
                assertEquals(LABELS, e.get(i).labels());
            }
            FaceAnalysis a = p.analyze(img);
            assertEquals(512, a.width());
            assertEquals(384, a.height());
            assertEquals(faces, a.faces().stream().map(Face::detection).toList());
            for (int i = 0; i < 2; i++) assertEquals(e.get(i), a.faces().get(i).expressions());
        }
    }

    @Test void batchAcrossImagesEqualsOneByOne() throws Exception {
        try (Model det = SyntheticModels.detector(twoFaces());
             Model expr = SyntheticModels.expression(64, 64, 1, W, B, LABELS, "");
             FacePipeline p = FacePipeline.builder().detector(det).expressionModel(expr).cropPreprocessing(CropPreprocessing.HUMAN).build()) {
            List<FaceCrops> all = new ArrayList<>();
            List<List<Expressions>> single = new ArrayList<>();
            // 20 images x 2 faces: 40 crops, more than one model call (MAX_BATCH 32).
            for (int i = 0; i < 20; i++) {
                RgbImage img = randomImage(100 + 7 * i, 90 + 3 * i, i);
                FaceCrops c = p.crop(img, p.detect(img));
                all.add(c);
                single.add(p.classify(c));
            }
            all.add(p.crop(randomImage(50, 50, 99), List.of()));   // an image without faces
            List<List<Expressions>> batched = p.classify(all);
            assertEquals(21, batched.size());
            for (int i = 0; i < 20; i++)
                for (int k = 0; k < 2; k++) assertArrayEquals(single.get(i).get(k).toArray(), batched.get(i).get(k).toArray(), 1e-6f);
            assertTrue(batched.get(20).isEmpty());
        }
    }

    @Test void concurrentCallersGetTheirOwnAnswers() throws Exception {
        try (Model det = SyntheticModels.detector(twoFaces());
             Model expr = SyntheticModels.expression(64, 64, 1, W, B, LABELS, "");
             FacePipeline p = FacePipeline.builder().detector(det).expressionModel(expr).cropPreprocessing(CropPreprocessing.HUMAN).build();
             ExecutorService pool = Executors.newFixedThreadPool(4)) {
            List<RgbImage> images = new ArrayList<>();
            List<FaceAnalysis> alone = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                images.add(randomImage(120 + i, 100 + 2 * i, 40 + i));
                alone.add(p.analyze(images.get(i)));
            }
            List<Future<FaceAnalysis>> futures = new ArrayList<>();
            for (int r = 0; r < 3; r++) for (RgbImage img : images) futures.add(pool.submit(() -> p.analyze(img)));
            for (int i = 0; i < futures.size(); i++) assertEquals(alone.get(i % 8), futures.get(i).get());
        }
    }

    @Test void cardPreprocessingForOtherModels() throws Exception {
        try (Model det = SyntheticModels.detector(twoFaces());
             Model expr = SyntheticModels.expression(48, 48, 1, W, B, List.of("a", "b", "c", "d", "e", "f", "g"), "keras-gray-pm1");
             FacePipeline p = FacePipeline.builder().detector(det).expressionModel(expr).build()) {
            assertEquals(CropPreprocessing.CARD, p.cropPreprocessing());
            assertEquals(List.of("a", "b", "c", "d", "e", "f", "g"), p.labels());
            RgbImage img = randomImage(256, 256, 5);
            FaceCrops crops = p.crop(img, p.detect(img));
            assertArrayEquals(new int[]{48, 48, 1}, crops.sampleShape());
            float[] x = crops.sample(0);
            for (float v : x) assertTrue(v >= -1f && v <= 1f, "keras-gray-pm1 scales to [-1, 1]");
            assertArrayEquals(expected(x), p.classify(crops).get(0).toArray(), 1e-6f);
        }
    }

    @Test void modelWithoutPreprocessingIsRefusedUnlessHumansCrop() throws Exception {
        try (Model det = SyntheticModels.detector(twoFaces());
             Model expr = SyntheticModels.expression(64, 64, 1, W, B, List.of(), "")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> FacePipeline.builder().detector(det).expressionModel(expr).build());
            assertTrue(e.getMessage().contains("preprocess"), e.getMessage());
            try (FacePipeline p = FacePipeline.builder().detector(det).expressionModel(expr).cropPreprocessing(CropPreprocessing.HUMAN).build()) {
                assertEquals(LABELS, p.labels(), "seven outputs with Human's crop: Human's labels");
            }
        }
    }

    @Test void minFaceSizeDropsSmallFaces() throws Exception {
        try (Model det = SyntheticModels.detector(twoFaces());
             Model expr = SyntheticModels.expression(64, 64, 1, W, B, LABELS, "")) {
            RgbImage img = randomImage(256, 256, 2);
            try (FacePipeline p = FacePipeline.builder().detector(det).expressionModel(expr).cropPreprocessing(CropPreprocessing.HUMAN).build()) {
                List<DetectedFace> all = p.detect(img);
                assertEquals(2, all.size());
                int small = Math.min(all.get(0).cropBox().width(), all.get(1).cropBox().width());
                try (FacePipeline q = FacePipeline.builder().detector(det).expressionModel(expr).cropPreprocessing(CropPreprocessing.HUMAN)
                        .minFaceSize(small + 1).build()) {
                    List<DetectedFace> big = q.detect(img);
                    assertEquals(1, big.size());
                    assertTrue(big.get(0).cropBox().width() > small);
                }
            }
        }
    }

    @Test void letterboxKeepsTheAspectRatio() throws Exception {
        // One square face: centre (128, 96), size 64x64 detector pixels.
        float[] raw = SyntheticModels.table(new int[]{300}, new float[][]{{128, 96, 64, 64}});
        try (Model det = SyntheticModels.detector(raw);
             Model expr = SyntheticModels.expression(64, 64, 1, W, B, LABELS, "")) {
            RgbImage wide = randomImage(800, 400, 3);
            try (FacePipeline stretched = FacePipeline.builder().detector(det).expressionModel(expr).cropPreprocessing(CropPreprocessing.HUMAN).build();
                 FacePipeline boxed = FacePipeline.builder().detector(det).expressionModel(expr).cropPreprocessing(CropPreprocessing.HUMAN).letterbox(true).build()) {
                DetectedFace s = stretched.detect(wide).get(0);
                DetectedFace l = boxed.detect(wide).get(0);
                // Stretched (Human): x * 800/256, y * 400/256: centre (400, 150), 200 x 100, enlarged 280 x 140, squared 280.
                assertEquals(new Box(260, 10, 280, 280), s.cropBox());
                assertEquals(new Box(260, 10, 280, 280), s.box());
                assertEquals(150, s.keypoints().get(2).y(), 1e-9);
                // Letterboxed on an 800 x 800 square, 200 px of black above: centre (400, 100), 200 x 200, enlarged 280.
                assertEquals(new Box(260, -40, 280, 280), l.cropBox());
                assertEquals(new Box(260, 0, 280, 240), l.box(), "clamped to the image");
                assertEquals(100, l.keypoints().get(2).y(), 1e-9);
                assertEquals(400 - 0.5 * 64 / 8 * 800 / 256, l.keypoints().get(2).x(), 1e-9);
            }
        }
    }

    @Test void closedPipelineRefusesWorkAndLeavesGivenModelsOpen() throws Exception {
        try (Model det = SyntheticModels.detector(twoFaces());
             Model expr = SyntheticModels.expression(64, 64, 1, W, B, LABELS, "")) {
            FacePipeline p = FacePipeline.builder().detector(det).expressionModel(expr).cropPreprocessing(CropPreprocessing.HUMAN).build();
            RgbImage img = randomImage(64, 64, 1);
            FaceCrops crops = p.crop(img, p.detect(img));
            p.close();
            p.close();
            assertThrows(IllegalStateException.class, () -> p.detect(img));
            assertThrows(IllegalStateException.class, () -> p.classify(crops));
            assertFalse(det.isClosed());
            assertFalse(expr.isClosed());
            try (FacePipeline q = FacePipeline.builder().detector(det).expressionModel(expr).cropPreprocessing(CropPreprocessing.HUMAN)
                    .closeModels(true).build()) {
                assertThrows(IllegalArgumentException.class, () -> q.classify(crops), "crops of another pipeline");
            }
            assertTrue(det.isClosed());
            assertTrue(expr.isClosed());
        }
    }

    @Test void tinyAndThinImagesWork() throws Exception {
        try (Model det = SyntheticModels.detector(twoFaces());
             Model expr = SyntheticModels.expression(64, 64, 1, W, B, LABELS, "");
             FacePipeline p = FacePipeline.builder().detector(det).expressionModel(expr).cropPreprocessing(CropPreprocessing.HUMAN).build();
             FacePipeline boxed = FacePipeline.builder().detector(det).expressionModel(expr).cropPreprocessing(CropPreprocessing.HUMAN).letterbox(true).build()) {
            for (RgbImage img : List.of(randomImage(1, 1, 1), randomImage(3000, 1, 2), randomImage(1, 700, 3))) {
                for (FacePipeline q : List.of(p, boxed)) {
                    FaceAnalysis a = q.analyze(img);
                    for (Face f : a.faces()) {
                        Box b = f.box();
                        assertTrue(b.x() >= 0 && b.y() >= 0 && b.right() <= img.width() && b.bottom() <= img.height(), b + " inside " + img.width() + "x" + img.height());
                        for (float v : f.expressions().toArray()) assertTrue(v >= 0 && v <= 1);
                    }
                }
            }
        }
    }

    @Test void nonFiniteDetectorOutputFailsLoudly() throws Exception {
        float[] raw = twoFaces();
        raw[100 * 17 + 3] = Float.NaN;
        try (Model det = SyntheticModels.detector(raw);
             Model expr = SyntheticModels.expression(64, 64, 1, W, B, LABELS, "");
             FacePipeline p = FacePipeline.builder().detector(det).expressionModel(expr).cropPreprocessing(CropPreprocessing.HUMAN).build()) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> p.detect(randomImage(64, 64, 1)));
            assertTrue(e.getMessage().contains("not finite"), e.getMessage());
        }
    }
}
