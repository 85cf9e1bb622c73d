package dev.mien.engine.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The element types that checkpoints store and their one decoder to fp32, shared by every
 * reader (NumPy, PyTorch, safetensors, Keras, Mien model files) so that a half-precision or
 * big-endian tensor reads the same whichever container it came in. It reads from a
 * {@link ByteBuffer}, so a heap array, a mapped file and a memory segment
 * ({@code segment.asByteBuffer()}) all decode the same way.
 *
 * <p>Integers wider than 24 bits are rounded to the nearest float, as {@code (float) long}
 * does; bool is 1 for any non-zero byte.
 */
public enum DType {
    F16(2), BF16(2), F32(4), F64(8), I8(1), I16(2), I32(4), I64(8), U8(1), U16(2), U32(4), U64(8), BOOL(1);

    /** Bytes per element. */
    public final int bytes;

    DType(int bytes) { this.bytes = bytes; }

    /**
     * Decodes {@code count} elements starting at {@code buffer}'s absolute index {@code offset},
     * in {@code order}; the buffer's own position, limit and order are left as they are.
     *
     * @throws IndexOutOfBoundsException when the elements do not all lie inside the buffer
     */
    public float[] decode(ByteBuffer buffer, int offset, int count, ByteOrder order) {
        float[] out = new float[count];
        decodeInto(buffer, offset, count, order, out, 0);
        return out;
    }

    /** Decodes {@code count} elements into {@code out[at..]}. */
    public void decodeInto(ByteBuffer buffer, int offset, int count, ByteOrder order, float[] out, int at) {
        if (count < 0 || offset < 0 || (long) offset + (long) count * bytes > buffer.limit())
            throw new IndexOutOfBoundsException(count + " " + this + " elements at byte " + offset + " exceed a buffer of " + buffer.limit());
        if (this == F32) {
            buffer.duplicate().position(offset).slice().order(order).asFloatBuffer().get(out, at, count);
            return;
        }
        ByteBuffer b = buffer.duplicate().position(offset).slice().order(order);
        for (int i = 0; i < count; i++) out[at + i] = element(b, i);
    }

    /**
     * One element at element index {@code index} of a buffer already in the right byte order
     * (for strided views such as PyTorch's, decoded element by element).
     */
    public float element(ByteBuffer b, int index) {
        return switch (this) {
            case F32 -> b.getFloat(4 * index);
            case F64 -> (float) b.getDouble(8 * index);
            case F16 -> Float.float16ToFloat(b.getShort(2 * index));
            case BF16 -> bf16(b.getShort(2 * index));
            case I8 -> b.get(index);
            case I16 -> b.getShort(2 * index);
            case I32 -> b.getInt(4 * index);
            case I64 -> b.getLong(8 * index);
            case U8 -> b.get(index) & 0xff;
            case U16 -> b.getShort(2 * index) & 0xffff;
            case U32 -> b.getInt(4 * index) & 0xffffffffL;
            case U64 -> unsigned(b.getLong(8 * index));
            case BOOL -> b.get(index) != 0 ? 1f : 0f;
        };
    }

    /** bfloat16 is the upper half of an IEEE float32. */
    public static float bf16(short bits) { return Float.intBitsToFloat((bits & 0xffff) << 16); }

    private static float unsigned(long v) {
        // (float) of the unsigned value: halve (keeping the sticky bit for correct rounding), convert, double.
        if (v >= 0) return v;
        return ((float) ((v >>> 1) | (v & 1))) * 2f;
    }

    /**
     * Widens a decoded Java primitive array (what an HDF5 library hands back) to fp32;
     * null when {@code array} is not one of float[], double[], long[], int[], short[], byte[], boolean[].
     * Unsigned HDF5 integers arrive already widened by the library, so a Java type is enough here.
     */
    public static float[] widen(Object array) {
        if (array instanceof float[] f) return f;
        if (array instanceof double[] d) { float[] o = new float[d.length]; for (int i = 0; i < d.length; i++) o[i] = (float) d[i]; return o; }
        if (array instanceof long[] a) { float[] o = new float[a.length]; for (int i = 0; i < a.length; i++) o[i] = a[i]; return o; }
        if (array instanceof int[] a) { float[] o = new float[a.length]; for (int i = 0; i < a.length; i++) o[i] = a[i]; return o; }
        if (array instanceof short[] a) { float[] o = new float[a.length]; for (int i = 0; i < a.length; i++) o[i] = a[i]; return o; }
        if (array instanceof byte[] a) { float[] o = new float[a.length]; for (int i = 0; i < a.length; i++) o[i] = a[i]; return o; }
        if (array instanceof boolean[] a) { float[] o = new float[a.length]; for (int i = 0; i < a.length; i++) o[i] = a[i] ? 1f : 0f; return o; }
        return null;
    }

    /** NumPy's kind and width, e.g. ('f', 2) -> F16, ('b', 1) -> BOOL; null when not supported. */
    public static DType ofNumpy(char kind, int width) {
        return switch ("" + kind + width) {
            case "f2" -> F16; case "f4" -> F32; case "f8" -> F64;
            case "i1" -> I8; case "i2" -> I16; case "i4" -> I32; case "i8" -> I64;
            case "u1" -> U8; case "u2" -> U16; case "u4" -> U32; case "u8" -> U64;
            case "b1" -> BOOL;
            default -> null;
        };
    }

    /** safetensors' names (F16, BF16, F32, ..., BOOL); null when not supported. */
    public static DType ofSafetensors(String name) {
        return switch (name) {
            case "F16" -> F16; case "BF16" -> BF16; case "F32" -> F32; case "F64" -> F64;
            case "I8" -> I8; case "I16" -> I16; case "I32" -> I32; case "I64" -> I64;
            case "U8" -> U8; case "U16" -> U16; case "U32" -> U32; case "U64" -> U64;
            case "BOOL" -> BOOL;
            default -> null;
        };
    }
}
