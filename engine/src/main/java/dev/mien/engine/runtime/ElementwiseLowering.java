package dev.mien.engine.runtime;

import dev.mien.engine.Tensor;
import dev.mien.engine.ir.Node;
import dev.mien.engine.ir.Op;
import dev.mien.kernels.Activation;
import dev.mien.kernels.BinaryOp;

import java.util.Arrays;

/** Activations, per-channel affine, softmax and broadcasting binary ops. */
final class ElementwiseLowering {
    private ElementwiseLowering() {}

    static final class Act implements Lowering {
        @Override public NamedStep lower(Node n, int[][] in, int[][] out, int[] inS, int[] outS, LoweringContext ctx) {
            Activation act = Activations.of(n.attrs());
            float alpha = Activations.alpha(n.attrs());
            int len = Shapes.isize(in[0]), x = inS[0], y = outS[0];
            var be = ctx.backend;
            return NamedStep.backend("activation", b -> be.activation(act, alpha, b.slots[x], 0, b.slots[y], 0, len));
        }
    }

    /** SCALE_SHIFT and an unfolded BATCH_NORM, both as y = act(x * scale[c] + shift[c]). */
    static final class Affine implements Lowering {
        static float[][] scaleShift(Node n, int c) {
            if (n.op() == Op.BATCH_NORM) {
                float[][] ss = dev.mien.engine.passes.Passes.batchNormScaleShift(n);
                if (ss[0].length != c) throw new PlanException(n.name() + ": batch norm has " + ss[0].length + " channels, input has " + c);
                return ss;
            }
            return new float[][]{vec(n, "scale", c, 1f), vec(n, "shift", c, 0f)};
        }

        /** A per-channel parameter of length c, or a scalar broadcast to c, or the default when absent. */
        static float[] vec(Node n, String key, int c, float dflt) {
            Tensor t = n.param(key);
            float[] out = new float[c];
            if (t == null) { Arrays.fill(out, dflt); return out; }
            if (t.size() == 1) { Arrays.fill(out, t.data()[0]); return out; }
            if (t.size() != c) throw new PlanException(n.name() + ": " + key + " has " + t.size() + " values, expected " + c);
            System.arraycopy(t.data(), 0, out, 0, c);
            return out;
        }

        @Override public NamedStep lower(Node n, int[][] in, int[][] out, int[] inS, int[] outS, LoweringContext ctx) {
            int c = Shapes.last(in[0]), rows = Shapes.rowsExceptLast(in[0]);
            float[][] ss = ctx.derived(n, "affine", () -> scaleShift(n, c));
            Activation act = Activations.of(n.attrs());
            float alpha = Activations.alpha(n.attrs());
            var be = ctx.backend;
            int x = inS[0], y = outS[0];
            return NamedStep.backend("scaleShift", b -> be.scaleShift(rows, c, b.slots[x], 0, ss[0], ss[1], act, alpha, b.slots[y], 0));
        }
    }

    static final class PRelu implements Lowering {
        @Override public NamedStep lower(Node n, int[][] in, int[][] out, int[] inS, int[] outS, LoweringContext ctx) {
            int[] sample = Arrays.copyOfRange(in[0], 1, in[0].length);
            Tensor a = n.param("alpha");
            if (a == null) throw new PlanException(n.name() + ": missing alpha");
            int[] sb = Shapes.broadcast(sample, a.shape());
            if (!Arrays.equals(sb, sample)) throw new PlanException(n.name() + ": alpha " + a + " does not broadcast to " + Shapes.str(sample));
            int per = Shapes.isize(sample), batch = in[0][0];
            float[] alpha = ctx.derived(n, "alpha", () -> {
                float[] full = new float[per];
                float[] ones = new float[per];
                Arrays.fill(ones, 1f);
                ctx.backend.binary(BinaryOp.MUL, ones, 0, sample, a.data(), 0, a.shape(), full, 0, sample);
                return full;
            });
            int x = inS[0], y = outS[0];
            var be = ctx.backend;
            return NamedStep.backend("prelu", b -> be.prelu(batch, per, b.slots[x], 0, alpha, b.slots[y], 0));
        }
    }

    static final class Softmax implements Lowering {
        @Override public NamedStep lower(Node n, int[][] in, int[][] out, int[] inS, int[] outS, LoweringContext ctx) {
            int len = Shapes.last(in[0]), rows = Shapes.rowsExceptLast(in[0]), x = inS[0], y = outS[0];
            var be = ctx.backend;
            return NamedStep.backend("softmax", b -> be.softmax(rows, len, b.slots[x], 0, b.slots[y], 0));
        }
    }

    /** ADD SUB MUL DIV MAX MIN AVERAGE over two or more inputs, folded left. */
    static final class Binary implements Lowering {
        static BinaryOp opOf(Op op) {
            return switch (op) {
                case ADD, AVERAGE -> BinaryOp.ADD;
                case SUB -> BinaryOp.SUB;
                case MUL -> BinaryOp.MUL;
                case DIV -> BinaryOp.DIV;
                case MAX -> BinaryOp.MAX;
                case MIN -> BinaryOp.MIN;
                default -> throw new AssertionError(op);
            };
        }

        @Override public NamedStep lower(Node n, int[][] in, int[][] out, int[] inS, int[] outS, LoweringContext ctx) {
            BinaryOp op = opOf(n.op());
            int[] o = out[0];
            int y = outS[0];
            var be = ctx.backend;
            int k = in.length;
            int[] a0 = in[0], a1 = in[1];
            int s0 = inS[0], s1 = inS[1];
            float inv = 1f / k;
            float[] invScale = {inv}, zero = {0f};
            int len = Shapes.isize(o);
            boolean average = n.op() == Op.AVERAGE;
            return NamedStep.backend("binary", b -> {
                be.binary(op, b.slots[s0], 0, a0, b.slots[s1], 0, a1, b.slots[y], 0, o);
                for (int i = 2; i < k; i++)
                    be.binary(op, b.slots[y], 0, o, b.slots[inS[i]], 0, in[i], b.slots[y], 0, o);
                if (average) be.scaleShift(len, 1, b.slots[y], 0, invScale, zero, Activation.NONE, 0f, b.slots[y], 0);
            });
        }
    }
}
