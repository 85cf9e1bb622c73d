package dev.mien.kernels.simd;

import dev.mien.kernels.Backend;
import dev.mien.kernels.ReduceOp;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The same call gives the same bits before and after the JIT compiles the kernel. The Vector
 * API runs as plain Java until C2 compiles it; lane-wise operations round identically either
 * way, but a cross-lane reduction's order is unspecified and differs, so a model's last bits
 * would change during warm-up (a converted model file would not reproduce its source exactly).
 */
class DeterminismTest {
    @Test
    void reductionsAreBitIdenticalBeforeAndAfterCompilation() {
        Backend v = new VectorBackend(1);
        Random r = new Random(7);
        int rows = 3, len = 4 * ConvKernel.VL + 5;
        float[] x = new float[rows * len];
        // Mixed magnitudes make the sum's rounding depend on the order of additions.
        for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(7) - 3));
        for (ReduceOp op : ReduceOp.values()) {
            float[] first = new float[rows], again = new float[rows];
            v.reduceLastAxis(op, rows, len, x, 0, first, 0);
            for (int i = 0; i < 30_000; i++) {
                v.reduceLastAxis(op, rows, len, x, 0, again, 0);
                assertArrayEquals(first, again, op + " after " + i + " calls");
            }
        }
    }
}
