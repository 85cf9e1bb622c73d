package dev.mien.faces;

import java.util.List;

/**
 * One of the detector's six face landmarks, in original-image pixels (not rounded; it may lie
 * outside the image for a face cut by the image's edge).
 */
public record Keypoint(String name, double x, double y) {
    /** The landmark names in the detector's output order (Human's names for BlazeFace's six points). */
    public static final List<String> NAMES = List.of("leftEye", "rightEye", "nose", "mouth", "leftEar", "rightEar");
}
