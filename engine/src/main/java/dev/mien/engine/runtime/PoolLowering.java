package dev.mien.engine.runtime;

import dev.mien.engine.ir.Node;
import dev.mien.engine.ir.Op;
import dev.mien.engine.ops.OpDefinitions;
import dev.mien.kernels.PoolShape;

/** Windowed and global pooling. */
final class PoolLowering {
    private PoolLowering() {}

    static final class Window implements Lowering {
        @Override public NamedStep lower(Node n, int[][] in, int[][] out, int[] inS, int[] outS, LoweringContext ctx) {
            PoolShape p = OpDefinitions.poolShape(n, in[0]);
            var be = ctx.backend;
            int x = inS[0], y = outS[0];
            return n.op() == Op.MAX_POOL2D
                    ? NamedStep.backend("maxPool2d", b -> be.maxPool2d(p, b.slots[x], 0, b.slots[y], 0))
                    : NamedStep.backend("avgPool2d", b -> be.avgPool2d(p, b.slots[x], 0, b.slots[y], 0));
        }
    }

    static final class Global implements Lowering {
        @Override public NamedStep lower(Node n, int[][] in, int[][] out, int[] inS, int[] outS, LoweringContext ctx) {
            int[] x = in[0];
            int batch = x[0], hw = x[1] * x[2], c = x[3];
            var be = ctx.backend;
            int xi = inS[0], y = outS[0];
            return n.op() == Op.GLOBAL_MAX_POOL
                    ? NamedStep.backend("globalMaxPool", b -> be.globalMaxPool(batch, hw, c, b.slots[xi], 0, b.slots[y], 0))
                    : NamedStep.backend("globalAvgPool", b -> be.globalAvgPool(batch, hw, c, b.slots[xi], 0, b.slots[y], 0));
        }
    }
}
