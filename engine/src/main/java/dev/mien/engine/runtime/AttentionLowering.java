package dev.mien.engine.runtime;

import dev.mien.engine.Tensor;
import dev.mien.engine.ir.Node;

/**
 * Keras {@code Attention} (dot-product scores, optional learned scale). On 3-D inputs
 * [N, T, D] each sample attends over its own T steps. On 2-D inputs [N, D] Keras' matmul
 * runs across the batch; Mien computes each image on its own (a batch of one: the identity
 * on the value) unless {@link RunOptions#batchCoupledAttention()} asks for Keras' exact output.
 */
final class AttentionLowering implements Lowering {
    @Override public NamedStep lower(Node n, int[][] in, int[][] out, int[] inS, int[] outS, LoweringContext ctx) {
        int[] q = in[0], v = in[1];
        Tensor sp = n.param("scale");
        float scale = sp == null ? 1f : sp.data()[0];
        int qi = inS[0], vi = inS[1], ki = in.length > 2 ? inS[2] : inS[1], yi = outS[0];
        int d = Shapes.last(q);
        boolean twoD = q.length == 2;
        if (twoD && !ctx.options.batchCoupledAttention()) {
            // Each image attends to itself alone: softmax over its one score is exactly 1 (the
            // value, bit for bit) when the score is finite and NaN when it is not, as in Keras.
            int rows = q[0];
            int one = ctx.floatScratch(n.name() + "/score", 1);
            return NamedStep.backend("attention", b -> b.kernels.attention(rows, 1, 1, d, scale, b.slots[qi], 0, b.slots[ki], 0,
                    b.slots[vi], 0, b.slots[yi], 0, b.slots[one]));
        }
        int groups = twoD ? 1 : q[0], tq = twoD ? q[0] : q[1], tv = twoD ? v[0] : v[1];
        int scores = ctx.floatScratch(n.name() + "/scores", tv);
        return NamedStep.backend("attention", b -> b.kernels.attention(groups, tq, tv, d, scale, b.slots[qi], 0, b.slots[ki], 0,
                b.slots[vi], 0, b.slots[yi], 0, b.slots[scores]));
    }
}
