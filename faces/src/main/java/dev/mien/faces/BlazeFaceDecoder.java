package dev.mien.faces;

import org.joml.Matrix3x2d;
import org.joml.Matrix3x2dc;
import org.joml.Vector2d;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns BlazeFace's raw output — one row per anchor: logit, box centre offset (dx, dy), box size
 * (w, h), six keypoint offsets (x, y), all in detector-input pixels — into faces in image
 * pixels, with Human 3.3.6's arithmetic: the box corners in float32 as its tensors hold them,
 * the rest in double as its JavaScript does.
 */
final class BlazeFaceDecoder {
    static final int COLUMNS = 17;
    static final int KEYPOINTS = 6;
    /** Human's {@code face.detector.scale}: the box grows by this about its centre before squaring. */
    static final double ENLARGE = 1.4;

    private final int inputSize;
    private final float[] anchors;

    BlazeFaceDecoder(int inputSize) {
        this.inputSize = inputSize;
        this.anchors = Anchors.centres(inputSize);
    }

    int anchorCount() { return anchors.length / 2; }

    int inputSize() { return inputSize; }

    /** Detector-space corners x1, y1, x2, y2 of every anchor's box, as float32 (TF.js's decodeBoxes). */
    float[] corners(float[] raw) {
        int n = anchorCount();
        float[] boxes = new float[4 * n];
        float size = inputSize;
        for (int a = 0; a < n; a++) {
            int r = a * COLUMNS;
            float cx = raw[r + 1] + anchors[2 * a], cy = raw[r + 2] + anchors[2 * a + 1];
            float halfW = raw[r + 3] / size / 2f, halfH = raw[r + 4] / size / 2f;
            float ncx = cx / size, ncy = cy / size;
            boxes[4 * a] = (ncx - halfW) * size;
            boxes[4 * a + 1] = (ncy - halfH) * size;
            boxes[4 * a + 2] = (ncx + halfW) * size;
            boxes[4 * a + 3] = (ncy + halfH) * size;
        }
        return boxes;
    }

    /** Sigmoid of every anchor's logit, rounded to float32. */
    float[] scores(float[] raw) {
        int n = anchorCount();
        float[] s = new float[n];
        for (int a = 0; a < n; a++) s[a] = (float) (1 / (1 + Math.exp(-raw[a * COLUMNS])));
        return s;
    }

    /**
     * The faces of one image, best first.
     *
     * @param raw      the detector's [anchors, 17] output
     * @param toImage  maps detector-input pixels to image pixels (a scale per axis, and a shift
     *                 when the image was letterboxed)
     * @param width    the image's width, for clamping
     * @param height   the image's height
     * @param minFaceSize square boxes smaller than this on a side are dropped (0: none)
     */
    List<DetectedFace> decode(float[] raw, Matrix3x2dc toImage, int width, int height,
                              int maxFaces, float iouThreshold, float minScore, int minFaceSize) {
        if (raw.length != anchorCount() * COLUMNS)
            throw new IllegalArgumentException("detector output has " + raw.length + " values, expected " + anchorCount() + " x " + COLUMNS);
        float[] boxes = corners(raw), scores = scores(raw);
        List<DetectedFace> faces = new ArrayList<>();
        for (int a : NonMaxSuppression.select(boxes, scores, maxFaces, iouThreshold, minScore)) {
            DetectedFace f = place(raw, boxes, a, scores[a], toImage, width, height);
            if (f != null && f.cropBox().width() >= minFaceSize && f.cropBox().height() >= minFaceSize) faces.add(f);
        }
        return faces;
    }

    /** One anchor's face in image pixels: enlarged, squared, rounded, then clamped. Null for Human's degenerate box. */
    private DetectedFace place(float[] raw, float[] boxes, int a, float score, Matrix3x2dc toImage, int width, int height) {
        Vector2d start = toImage.transformPosition(new Vector2d(boxes[4 * a], boxes[4 * a + 1]));
        Vector2d end = toImage.transformPosition(new Vector2d(boxes[4 * a + 2], boxes[4 * a + 3]));
        if (!start.isFinite() || !end.isFinite())
            throw new IllegalStateException("the detector's box for anchor " + a + " is not finite (NaN or infinite values in the model)");
        // Enlarge about the centre (Human's enlargeBox) ...
        Vector2d centre = center(start, end);
        Vector2d half = new Vector2d(Math.abs(end.x - start.x), Math.abs(end.y - start.y)).mul(ENLARGE).div(2);
        Vector2d eStart = new Vector2d(centre).sub(half), eEnd = new Vector2d(centre).add(half);
        // ... then square it about its centre with rounded corners (squarifyBox).
        double enlargedW = Math.abs(eEnd.x - eStart.x), enlargedH = Math.abs(eEnd.y - eStart.y);
        if (Math.round(enlargedW) <= 0 || Math.round(enlargedH) <= 0) return null;   // Human keeps sizes > minSize = 0
        Vector2d c2 = center(eStart, eEnd);
        double halfSide = Math.max(enlargedW, enlargedH) / 2;
        long x1 = Math.round(c2.x - halfSide), y1 = Math.round(c2.y - halfSide);
        long x2 = Math.round(c2.x + halfSide), y2 = Math.round(c2.y + halfSide);
        Box crop = new Box(toInt(x1), toInt(y1), toInt(x2 - x1), toInt(y2 - y1));
        List<Keypoint> keypoints = new ArrayList<>(KEYPOINTS);
        for (int k = 0; k < KEYPOINTS; k++) {
            // Keypoint offsets are added to the anchor in double (Human adds JavaScript numbers).
            double kx = (double) raw[a * COLUMNS + 5 + 2 * k] + anchors[2 * a];
            double ky = (double) raw[a * COLUMNS + 6 + 2 * k] + anchors[2 * a + 1];
            Vector2d p = toImage.transformPosition(new Vector2d(kx, ky));
            keypoints.add(new Keypoint(Keypoint.NAMES.get(k), p.x, p.y));
        }
        return new DetectedFace(clamp(x1, y1, x2, y2, width, height), crop, score, keypoints);
    }

    /** start + (end - start) / 2, Human's box centre. */
    private static Vector2d center(Vector2d start, Vector2d end) {
        return new Vector2d(start.x + (end.x - start.x) / 2, start.y + (end.y - start.y) / 2);
    }

    /** Human's clampBox: corners into the image, width and height from the clamped corners. */
    static Box clamp(long x1, long y1, long x2, long y2, int width, int height) {
        long cx = Math.max(0, x1), cy = Math.max(0, y1);
        long w = Math.min(width, x2) - cx, h = Math.min(height, y2) - cy;
        return new Box(toInt(Math.min(cx, width)), toInt(Math.min(cy, height)), toInt(Math.max(0, w)), toInt(Math.max(0, h)));
    }

    private static int toInt(long v) { return (int) Math.max(Integer.MIN_VALUE / 4, Math.min(Integer.MAX_VALUE / 4, v)); }

    /**
     * Detector pixels to image pixels: x * W / size, y * H / size (Human), or with
     * {@code letterbox} one scale max(W, H) / size for both axes less the centring offset.
     */
    static Matrix3x2d toImage(int width, int height, int inputSize, boolean letterbox) {
        if (!letterbox) return new Matrix3x2d().scaling((double) width / inputSize, (double) height / inputSize);
        int side = Math.max(width, height);
        Letterbox lb = Letterbox.of(width, height);
        double s = (double) side / inputSize;
        return new Matrix3x2d(s, 0, 0, s, -lb.left(), -lb.top());
    }

    /** The black margins that centre a W x H image on a square of side max(W, H). */
    record Letterbox(int side, int left, int top) {
        static Letterbox of(int width, int height) {
            int side = Math.max(width, height);
            return new Letterbox(side, (side - width) / 2, (side - height) / 2);
        }
    }
}
