package dev.mien.faces;

/** A detected face with its expressions. */
public record Face(DetectedFace detection, Expressions expressions) {
    public Face {
        if (detection == null || expressions == null) throw new IllegalArgumentException("face without a detection or expressions");
    }

    public Box box() { return detection.box(); }

    public float score() { return detection.score(); }
}
