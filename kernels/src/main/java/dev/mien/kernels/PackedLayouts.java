package dev.mien.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The packed weight layouts and their ids, in plain Java: packing needs no Vector API, and a
 * {@code .mien} file written on one machine must be readable (repacked) on another whose
 * backend or vector length differs. Ids:
 * <ul>
 *   <li>{@value #HWIO}: the weights as given, HWIO {@code [kH][kW][inC/groups][outC]} (the
 *       scalar reference, and the depthwise kernel, whose HWIO is already {@code [kh][kw][C]});</li>
 *   <li>{@code blocked-cbN-v1}: {@code [group][block][kh][kw][ci][N]}, output channels in
 *       blocks of N = two vectors, zero-padded past each group's channels (the vector direct
 *       and sliced kernels, and dense layers as 1x1 convolutions).</li>
 * </ul>
 * Changing a layout's byte order means a new id (bump the {@code v} suffix).
 */
public final class PackedLayouts {
    private PackedLayouts() {}

    public static final String HWIO = "hwio-f32";
    /** fp32, little-endian, any alignment: the element layout of every packed segment. */
    public static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public static String blocked(int cb) { return "blocked-cb" + cb + "-v1"; }

    /** Floats a layout needs for shape {@code s}; -1 for an id this build does not know. */
    public static long floats(String layout, ConvShape s) {
        if (HWIO.equals(layout)) return s.weightCount();
        int cb = blockOf(layout);
        if (cb < 1) return -1;
        long nb = (s.outGroupC() + cb - 1) / cb;
        return s.groups() * nb * s.kH() * s.kW() * s.inGroupC() * cb;
    }

    /**
     * A zeroed off-heap segment for {@code floats} packed floats, 64-byte aligned, freed by the
     * GC once no packed weights refer to it. Off-heap, not a heap byte[]: C2 compiles the
     * Vector API's segment loads to plain vector loads for native segments, but boxes a vector
     * per load from a heap segment (measured on JDK 25: 440 KB allocated and 10x the time per
     * call of a small convolution).
     */
    public static MemorySegment allocate(long floats) {
        if (floats < 0) throw new IllegalArgumentException("negative size " + floats);
        return Arena.ofAuto().allocate(4 * floats, 64);
    }

    /** HWIO weights as they are, in an off-heap segment. */
    public static MemorySegment hwio(ConvShape s, float[] hwio) {
        check(s, hwio);
        MemorySegment seg = allocate(hwio.length);
        MemorySegment.copy(hwio, 0, seg, F32, 0, hwio.length);
        return seg;
    }

    /** HWIO weights packed as {@code [group][block][kh][kw][ci][cb]}. */
    public static MemorySegment packBlocked(ConvShape s, float[] hwio, int cb) {
        check(s, hwio);
        int g = s.groups(), cig = s.inGroupC(), cog = s.outGroupC(), kk = s.kH() * s.kW();
        int nb = (cog + cb - 1) / cb;
        MemorySegment p = allocate((long) g * nb * kk * cig * cb);
        for (int gi = 0; gi < g; gi++)
            for (int b = 0; b < nb; b++)
                for (int k = 0; k < kk; k++)
                    for (int ci = 0; ci < cig; ci++) {
                        long dst = ((((long) gi * nb + b) * kk + k) * cig + ci) * cb;
                        int src = (k * cig + ci) * s.outC() + gi * cog + b * cb;
                        MemorySegment.copy(hwio, src, p, F32, 4 * dst, Math.min(cb, cog - b * cb));
                    }
        return p;
    }

    /**
     * The HWIO weights back from a packed segment of any known layout: how a model repacks
     * weights saved for another backend or vector length.
     */
    public static float[] unpack(String layout, ConvShape s, MemorySegment seg) {
        long need = floats(layout, s);
        if (need < 0) throw new IllegalArgumentException("unknown packed weight layout '" + layout + "'");
        if (seg.byteSize() != 4 * need)
            throw new IllegalArgumentException("packed weights of " + seg.byteSize() + " bytes, layout " + layout + " needs " + 4 * need);
        float[] w = new float[Math.toIntExact(s.weightCount())];
        if (HWIO.equals(layout)) {
            MemorySegment.copy(seg, F32, 0, w, 0, w.length);
            return w;
        }
        int cb = blockOf(layout);
        int g = s.groups(), cig = s.inGroupC(), cog = s.outGroupC(), kk = s.kH() * s.kW();
        int nb = (cog + cb - 1) / cb;
        for (int gi = 0; gi < g; gi++)
            for (int b = 0; b < nb; b++)
                for (int k = 0; k < kk; k++)
                    for (int ci = 0; ci < cig; ci++) {
                        long src = ((((long) gi * nb + b) * kk + k) * cig + ci) * cb;
                        int dst = (k * cig + ci) * s.outC() + gi * cog + b * cb;
                        MemorySegment.copy(seg, F32, 4 * src, w, dst, Math.min(cb, cog - b * cb));
                    }
        return w;
    }

    /** The shape a dense layer's weights ({@code [in][out]}) are packed for: a 1x1 convolution. */
    public static ConvShape denseShape(int rows, int in, int out) {
        return new ConvShape(1, 1, rows, in, out, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1);
    }

    private static int blockOf(String layout) {
        if (layout == null || !layout.startsWith("blocked-cb") || !layout.endsWith("-v1")) return -1;
        try {
            return Integer.parseInt(layout.substring("blocked-cb".length(), layout.length() - 3));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static void check(ConvShape s, float[] hwio) {
        if (hwio.length != s.weightCount())
            throw new IllegalArgumentException("conv weights: expected " + s.weightCount() + " values, got " + hwio.length);
    }
}
