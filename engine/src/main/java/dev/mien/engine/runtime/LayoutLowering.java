package dev.mien.engine.runtime;

import dev.mien.engine.ir.Node;
import dev.mien.engine.ops.OpDefinitions;

/** Data movement: concat, slice, reshape, transpose, pad, crop, channel shuffle, all through backend kernels. */
final class LayoutLowering {
    private LayoutLowering() {}

    /** RESHAPE, FLATTEN and IDENTITY change only the shape: the output aliases the input. */
    static final class View implements Lowering {
        @Override public boolean aliasesInput(Node n) { return true; }

        /** Never called: the planner emits no step for a view. */
        @Override public NamedStep lower(Node n, int[][] in, int[][] out, int[] inS, int[] outS, LoweringContext ctx) {
            throw new IllegalStateException("a view has no step");
        }
    }

    /** One strided row copy per input: its rows go to its column range of the output. */
    static final class Concat implements Lowering {
        @Override public NamedStep lower(Node n, int[][] in, int[][] out, int[] inS, int[] outS, LoweringContext ctx) {
            int ax = Shapes.axis(OpDefinitions.of(n.op()).intAttr(n, "axis"), in[0].length);
            int outer = Shapes.outer(out[0], ax), inner = Shapes.inner(out[0], ax);
            int k = in.length;
            int[] chunk = new int[k], at = new int[k];
            for (int i = 0, off = 0; i < k; off += chunk[i], i++) { chunk[i] = in[i][ax] * inner; at[i] = off; }
            int outRow = out[0][ax] * inner, y = outS[0];
            var be = ctx.backend;
            return NamedStep.backend("copyRows", b -> {
                float[] dst = b.slots[y];
                for (int i = 0; i < k; i++) be.copyRows(outer, chunk[i], b.slots[inS[i]], 0, chunk[i], dst, at[i], outRow);
            });
        }
    }

    static final class Slice implements Lowering {
        @Override public NamedStep lower(Node n, int[][] in, int[][] out, int[] inS, int[] outS, LoweringContext ctx) {
            var def = OpDefinitions.of(n.op());
            int ax = Shapes.axis(def.intAttr(n, "axis"), in[0].length);
            int start = def.intAttr(n, "start");
            int outer = Shapes.outer(in[0], ax), inner = Shapes.inner(in[0], ax);
            int inRow = in[0][ax] * inner, outRow = out[0][ax] * inner, skip = start * inner;
            int x = inS[0], y = outS[0];
            var be = ctx.backend;
            return NamedStep.backend("copyRows", b -> be.copyRows(outer, outRow, b.slots[x], skip, inRow, b.slots[y], 0, outRow));
        }
    }

    static final class Transpose implements Lowering {
        @Override public NamedStep lower(Node n, int[][] in, int[][] out, int[] inS, int[] outS, LoweringContext ctx) {
            int[] p = OpDefinitions.of(n.op()).intsAttr(n, "perm"), shape = in[0].clone();
            int x = inS[0], y = outS[0];
            var be = ctx.backend;
            return NamedStep.backend("transpose", b -> be.transpose(shape, p, b.slots[x], 0, b.slots[y], 0));
        }
    }

    /** PAD (zeros) and CROP on the two spatial axes of NHWC. */
    static final class PadCrop implements Lowering {
        @Override public NamedStep lower(Node n, int[][] in, int[][] out, int[] inS, int[] outS, LoweringContext ctx) {
            int[] x = in[0], o = out[0], p = OpDefinitions.padAmounts(n);
            int x0 = inS[0], y = outS[0];
            var be = ctx.backend;
            return NamedStep.backend("pad2d", b -> be.pad2d(x[0], x[1], x[2], x[3], p[0], p[1], o[1], o[2], b.slots[x0], 0, b.slots[y], 0));
        }
    }

    /** Keras ChannelShuffle: view the channels as (g, C/g), transpose to (C/g, g). */
    static final class ChannelShuffle implements Lowering {
        @Override public NamedStep lower(Node n, int[][] in, int[][] out, int[] inS, int[] outS, LoweringContext ctx) {
            int g = OpDefinitions.of(n.op()).intAttr(n, "groups"), c = Shapes.last(in[0]), rows = Shapes.rowsExceptLast(in[0]);
            int x = inS[0], y = outS[0];
            var be = ctx.backend;
            return NamedStep.backend("channelShuffle", b -> be.channelShuffle(rows, c, g, b.slots[x], 0, b.slots[y], 0));
        }
    }
}
