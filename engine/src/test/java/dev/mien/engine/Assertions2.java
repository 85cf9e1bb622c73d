package dev.mien.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** Tolerance checks used across the engine's tests. */
public final class Assertions2 {
    private Assertions2() {}

    /** |a-b| <= atol + rtol*|b| element-wise, shapes equal. */
    public static void assertClose(Tensor expected, Tensor actual, float atol, float rtol, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        float[] e = expected.data(), a = actual.data();
        for (int i = 0; i < e.length; i++) {
            float tol = atol + rtol * Math.abs(e[i]);
            if (!(Math.abs(a[i] - e[i]) <= tol))
                fail(what + ": element " + i + " expected " + e[i] + " got " + a[i] + " (tol " + tol + ")");
        }
    }
}
