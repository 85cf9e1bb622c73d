package dev.mien.engine.runtime;

import dev.mien.engine.ir.Node;
import dev.mien.engine.ops.OpDefinitions;
import dev.mien.kernels.ReduceOp;

import java.util.Locale;

/** REDUCE over any set of non-batch axes; the channel axis alone goes to the SIMD last-axis kernel. */
final class ReduceLowering implements Lowering {
    @Override public NamedStep lower(Node n, int[][] in, int[][] out, int[] inS, int[] outS, LoweringContext ctx) {
        int[] x = in[0];
        boolean[] r = OpDefinitions.reducedAxes(n, x.length);
        ReduceOp op = ReduceOp.valueOf(OpDefinitions.of(n.op()).stringAttr(n, "op").toUpperCase(Locale.ROOT));
        int xi = inS[0], yi = outS[0];
        int count = 0;
        for (boolean b : r) if (b) count++;
        var be = ctx.backend;
        if (count == 1 && r[x.length - 1]) {
            int rows = Shapes.rowsExceptLast(x), len = Shapes.last(x);
            return NamedStep.backend("reduceLastAxis", b -> be.reduceLastAxis(op, rows, len, b.slots[xi], 0, b.slots[yi], 0));
        }
        int[] shape = x.clone();
        return NamedStep.backend("reduce", b -> be.reduce(op, shape, r, b.slots[xi], 0, b.slots[yi], 0));
    }
}
