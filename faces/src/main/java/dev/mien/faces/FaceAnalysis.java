package dev.mien.faces;

import java.util.List;

/**
 * Everything {@link FacePipeline#analyze} found in one image: its size and every face, in the
 * detector's order (falling score, as Human's non-maximum suppression returns them).
 */
public record FaceAnalysis(int width, int height, List<Face> faces) {
    public FaceAnalysis {
        faces = List.copyOf(faces);
    }

    /**
     * Joins the stages' results: {@code detections.get(i)} with {@code expressions.get(i)} (what
     * {@link FacePipeline#crop} and {@link FacePipeline#classify} return for one image).
     */
    public static FaceAnalysis of(int width, int height, List<DetectedFace> detections, List<Expressions> expressions) {
        if (detections.size() != expressions.size())
            throw new IllegalArgumentException(detections.size() + " faces, " + expressions.size() + " expressions");
        List<Face> faces = new java.util.ArrayList<>();
        for (int i = 0; i < detections.size(); i++) faces.add(new Face(detections.get(i), expressions.get(i)));
        return new FaceAnalysis(width, height, faces);
    }
}
