package dev.mien.engine.runtime;

import dev.mien.engine.ir.Attrs;
import dev.mien.engine.ir.Node;
import dev.mien.engine.ir.Op;
import dev.mien.kernels.PoolShape;

/** Windowed and global pooling. */
final class PoolLowering {
    private PoolLowering() {}

    static final class Window implements Lowering {
        static PoolShape shape(Node n, int[] x) {
            Shapes.requireRank(n.name(), x, 4);
            Attrs a = n.attrs();
            int[] k = a.getInts("kernel"), s = a.getInts("strides", k), p = a.getInts("pads", 0, 0, 0, 0);
            try {
                return PoolShape.of(x[0], x[1], x[2], x[3], k[0], k[1], s[0], s[1], p[0], p[1], p[2], p[3],
                        a.getBool("ceil_mode", false), a.getBool("count_include_pad", true));
            } catch (IllegalArgumentException e) {
                throw new PlanException(n.name() + ": " + e.getMessage());
            }
        }

        @Override public int[][] outputShapes(Node n, int[][] in) {
            PoolShape p = shape(n, in[0]);
            return new int[][]{{p.n(), p.outH(), p.outW(), p.c()}};
        }

        @Override public Step lower(Node n, int[][] in, int[][] out, int[] inS, int[] outS, LoweringContext ctx) {
            PoolShape p = shape(n, in[0]);
            int x = inS[0], y = outS[0];
            return n.op() == Op.MAX_POOL2D
                    ? b -> b.kernels.maxPool2d(p, b.slots[x], 0, b.slots[y], 0)
                    : b -> b.kernels.avgPool2d(p, b.slots[x], 0, b.slots[y], 0);
        }
    }

    static final class Global implements Lowering {
        @Override public int[][] outputShapes(Node n, int[][] in) {
            int[] x = in[0];
            Shapes.requireRank(n.name(), x, 4);
            return new int[][]{n.attrs().getBool("keepdims", false) ? new int[]{x[0], 1, 1, x[3]} : new int[]{x[0], x[3]}};
        }

        @Override public Step lower(Node n, int[][] in, int[][] out, int[] inS, int[] outS, LoweringContext ctx) {
            int[] x = in[0];
            int batch = x[0], hw = x[1] * x[2], c = x[3];
            int xi = inS[0], y = outS[0];
            return n.op() == Op.GLOBAL_MAX_POOL
                    ? b -> b.kernels.globalMaxPool(batch, hw, c, b.slots[xi], 0, b.slots[y], 0)
                    : b -> b.kernels.globalAvgPool(batch, hw, c, b.slots[xi], 0, b.slots[y], 0);
        }
    }
}
