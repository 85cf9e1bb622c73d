package dev.mien.faces;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Greedy non-maximum suppression as TensorFlow's {@code non_max_suppression} (hard, no soft-NMS):
 * candidates scoring above the threshold, best first (the lower index first among equal scores);
 * a candidate is dropped when its IoU with any kept box is at least the IoU threshold.
 */
final class NonMaxSuppression {
    private NonMaxSuppression() {}

    /**
     * Indices of the kept boxes, best first. {@code boxes} holds four corners per box
     * (two opposite corners, in any order); IoU is computed in double precision like TF.js.
     */
    static List<Integer> select(float[] boxes, float[] scores, int maxOutput, float iouThreshold, float scoreThreshold) {
        List<Integer> candidates = new ArrayList<>();
        for (int i = 0; i < scores.length; i++) if (scores[i] > scoreThreshold) candidates.add(i);
        candidates.sort(Comparator.comparingDouble((Integer i) -> -scores[i]).thenComparingInt(i -> i));
        List<Integer> kept = new ArrayList<>();
        for (int c : candidates) {
            if (kept.size() >= maxOutput) break;
            boolean suppressed = false;
            for (int j = kept.size() - 1; j >= 0 && !suppressed; j--) suppressed = iou(boxes, c, kept.get(j)) >= iouThreshold;
            if (!suppressed) kept.add(c);
        }
        return kept;
    }

    static double iou(float[] b, int i, int j) {
        double aMinY = Math.min(b[4 * i], b[4 * i + 2]), aMinX = Math.min(b[4 * i + 1], b[4 * i + 3]);
        double aMaxY = Math.max(b[4 * i], b[4 * i + 2]), aMaxX = Math.max(b[4 * i + 1], b[4 * i + 3]);
        double bMinY = Math.min(b[4 * j], b[4 * j + 2]), bMinX = Math.min(b[4 * j + 1], b[4 * j + 3]);
        double bMaxY = Math.max(b[4 * j], b[4 * j + 2]), bMaxX = Math.max(b[4 * j + 1], b[4 * j + 3]);
        double areaA = (aMaxY - aMinY) * (aMaxX - aMinX), areaB = (bMaxY - bMinY) * (bMaxX - bMinX);
        if (areaA <= 0 || areaB <= 0) return 0;
        double inter = Math.max(Math.min(aMaxY, bMaxY) - Math.max(aMinY, bMinY), 0) * Math.max(Math.min(aMaxX, bMaxX) - Math.max(aMinX, bMinX), 0);
        return inter / (areaA + areaB - inter);
    }
}
