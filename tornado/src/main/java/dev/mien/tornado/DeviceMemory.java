package dev.mien.tornado;

import dev.mien.kernels.ResizeShape;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * One workspace's TornadoVM arrays: one per host array its calls name (planned slots and
 * constants, by identity, so a slot keeps its device buffer across runs and programs), the axis
 * maps of each resize, and the stand-in for an absent bias or residual. Owned by one workspace;
 * dropped with it.
 */
final class DeviceMemory {
    private final Map<Object, Object> device = new IdentityHashMap<>();
    /** Stands in for an absent bias / residual (the kernel's flag says not to read it). */
    final FloatArray none = new FloatArray(1);

    /** The device array of a call buffer: host arrays get one (with their current contents) on first use. */
    Object resolve(Object buffer) {
        if (buffer == null) return none;
        if (buffer instanceof float[] host) return device.computeIfAbsent(host, k -> copyOf(host));
        return buffer;   // already a device array (weights, resize maps)
    }

    FloatArray of(float[] host) { return (FloatArray) resolve(host); }

    private static FloatArray copyOf(float[] host) {
        FloatArray a = new FloatArray(Math.max(1, host.length));
        MemorySegment.copy(host, 0, a.getSegment(), ValueLayout.JAVA_FLOAT, 0, host.length);
        return a;
    }

    static void upload(float[] host, FloatArray dev) {
        MemorySegment.copy(host, 0, dev.getSegment(), ValueLayout.JAVA_FLOAT, 0, host.length);
    }

    static void download(FloatArray dev, float[] host) {
        MemorySegment.copy(dev.getSegment(), ValueLayout.JAVA_FLOAT, 0, host, 0, host.length);
    }

    /** A resize's source rows / columns ({@code [y lo, y hi, x lo, x hi]}) and weights ({@code [y, x]}), made once per shape object. */
    Object[] resizeMaps(ResizeShape s) {
        Object[] m = (Object[]) device.get(s);
        if (m != null) return m;
        int oh = s.outH(), ow = s.outW();
        IntArray idx = new IntArray(2 * oh + 2 * ow);
        FloatArray frac = new FloatArray(oh + ow);
        for (int i = 0; i < oh; i++) {
            idx.set(i, s.ys().lo()[i]);
            idx.set(oh + i, s.ys().hi()[i]);
            frac.set(i, (float) s.ys().frac()[i]);
        }
        for (int i = 0; i < ow; i++) {
            idx.set(2 * oh + i, s.xs().lo()[i]);
            idx.set(2 * oh + ow + i, s.xs().hi()[i]);
            frac.set(oh + i, (float) s.xs().frac()[i]);
        }
        m = new Object[]{idx, frac};
        device.put(s, m);
        return m;
    }
}
