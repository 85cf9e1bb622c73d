package dev.mien.formats.onnx;

import dev.mien.engine.Tensor;

import static org.junit.jupiter.api.Assertions.*;

/** Comparisons shared by the ONNX tests. */
final class OnnxTestSupport {
    private OnnxTestSupport() {}

    /** |a-b| <= 1e-4 + 1e-4|b| element-wise (NaN matches NaN, infinities match exactly); returns the max abs error. */
    static double assertClose(Tensor expected, Tensor got, String what) {
        assertNotNull(got, what + ": missing");
        assertArrayEquals(expected.shape(), got.shape(), what + " shape");
        float[] e = expected.data(), a = got.data();
        double max = 0;
        for (int i = 0; i < e.length; i++) {
            if (Float.isNaN(e[i]) || Float.isInfinite(e[i])) {
                assertEquals(e[i], a[i], what + " element " + i);
                continue;
            }
            double d = Math.abs(a[i] - e[i]);
            max = Math.max(max, d);
            assertTrue(d <= 1e-4 + 1e-4 * Math.abs(e[i]), what + " element " + i + ": expected " + e[i] + " got " + a[i]);
        }
        return max;
    }
}
