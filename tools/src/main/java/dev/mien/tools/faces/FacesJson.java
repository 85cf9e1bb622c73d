package dev.mien.tools.faces;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mien.faces.Box;
import dev.mien.faces.Face;
import dev.mien.faces.FaceAnalysis;
import dev.mien.faces.Keypoint;

/**
 * The JSON of one image's faces, shared by {@code mien predict --json} (one line per image) and
 * the server:
 * <pre>{"image": PATH, "width": W, "height": H, "faces": [{"box": [x, y, w, h], "score": S,
 *   "keypoints": [[x, y], ...], "expressions": {"angry": p, ..., "neutral": p}}]}</pre>
 * Boxes in original-image pixels (the square, enlarged box clamped to the image); the score is
 * the detector's sigmoid, not rounded; keypoints in the detector's order
 * ({@link Keypoint#NAMES}); expressions are the model's raw probabilities for every label, in
 * label order. Thread-safe.
 */
public final class FacesJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private FacesJson() {}

    /** The object for one image; {@code image} is the name to report (a path, or null to leave it out). */
    public static ObjectNode toJson(String image, FaceAnalysis analysis) {
        ObjectNode o = JSON.createObjectNode();
        if (image != null) o.put("image", image);
        o.put("width", analysis.width());
        o.put("height", analysis.height());
        ArrayNode faces = o.putArray("faces");
        for (Face f : analysis.faces()) {
            ObjectNode j = faces.addObject();
            Box b = f.box();
            j.putArray("box").add(b.x()).add(b.y()).add(b.width()).add(b.height());
            j.put("score", f.score());
            ArrayNode kp = j.putArray("keypoints");
            for (Keypoint k : f.detection().keypoints()) kp.addArray().add(k.x()).add(k.y());
            ObjectNode ex = j.putObject("expressions");
            for (int i = 0; i < f.expressions().size(); i++) ex.put(f.expressions().labels().get(i), f.expressions().probability(i));
        }
        return o;
    }

    /** {@link #toJson} as one line of text (JSON Lines). */
    public static String line(String image, FaceAnalysis analysis) { return toJson(image, analysis).toString(); }

    /** The error object for an image that could not be analysed: {@code {"image": PATH, "error": MESSAGE}}. */
    public static ObjectNode error(String image, String message) {
        ObjectNode o = JSON.createObjectNode();
        if (image != null) o.put("image", image);
        o.put("error", message);
        return o;
    }
}
