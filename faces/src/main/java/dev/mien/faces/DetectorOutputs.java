package dev.mien.faces;

import dev.mien.engine.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * BlazeFace's outputs as one [anchors, 17] table. The model comes either with one output
 * already in that shape, or (converted by PINTO) with four: scores and boxes for the 16-pixel
 * grid (512 anchors) and for the 32-pixel grid (384); Human sorts those by size and joins them,
 * 512 rows first, each row a score then 16 box values. Anything else is refused, naming the shapes.
 */
final class DetectorOutputs {
    private DetectorOutputs() {}

    static float[] rows(List<Tensor> outputs, int anchors) {
        int cols = BlazeFaceDecoder.COLUMNS;
        if (outputs.size() == 1 && outputs.get(0).size() == anchors * cols) return outputs.get(0).data();
        if (outputs.size() == 4) {
            List<Tensor> s = new ArrayList<>(outputs);
            s.sort(Comparator.comparingInt(Tensor::size));
            Tensor scoresSmall = s.get(0), scoresLarge = s.get(1), boxesSmall = s.get(2), boxesLarge = s.get(3);
            int nLarge = scoresLarge.size(), nSmall = scoresSmall.size();
            if (nLarge + nSmall == anchors && boxesLarge.size() == nLarge * (cols - 1) && boxesSmall.size() == nSmall * (cols - 1)) {
                float[] raw = new float[anchors * cols];
                join(scoresLarge.data(), boxesLarge.data(), raw, 0, nLarge);
                join(scoresSmall.data(), boxesSmall.data(), raw, nLarge, nSmall);
                return raw;
            }
        }
        StringBuilder shapes = new StringBuilder();
        for (Tensor t : outputs) shapes.append(shapes.isEmpty() ? "" : ", ").append(Arrays.toString(t.shape()));
        throw new IllegalStateException("the face detector's outputs " + shapes + " are not BlazeFace's ("
                + anchors + " anchors x " + cols + " values, or four score/box outputs)");
    }

    private static void join(float[] scores, float[] boxes, float[] raw, int firstRow, int n) {
        int cols = BlazeFaceDecoder.COLUMNS;
        for (int i = 0; i < n; i++) {
            int r = (firstRow + i) * cols;
            raw[r] = scores[i];
            System.arraycopy(boxes, i * (cols - 1), raw, r + 1, cols - 1);
        }
    }
}
