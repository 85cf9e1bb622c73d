package dev.mien.engine.runtime;

import dev.mien.engine.Tensor;
import dev.mien.engine.ir.Node;
import dev.mien.engine.ops.OpDefinitions;
import dev.mien.kernels.Activation;
import dev.mien.kernels.ConvAlgorithm;
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
            PackedWeights pw = ctx.packed(n);
            // Chosen here, once per plan step, from the call's full shape (batch and map size).
            ConvAlgorithm algorithm = ctx.convAlgorithm(n, cs);
            return NamedStep.backend("conv2d", new ConvStep(cs, algorithm, pw, bias(n, cs.outC()), Activations.of(n.attrs()),
                    Activations.alpha(n.attrs()), inS[0], inS.length > 1 ? inS[1] : -1, outS[0]));
        }
    }

    /** One planned convolution, with the algorithm chosen for its shape; runs on the buffers' kernel workspace. */
    static final class ConvStep implements Step {
        private final ConvShape cs;
        private final ConvAlgorithm algorithm;
        private final PackedWeights pw;
        private final float[] bias;
        private final Activation act;
        private final float alpha;
        private final int x, r, y;

        ConvStep(ConvShape cs, ConvAlgorithm algorithm, PackedWeights pw, float[] bias, Activation act, float alpha,
                 int x, int r, int y) {
            this.cs = cs;
            this.algorithm = algorithm;
            this.pw = pw;
            this.bias = bias;
            this.act = act;
            this.alpha = alpha;
            this.x = x;
            this.r = r;
            this.y = y;
        }

        ConvAlgorithm algorithm() { return algorithm; }

        @Override public void run(Buffers b) {
            b.kernels.conv2d(cs, algorithm, b.slots[x], 0, pw, bias, r < 0 ? null : b.slots[r], 0, act, alpha, b.slots[y], 0);
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
            int x = inS[0], y = outS[0];
            return NamedStep.backend("convTranspose2d", b -> b.kernels.convTranspose2d(t, b.slots[x], 0, w, bias, act, alpha, b.slots[y], 0));
        }
    }

    static final class Dense implements Lowering {
        @Override public NamedStep lower(Node n, int[][] in, int[][] out, int[] inS, int[] outS, LoweringContext ctx) {
            int[] w = PackedModelWeights.weightShape(n);
            int fin = w[0], fout = w[1], rows = Shapes.rowsExceptLast(in[0]);
            PackedWeights pw = ctx.packed(n);
            float[] bias = bias(n, fout);
            Activation act = Activations.of(n.attrs());
            float alpha = Activations.alpha(n.attrs());
            int x = inS[0], y = outS[0];
            return NamedStep.backend("dense", b -> b.kernels.dense(rows, fin, fout, b.slots[x], 0, pw, bias, act, alpha, b.slots[y], 0));
        }
    }
}
