package dev.mien.faces;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mien.engine.image.RgbImage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The default pipeline (builtin:blazeface, builtin:emotion) end to end against Human 3.3.6 on
 * the sample photos: the same faces in the same order, boxes within 2 pixels, detector scores
 * and keypoints within float rounding, expression probabilities within 1e-3 (measured: far
 * closer; the maxima are printed).
 */
class HumanEndToEndTest {
    static FacePipeline pipeline;

    @BeforeAll static void open() throws Exception { pipeline = FacePipeline.openDefault(); }

    @AfterAll static void close() { pipeline.close(); }

    @Test void defaultPipelineIsHumans() {
        assertEquals(CropPreprocessing.HUMAN, pipeline.cropPreprocessing());
        assertEquals(FacePipeline.HUMAN_LABELS, pipeline.labels());
        assertEquals(256, pipeline.detectorSize());
    }

    /** PNGs decode identically in Java and PIL: everything must agree. */
    @Test void samePhotosSameFacesSameExpressions() {
        for (String file : HumanParityTest.PNGS) compare(file, 0, 1e-5);   // the issue asks 1e-3; measured 3e-8
    }

    /**
     * The JPEG: Java's decoder and libjpeg may differ by a level here and there, so only the
     * faces and boxes must agree (within 3 pixels), expressions within 0.05.
     */
    @Test void jpegPhotoFindsTheSameFace() {
        compare("grace_hopper.jpg", 3, 0.05);
    }

    private static void compare(String file, int boxTolerance, double expressionTolerance) {
        RgbImage img = HumanReference.sample(file);
        FaceAnalysis a = pipeline.analyze(img);
        JsonNode expected = HumanReference.photo(file).path("faces");
        assertEquals(expected.size(), a.faces().size(), file + ": faces");
        assertTrue(a.faces().size() > 0);
        int maxBox = 0;
        double maxScore = 0, maxKeypoint = 0, maxExpression = 0;
        for (int i = 0; i < expected.size(); i++) {
            JsonNode e = expected.get(i);
            Face f = a.faces().get(i);
            int[] box = HumanParityTest.ints(e.path("box"));
            int[] got = {f.box().x(), f.box().y(), f.box().width(), f.box().height()};
            for (int k = 0; k < 4; k++) maxBox = Math.max(maxBox, Math.abs(box[k] - got[k]));
            maxScore = Math.max(maxScore, Math.abs(e.path("detector_score_raw").asDouble() - f.score()));
            for (int k = 0; k < 6; k++) {
                maxKeypoint = Math.max(maxKeypoint, Math.abs(e.path("keypoints").get(k).get(0).asDouble() - f.detection().keypoints().get(k).x()));
                maxKeypoint = Math.max(maxKeypoint, Math.abs(e.path("keypoints").get(k).get(1).asDouble() - f.detection().keypoints().get(k).y()));
            }
            JsonNode raw = e.path("emotion_raw");
            List<String> labels = f.expressions().labels();
            for (int k = 0; k < labels.size(); k++)
                maxExpression = Math.max(maxExpression, Math.abs(raw.path(labels.get(k)).asDouble() - f.expressions().probability(k)));
        }
        System.out.printf("%s: %d faces; max |difference| to Human: box %d px, score %.2e, keypoint %.2e px, expression %.2e%n",
                file, a.faces().size(), maxBox, maxScore, maxKeypoint, maxExpression);
        assertTrue(maxBox <= Math.max(boxTolerance, 2), file + ": boxes differ by " + maxBox + " px");
        assertTrue(maxExpression <= expressionTolerance, file + ": expressions differ by " + maxExpression);
        if (boxTolerance == 0) {
            assertEquals(0, maxBox, file + ": boxes");
            assertTrue(maxScore <= 1e-5, file + ": scores differ by " + maxScore);
            assertTrue(maxKeypoint <= 1e-2, file + ": keypoints differ by " + maxKeypoint);
        }
    }
}
