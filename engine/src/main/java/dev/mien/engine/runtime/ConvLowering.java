package dev.mien.engine.runtime;

import dev.mien.engine.Tensor;
import dev.mien.engine.ir.Node;
import dev.mien.engine.ops.OpDefinitions;
import dev.mien.kernels.Activation;
import dev.mien.kernels.ConvShape;
import dev.mien.kernels.ConvTransposeShape;
import dev.mien.kernels.PackedWeights;

/** CONV2D, CONV_TRANSPOSE2D and DENSE: the weight-carrying ops. */
final class ConvLowering {
    private ConvLowering() {}

    static Tensor weight(Node n) {
        Tensor w = n.param("weight");
        if (w == null) throw new PlanException(n.name() + ": missing weight");
        return w;
    }

    static float[] bias(Node n, int len) {
        Tensor b = n.param("bias");
        if (b == null) return null;
        if (b.size() != len) throw new PlanException(n.name() + ": bias has " + b.size() + " values, expected " + len);
        return b.data();
    }

    static final class Conv implements Lowering {
        static ConvShape shape(Node n, int[] x) { return OpDefinitions.convShape(n, x); }

        @Override public NamedStep lower(Node n, int[][] in, int[][] out, int[] inS, int[] outS, LoweringContext ctx) {
            ConvShape cs = shape(n, in[0]);
            // Packing does not depend on batch or spatial size: one packed copy serves every plan.
            PackedWeights pw = ctx.packed(n, "conv", () -> ctx.backend.packConv(cs, weight(n).data()));
            float[] bias = bias(n, cs.outC());
            Activation act = Activations.of(n.attrs());
            float alpha = Activations.alpha(n.attrs());
            var be = ctx.backend;
            int x = inS[0], y = outS[0];
            if (inS.length > 1) {
                int r = inS[1];
                return NamedStep.backend("conv2d", b -> be.conv2d(cs, b.slots[x], 0, pw, bias, b.slots[r], 0, act, alpha, b.slots[y], 0));
            }
            return NamedStep.backend("conv2d", b -> be.conv2d(cs, b.slots[x], 0, pw, bias, null, 0, act, alpha, b.slots[y], 0));
        }
    }

    static final class ConvTranspose implements Lowering {
        static ConvTransposeShape shape(Node n, int[] x) { return OpDefinitions.convTransposeShape(n, x); }

        @Override public NamedStep lower(Node n, int[][] in, int[][] out, int[] inS, int[] outS, LoweringContext ctx) {
            ConvTransposeShape t = shape(n, in[0]);
            float[] w = weight(n).data();
            float[] bias = bias(n, t.outC());
            Activation act = Activations.of(n.attrs());
            float alpha = Activations.alpha(n.attrs());
            var be = ctx.backend;
            int x = inS[0], y = outS[0];
            return NamedStep.backend("convTranspose2d", b -> be.convTranspose2d(t, b.slots[x], 0, w, bias, act, alpha, b.slots[y], 0));
        }
    }

    static final class Dense implements Lowering {
        @Override public NamedStep lower(Node n, int[][] in, int[][] out, int[] inS, int[] outS, LoweringContext ctx) {
            Tensor w = weight(n);
            int fin = w.dim(0), fout = w.dim(1), rows = Shapes.rowsExceptLast(in[0]);
            PackedWeights pw = ctx.packed(n, "dense", () -> ctx.backend.packDense(fin, fout, w.data()));
            float[] bias = bias(n, fout);
            Activation act = Activations.of(n.attrs());
            float alpha = Activations.alpha(n.attrs());
            var be = ctx.backend;
            int x = inS[0], y = outS[0];
            return NamedStep.backend("dense", b -> be.dense(rows, fin, fout, b.slots[x], 0, pw, bias, act, alpha, b.slots[y], 0));
        }
    }
}
