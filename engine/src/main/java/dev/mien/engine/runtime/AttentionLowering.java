package dev.mien.engine.runtime;

import dev.mien.engine.Tensor;
import dev.mien.engine.ir.Node;

import java.util.Arrays;

/**
 * Keras {@code Attention} (dot-product scores, optional learned scale). On 3-D inputs
 * [N, T, D] each sample attends over its own T steps. On 2-D inputs [N, D] Keras' matmul
 * runs across the batch; Mien computes each image on its own (a batch of one: the identity
 * on the value) unless {@link RunOptions#batchCoupledAttention()} asks for Keras' exact output.
 */
final class AttentionLowering implements Lowering {
    @Override public int[][] outputShapes(Node n, int[][] in) {
        int[] q = in[0], v = in[1], k = in.length > 2 ? in[2] : v;
        if (!n.attrs().getString("score_mode", "dot").equals("dot"))
            throw new PlanException(n.name() + ": only dot-product attention is supported");
        if (q.length != v.length || (q.length != 2 && q.length != 3) || Shapes.last(q) != Shapes.last(k) || !Arrays.equals(k, v))
            throw new PlanException(n.name() + ": attention shapes q" + Shapes.str(q) + " v" + Shapes.str(v) + " k" + Shapes.str(k) + " not supported");
        int[] o = q.clone();
        o[o.length - 1] = Shapes.last(v);
        return new int[][]{o};
    }

    @Override public Step lower(Node n, int[][] in, int[][] out, int[] inS, int[] outS, LoweringContext ctx) {
        int[] q = in[0], v = in[1];
        Tensor sp = n.param("scale");
        float scale = sp == null ? 1f : sp.data()[0];
        int qi = inS[0], vi = inS[1], ki = in.length > 2 ? inS[2] : inS[1], yi = outS[0];
        int d = Shapes.last(q);
        boolean twoD = q.length == 2;
        if (twoD && !ctx.options.batchCoupledAttention()) {
            // softmax over a single score is exactly 1 when the score is finite: the output is
            // the value itself. A NaN or infinite score makes Keras' weight exp(s - s) NaN, and
            // with it the whole output row, so only the score is computed here.
            int rows = q[0], dv = Shapes.last(v);
            return b -> {
                float[] qs = b.slots[qi], ks = b.slots[ki], vs = b.slots[vi], ys = b.slots[yi];
                for (int r = 0; r < rows; r++) {
                    float s = 0f;
                    for (int e = 0; e < d; e++) s += qs[r * d + e] * ks[r * d + e];
                    if (Float.isFinite(s * scale)) System.arraycopy(vs, r * dv, ys, r * dv, dv);
                    else java.util.Arrays.fill(ys, r * dv, (r + 1) * dv, Float.NaN);
                }
            };
        }
        int groups = twoD ? 1 : q[0], tq = twoD ? q[0] : q[1], tv = twoD ? v[0] : v[1];
        return b -> {
            float[] qs = b.slots[qi], ks = b.slots[ki], vs = b.slots[vi], ys = b.slots[yi];
            float[] w = new float[tv];
            for (int g = 0; g < groups; g++) {
                int qb = g * tq * d, kb = g * tv * d;
                for (int i = 0; i < tq; i++) {
                    float max = Float.NEGATIVE_INFINITY;
                    for (int j = 0; j < tv; j++) {
                        float s = 0f;
                        for (int e = 0; e < d; e++) s += qs[qb + i * d + e] * ks[kb + j * d + e];
                        w[j] = s * scale;
                        max = Math.max(max, w[j]);
                    }
                    float sum = 0f;
                    for (int j = 0; j < tv; j++) { w[j] = (float) Math.exp(w[j] - max); sum += w[j]; }
                    for (int e = 0; e < d; e++) {
                        float acc = 0f;
                        for (int j = 0; j < tv; j++) acc += w[j] * vs[kb + j * d + e];
                        ys[qb + i * d + e] = acc / sum;
                    }
                }
            }
        };
    }
}
