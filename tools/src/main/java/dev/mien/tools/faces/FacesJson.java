package dev.mien.tools.faces;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mien.faces.FaceAnalysis;

/**
 * The JSON of one image's faces, shared by {@code mien predict --json} (one line per image) and
 * the server:
 * <pre>{"image": PATH, "width": W, "height": H, "faces": [{"box": [x, y, w, h], "score": S,
 *   "keypoints": [[x, y], ...], "expressions": {"angry": p, ..., "neutral": p}}]}</pre>
 * Boxes in original-image pixels (the square, enlarged box clamped to the image); expressions
 * are the model's raw probabilities for every label, in label order. Thread-safe.
 */
public final class FacesJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private FacesJson() {}

    /** The object for one image; {@code image} is the name to report (a path, or null to leave it out). */
    public static ObjectNode toJson(String image, FaceAnalysis analysis) { throw new UnsupportedOperationException("not yet"); }

    /** {@link #toJson} as one line of text (JSON Lines). */
    public static String line(String image, FaceAnalysis analysis) { return toJson(image, analysis).toString(); }

    /** The error object for an image that could not be analysed: {@code {"image": PATH, "error": MESSAGE}}. */
    public static ObjectNode error(String image, String message) { throw new UnsupportedOperationException("not yet"); }
}
