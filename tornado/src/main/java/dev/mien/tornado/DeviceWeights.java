package dev.mien.tornado;

import dev.mien.kernels.PackedLayouts;
import dev.mien.kernels.PackedWeights;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

import java.lang.foreign.MemorySegment;

/**
 * Conv or dense weights for the device: plain HWIO ({@code [in][out]} for dense) in the
 * TornadoVM array that is uploaded, once, to every device program that uses them. The host copy
 * is this array itself: the model holds each weight once.
 */
record DeviceWeights(FloatArray array) implements PackedWeights {
    @Override public String backend() { return "tornadovm"; }
    @Override public String layout() { return PackedLayouts.HWIO; }
    @Override public MemorySegment segment() { return array.getSegment().asReadOnly(); }

    static DeviceWeights of(float[] values) { return new DeviceWeights(FloatArray.fromArray(values)); }
}
