package dev.mien.faces;

import dev.mien.engine.image.RgbImage;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Draws a {@link FaceAnalysis} over its photo with Java2D: each face's box, its number and top
 * expression, and a bar per expression label. Stateless and thread-safe.
 */
public final class FaceAnnotator {
    private FaceAnnotator() {}

    /** A new RGB image: the photo with every face's box, label and probability bars. */
    public static BufferedImage annotate(RgbImage photo, FaceAnalysis analysis) { throw new UnsupportedOperationException("not yet"); }

    /** {@link #annotate} written as PNG to {@code out} (not closed). */
    public static void writePng(RgbImage photo, FaceAnalysis analysis, OutputStream out) throws IOException { throw new UnsupportedOperationException("not yet"); }
}
