package dev.mien.faces;

import java.util.List;

/**
 * The expression model's inputs for one image's faces: one sample per face, in the engine's
 * layout (NHWC, [height, width, channels] per sample), in the order of {@link #faces()}. Made by
 * {@link FacePipeline#crop}; handed to {@link FacePipeline#classify} of the same pipeline, possibly
 * together with other images' crops so that one model call serves many requests. Immutable.
 */
public final class FaceCrops {
    private final List<DetectedFace> faces;
    private final int[] sampleShape;
    private final float[][] samples;
    /** The pipeline whose expression model these crops were made for. */
    final Object owner;

    FaceCrops(Object owner, List<DetectedFace> faces, int[] sampleShape, float[][] samples) {
        if (faces.size() != samples.length) throw new IllegalArgumentException(faces.size() + " faces, " + samples.length + " crops");
        this.owner = owner;
        this.faces = List.copyOf(faces);
        this.sampleShape = sampleShape.clone();
        this.samples = samples;
    }

    /** The faces, one crop each. */
    public List<DetectedFace> faces() { return faces; }

    /** Number of faces (and crops). */
    public int size() { return samples.length; }

    public boolean isEmpty() { return samples.length == 0; }

    /** Per-sample shape [height, width, channels]. */
    public int[] sampleShape() { return sampleShape.clone(); }

    /** A copy of face {@code i}'s preprocessed input, NHWC. */
    public float[] sample(int i) { return samples[i].clone(); }

    /** Face {@code i}'s input without a copy, for the pipeline's batching. */
    float[] sampleView(int i) { return samples[i]; }
}
