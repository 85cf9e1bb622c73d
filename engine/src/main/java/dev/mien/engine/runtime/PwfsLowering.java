package dev.mien.engine.runtime;

import dev.mien.engine.ir.Node;

/** LANMSFF's point-wise feature selection: the backend's {@code pwfs} kernel over rows of channels. */
final class PwfsLowering implements Lowering {
    @Override public NamedStep lower(Node n, int[][] in, int[][] out, int[] inS, int[] outS, LoweringContext ctx) {
        int c = Shapes.last(in[0]), rows = Shapes.rowsExceptLast(in[0]);
        int xi = inS[0], yi = outS[0];
        var be = ctx.backend;
        return NamedStep.backend("pwfs", b -> be.pwfs(rows, c, b.slots[xi], 0, b.slots[yi], 0));
    }
}
