package dev.mien.engine.runtime;

import dev.mien.engine.ir.Node;

/**
 * LANMSFF's point-wise feature selection: the channels split into three equal groups, and
 * each output channel is the mean of the largest and the median of the three.
 */
final class PwfsLowering implements Lowering {
    @Override public int[][] outputShapes(Node n, int[][] in) {
        int[] o = in[0].clone();
        int c = Shapes.last(o);
        if (c % 3 != 0) throw new PlanException(n.name() + ": PWFS needs channels divisible by 3, got " + c);
        o[o.length - 1] = c / 3;
        return new int[][]{o};
    }

    @Override public Step lower(Node n, int[][] in, int[][] out, int[] inS, int[] outS, LoweringContext ctx) {
        int c = Shapes.last(in[0]), g = c / 3, rows = Shapes.rowsExceptLast(in[0]);
        int xi = inS[0], yi = outS[0];
        return b -> {
            float[] src = b.slots[xi], dst = b.slots[yi];
            for (int r = 0; r < rows; r++) {
                int s = r * c, d = r * g;
                for (int j = 0; j < g; j++) {
                    float a = src[s + j], bb = src[s + g + j], cc = src[s + 2 * g + j];
                    // The median as max(min, min(max, c)), not sum - min - max: exact, and an
                    // infinite channel does not turn the median into Inf - Inf = NaN. Math.max/min
                    // propagate NaN like the framework's sort-based median.
                    float mx = Math.max(Math.max(a, bb), cc);
                    float med = Math.max(Math.min(a, bb), Math.min(Math.max(a, bb), cc));
                    dst[d + j] = 0.5f * (mx + med);
                }
            }
        };
    }
}
