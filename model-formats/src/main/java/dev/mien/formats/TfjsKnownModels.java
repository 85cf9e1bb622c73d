package dev.mien.formats;

import dev.mien.engine.NetworkCard;
import dev.mien.engine.ir.Graph;
import dev.mien.engine.ops.ShapeInference;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The TF.js graph models Mien recognises by content (the converter's "generatedBy" and the
 * graph's shapes): oarriaga's FER2013 emotion network (the one @vladmandic/human ships as
 * emotion.json) and MediaPipe's BlazeFace "back" detector (Human's blazeface.json).
 */
final class TfjsKnownModels {
    private TfjsKnownModels() {}

    static Graph annotate(Graph g) {
        NetworkCard card = g.card();
        String by = String.valueOf(card.extra().get("tfjs_generatedBy"));
        if (g.inputs().size() != 1) return g;
        int[] in = g.inputs().get(0).sampleShape();
        Map<String, int[]> shapes = ShapeInference.infer(g, 1).shapes();
        if (by.contains("oarriaga/face_classification") && Arrays.equals(in, new int[]{64, 64, 1}) && g.outputs().size() == 1
                && Arrays.equals(shapes.get(g.outputs().get(0)), new int[]{1, 7})) {
            return g.withCard(card.withArchitecture("oarriaga-fer2013").withPreprocessing("keras-gray-pm1").withLabels(KnownNetworks.FER2013_CLASSES)
                    .withExtra("input_range", "gray (g/255 - 0.5) * 2, i.e. -1..1")
                    .withExtra("labels_source", "oarriaga/face_classification src/utils/datasets.py get_labels('fer2013')"));
        }
        if (by.contains("mediapipe") && Arrays.equals(in, new int[]{256, 256, 3}) && isBlazeFaceBack(g, shapes)) {
            return g.withCard(card.withArchitecture("blazeface-back").withOutput(g.outputs().get(0), false)
                    .withExtra("input_range", "RGB x / 127.5 - 1, i.e. -1..1; batch 1")
                    .withExtra("outputs", List.of(
                            g.outputs().get(0) + " [1,512,1]: face logits, 16x16 cells (stride 16) x 2 anchors, row-major",
                            g.outputs().get(1) + " [1,384,1]: face logits, 8x8 cells (stride 32) x 6 anchors, row-major",
                            g.outputs().get(2) + " [1,512,16]: box dx, dy, w, h and 6 keypoints x, y (pixels of the 256 input) for the first 512 anchors",
                            g.outputs().get(3) + " [1,384,16]: the same for the last 384 anchors",
                            "Human's [896,17]: concat(" + g.outputs().get(0) + "|" + g.outputs().get(2) + ", " + g.outputs().get(1) + "|"
                                    + g.outputs().get(3) + ") along the anchors")));
        }
        return g;
    }

    /** Four outputs [512,1], [384,1], [512,16], [384,16] in that (natural name) order. */
    private static boolean isBlazeFaceBack(Graph g, Map<String, int[]> shapes) {
        if (g.outputs().size() != 4) return false;
        int[][] want = {{1, 512, 1}, {1, 384, 1}, {1, 512, 16}, {1, 384, 16}};
        for (int i = 0; i < 4; i++) if (!Arrays.equals(shapes.get(g.outputs().get(i)), want[i])) return false;
        return true;
    }
}
