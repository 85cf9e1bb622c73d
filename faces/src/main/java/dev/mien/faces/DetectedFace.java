package dev.mien.faces;

import java.util.List;

/**
 * A face the detector found.
 *
 * @param box       the face in original-image pixels: the detector's box enlarged 1.4x about its
 *                  centre, made square (side = the larger side), corners rounded, then clamped to
 *                  the image (Human's {@code face.box})
 * @param cropBox   the same square before clamping (may reach outside the image): the region the
 *                  expression model sees, zero outside the image
 * @param score     the detector's confidence, sigmoid of its logit, in (0, 1] (not rounded;
 *                  Human reports {@code round(100 * score) / 100})
 * @param keypoints the six landmarks ({@link Keypoint#NAMES}), in original-image pixels
 */
public record DetectedFace(Box box, Box cropBox, float score, List<Keypoint> keypoints) {
    public DetectedFace {
        if (box == null || cropBox == null) throw new IllegalArgumentException("face without a box");
        keypoints = List.copyOf(keypoints);
    }
}
