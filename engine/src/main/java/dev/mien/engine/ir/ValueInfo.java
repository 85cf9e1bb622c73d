package dev.mien.engine.ir;

import java.util.Arrays;

/**
 * A graph input: its name and per-sample shape in the engine's layout (batch axis excluded,
 * channels last), e.g. [224,224,3]. {@code layout} says how the source framework lays the
 * tensor out ("NHWC" or "NCHW"): the engine always runs NHWC and converts NCHW tensors at the
 * boundary.
 */
public record ValueInfo(String name, int[] sampleShape, String layout) {
    public ValueInfo { sampleShape = sampleShape.clone(); }
    @Override public int[] sampleShape() { return sampleShape.clone(); }
    @Override public String toString() { return name + Arrays.toString(sampleShape) + " " + layout; }
    @Override public boolean equals(Object o) {
        return o instanceof ValueInfo v && v.name.equals(name) && Arrays.equals(v.sampleShape, sampleShape) && v.layout.equals(layout);
    }
    @Override public int hashCode() { return name.hashCode() * 31 + Arrays.hashCode(sampleShape); }
}
