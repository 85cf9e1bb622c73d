package dev.mien.engine.io;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.*;

/** The shared decoder against hand-written bit patterns, in both byte orders. */
class DTypeTest {
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN, BE = ByteOrder.BIG_ENDIAN;

    /** Bytes of the given 16-bit patterns in {@code order}. */
    static ByteBuffer shorts(ByteOrder order, int... v) {
        ByteBuffer b = ByteBuffer.allocate(2 * v.length).order(order);
        for (int x : v) b.putShort((short) x);
        return b.flip();
    }

    @Test
    void halfPrecisionCoversNormalSubnormalInfinityNanAndSignedZero() {
        int[] bits = {0x3c00, 0xc000, 0x7bff, 0x0001, 0x03ff, 0x7c00, 0xfc00, 0x8000, 0x0000, 0x3555};
        float[] want = {1f, -2f, 65504f, 0x1p-24f, 1023 * 0x1p-24f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0f, 0f, 0.33325195f};
        for (ByteOrder o : new ByteOrder[]{LE, BE}) {
            float[] got = DType.F16.decode(shorts(o, bits), 0, bits.length, o);
            for (int i = 0; i < want.length; i++)
                assertEquals(Float.floatToIntBits(want[i]), Float.floatToIntBits(got[i]), "f16 0x" + Integer.toHexString(bits[i]) + " " + o);
            assertTrue(Float.isNaN(DType.F16.decode(shorts(o, 0x7e00), 0, 1, o)[0]), "f16 NaN " + o);
        }
    }

    @Test
    void bfloat16IsTheUpperHalfOfAFloat() {
        int[] bits = {0x3f80, 0xc040, 0x3f40, 0x7f80, 0x8000, 0x0001};
        float[] want = {1f, -3f, 0.75f, Float.POSITIVE_INFINITY, -0f, Float.intBitsToFloat(0x00010000)};
        for (ByteOrder o : new ByteOrder[]{LE, BE}) {
            float[] got = DType.BF16.decode(shorts(o, bits), 0, bits.length, o);
            for (int i = 0; i < want.length; i++) assertEquals(Float.floatToIntBits(want[i]), Float.floatToIntBits(got[i]), "bf16 " + i + " " + o);
            assertTrue(Float.isNaN(DType.BF16.decode(shorts(o, 0x7fc0), 0, 1, o)[0]));
        }
    }

    @Test
    void wideIntegersAndDoublesRoundToNearestFloat() {
        for (ByteOrder o : new ByteOrder[]{LE, BE}) {
            ByteBuffer b = ByteBuffer.allocate(40).order(o);
            b.putLong(Long.MAX_VALUE).putLong(Long.MIN_VALUE).putLong(-1).putLong(16777217L).putDouble(1e300);
            float[] got = DType.I64.decode(b.flip(), 0, 4, o);
            assertArrayEquals(new float[]{9.223372e18f, -9.223372e18f, -1f, 16777216f}, got, 0f, "i64 " + o);
            assertEquals(0x1p63f, got[0]);
            assertEquals(-0x1p63f, got[1]);
            assertEquals(Float.POSITIVE_INFINITY, DType.F64.decode(b, 32, 1, o)[0], "a double beyond float range");
            ByteBuffer u = ByteBuffer.allocate(16).order(o).putLong(-1L).putLong(Long.MIN_VALUE).flip();
            assertArrayEquals(new float[]{0x1p64f, 0x1p63f}, DType.U64.decode(u, 0, 2, o), 0f, "u64 " + o);
            ByteBuffer i32 = ByteBuffer.allocate(8).order(o).putInt(Integer.MIN_VALUE).putInt(-1).flip();
            assertArrayEquals(new float[]{-0x1p31f, -1f}, DType.I32.decode(i32, 0, 2, o), 0f);
            assertArrayEquals(new float[]{0x1p31f, 4294967295f}, DType.U32.decode(i32, 0, 2, o), 0f);
            assertArrayEquals(new float[]{-32768f, -1f, 1f}, DType.I16.decode(shorts(o, 0x8000, 0xffff, 1), 0, 3, o), 0f);
            assertArrayEquals(new float[]{32768f, 65535f, 1f}, DType.U16.decode(shorts(o, 0x8000, 0xffff, 1), 0, 3, o), 0f);
        }
    }

    @Test
    void bytesBoolAndFloat32() {
        ByteBuffer b = ByteBuffer.wrap(new byte[]{0, 1, 2, (byte) 0xff, (byte) 0x80});
        assertArrayEquals(new float[]{0, 1, 2, -1, -128}, DType.I8.decode(b, 0, 5, LE), 0f);
        assertArrayEquals(new float[]{0, 1, 2, 255, 128}, DType.U8.decode(b, 0, 5, BE), 0f);
        assertArrayEquals(new float[]{0, 1, 1, 1, 1}, DType.BOOL.decode(b, 0, 5, LE), 0f, "any non-zero byte is true");
        for (ByteOrder o : new ByteOrder[]{LE, BE}) {
            ByteBuffer f = ByteBuffer.allocate(13).order(o);
            f.put((byte) 9).putFloat(1.5f).putFloat(-0f).putFloat(Float.NaN);
            float[] got = DType.F32.decode(f.flip(), 1, 3, o);
            assertEquals(1.5f, got[0]);
            assertEquals(Float.floatToIntBits(-0f), Float.floatToIntBits(got[1]));
            assertTrue(Float.isNaN(got[2]));
        }
    }

    @Test
    void theBufferIsLeftUntouchedAndBoundsAreChecked() {
        ByteBuffer b = ByteBuffer.allocate(8).order(BE).putFloat(0, 2f).position(3);
        assertEquals(2f, DType.F32.decode(b, 0, 1, BE)[0]);
        assertEquals(3, b.position());
        assertEquals(BE, b.order());
        assertThrows(IndexOutOfBoundsException.class, () -> DType.F32.decode(b, 6, 1, LE));
        assertThrows(IndexOutOfBoundsException.class, () -> DType.F64.decode(b, 0, 2, LE));
        assertThrows(IndexOutOfBoundsException.class, () -> DType.I8.decode(b, -1, 1, LE));
    }

    @Test
    void stridedElementsMatchBulkDecoding() {
        ByteBuffer b = shorts(LE, 0x3c00, 0x4000, 0x4200, 0x4400);
        float[] bulk = DType.F16.decode(b, 0, 4, LE);
        for (int i = 0; i < 4; i++) assertEquals(bulk[i], DType.F16.element(b.duplicate().order(LE), i));
        assertArrayEquals(new float[]{1, 2, 3, 4}, bulk, 0f);
    }

    @Test
    void namesFromNumpyAndSafetensorsAndWideningOfLibraryArrays() {
        assertEquals(DType.F16, DType.ofNumpy('f', 2));
        assertEquals(DType.BOOL, DType.ofNumpy('b', 1));
        assertEquals(DType.U64, DType.ofNumpy('u', 8));
        assertNull(DType.ofNumpy('c', 8), "complex is not supported");
        assertEquals(DType.BF16, DType.ofSafetensors("BF16"));
        assertNull(DType.ofSafetensors("F8_E4M3"));
        assertArrayEquals(new float[]{1.5f, -2f}, DType.widen(new double[]{1.5, -2}), 0f);
        assertArrayEquals(new float[]{0x1p63f}, DType.widen(new long[]{Long.MAX_VALUE}), 0f);
        assertArrayEquals(new float[]{1, 0}, DType.widen(new boolean[]{true, false}), 0f);
        assertArrayEquals(new float[]{-1}, DType.widen(new byte[]{-1}), 0f);
        assertNull(DType.widen("text"));
    }
}
