package dev.mien.faces;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mien.engine.Tensor;
import dev.mien.engine.image.RgbImage;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each stage against Human 3.3.6 on the sample photos, without the models: the detector input
 * from the decoded photo, the decoding of Human's own raw detector output (boxes, scores,
 * keypoints), and the expression model's input cut from the photo with Human's boxes.
 */
class HumanParityTest {
    /** PNG samples: Java decodes them exactly as PIL does, so inputs can match bit for bit. */
    static final List<String> PNGS = List.of("astronaut.png", "group.png");
    /** Every sample Human was run on (the JPEG only through its raw detector output). */
    static final List<String> ALL = List.of("astronaut.png", "group.png", "grace_hopper.jpg");

    @Test void detectorInputMatchesHumans() {
        for (String file : PNGS) {
            RgbImage img = HumanReference.sample(file);
            float[] x = FacePipeline.detectorInput(img, 256, false);
            float[] rows = HumanReference.npy("detector_input_rows_" + HumanReference.stem(file) + ".npy").data();
            int row = 256 * 3;
            double max = 0;
            for (int k = 0; k < 8; k++)
                for (int i = 0; i < row; i++) max = Math.max(max, Math.abs(x[32 * k * row + i] - rows[k * row + i]));
            assertEquals(0, max, 0, file + ": detector input (bit for bit)");
        }
    }

    @Test void decodingHumansRawOutputGivesHumansFaces() {
        BlazeFaceDecoder decoder = new BlazeFaceDecoder(256);
        assertEquals(896, decoder.anchorCount());
        for (String file : ALL) {
            JsonNode p = HumanReference.photo(file);
            int w = p.path("width").asInt(), h = p.path("height").asInt();
            float[] raw = HumanReference.npy("detector_output_" + HumanReference.stem(file) + ".npy").data();
            List<DetectedFace> faces = decoder.decode(raw, BlazeFaceDecoder.toImage(w, h, 256, false), w, h, 100, 0.1f, 0.2f, 0);
            JsonNode expected = p.path("faces");
            assertEquals(expected.size(), faces.size(), file + ": faces");
            for (int i = 0; i < faces.size(); i++) {
                DetectedFace f = faces.get(i);
                JsonNode e = expected.get(i);
                assertArrayEquals(ints(e.path("box")), new int[]{f.box().x(), f.box().y(), f.box().width(), f.box().height()}, file + " face " + i + " box");
                assertArrayEquals(ints(e.path("box_unclamped_crop")), new int[]{f.cropBox().x(), f.cropBox().y(), f.cropBox().width(), f.cropBox().height()},
                        file + " face " + i + " crop box");
                assertEquals(e.path("detector_score_raw").floatValue(), f.score(), 0f, file + " face " + i + " score");
                JsonNode kp = e.path("keypoints");
                assertEquals(6, f.keypoints().size());
                for (int k = 0; k < 6; k++) {
                    assertEquals(kp.get(k).get(0).asDouble(), f.keypoints().get(k).x(), 0, file + " keypoint " + k);
                    assertEquals(kp.get(k).get(1).asDouble(), f.keypoints().get(k).y(), 0, file + " keypoint " + k);
                }
            }
        }
    }

    @Test void cropMatchesHumansEmotionInput() {
        for (String file : PNGS) {
            RgbImage img = HumanReference.sample(file);
            JsonNode faces = HumanReference.photo(file).path("faces");
            assertTrue(faces.size() > 0);
            for (int i = 0; i < faces.size(); i++) {
                int[] b = ints(faces.get(i).path("box_unclamped_crop"));
                float[] x = HumanCrop.input(img, new Box(b[0], b[1], b[2], b[3]), 256, 64, 64, 1);
                Tensor expected = HumanReference.npy("emotion_input_" + HumanReference.stem(file) + "_" + i + ".npy");
                assertEquals(x.length, expected.size());
                double max = 0;
                for (int k = 0; k < x.length; k++) max = Math.max(max, Math.abs(x[k] - expected.data()[k]));
                assertEquals(0, max, 0, file + " face " + i + ": emotion input (bit for bit)");
            }
        }
    }

    static int[] ints(JsonNode a) {
        int[] r = new int[a.size()];
        for (int i = 0; i < r.length; i++) r[i] = a.get(i).asInt();
        return r;
    }
}
