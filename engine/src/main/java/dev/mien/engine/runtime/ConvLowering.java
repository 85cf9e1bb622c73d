package dev.mien.engine.runtime;

import dev.mien.engine.Tensor;
import dev.mien.engine.ir.Attrs;
import dev.mien.engine.ir.Node;
import dev.mien.kernels.Activation;
import dev.mien.kernels.Backend;
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
        static ConvShape shape(Node n, int[] x) {
            Shapes.requireRank(n.name(), x, 4);
            int[] w = PackedModelWeights.weightShape(n);
            if (w.length != 4) throw new PlanException(n.name() + ": conv weight must be HWIO rank 4, got " + Shapes.str(w));
            Attrs a = n.attrs();
            int[] s = a.getInts("strides", 1, 1), d = a.getInts("dilations", 1, 1), p = a.getInts("pads", 0, 0, 0, 0);
            int groups = a.getInt("groups", 1);
            if (x[3] != w[2] * groups)
                throw new PlanException(n.name() + ": input has " + x[3] + " channels, weight expects "
                        + w[2] + " x " + groups + " groups");
            try {
                return new ConvShape(x[0], x[1], x[2], x[3], w[3], w[0], w[1], s[0], s[1], d[0], d[1],
                        p[0], p[1], p[2], p[3], groups);
            } catch (IllegalArgumentException e) {
                throw new PlanException(n.name() + ": " + e.getMessage());
            }
        }

        @Override public int[][] outputShapes(Node n, int[][] in) {
            ConvShape cs = shape(n, in[0]);
            int[] out = {cs.n(), cs.outH(), cs.outW(), cs.outC()};
            if (in.length > 1 && !java.util.Arrays.equals(in[1], out))
                throw new PlanException(n.name() + ": residual shape " + Shapes.str(in[1]) + " != output " + Shapes.str(out));
            return new int[][]{out};
        }

        @Override public Step lower(Node n, int[][] in, int[][] out, int[] inS, int[] outS, LoweringContext ctx) {
            ConvShape cs = shape(n, in[0]);
            PackedWeights pw = ctx.packed(n);
            // Chosen here, once per plan step, from the call's full shape (batch and map size).
            ConvAlgorithm algorithm = ctx.convAlgorithm(n, cs);
            return new ConvStep(ctx.backend, cs, algorithm, pw, bias(n, cs.outC()), Activations.of(n.attrs()),
                    Activations.alpha(n.attrs()), inS[0], inS.length > 1 ? inS[1] : -1, outS[0]);
        }
    }

    /** One planned convolution, with the algorithm chosen for its shape. */
    static final class ConvStep implements Step {
        private final Backend be;
        private final ConvShape cs;
        private final ConvAlgorithm algorithm;
        private final PackedWeights pw;
        private final float[] bias;
        private final Activation act;
        private final float alpha;
        private final int x, r, y;

        ConvStep(Backend be, ConvShape cs, ConvAlgorithm algorithm, PackedWeights pw, float[] bias, Activation act, float alpha,
                 int x, int r, int y) {
            this.be = be;
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
            be.conv2d(cs, algorithm, b.slots[x], 0, pw, bias, r < 0 ? null : b.slots[r], 0, act, alpha, b.slots[y], 0);
        }
    }

    static final class ConvTranspose implements Lowering {
        static ConvTransposeShape shape(Node n, int[] x) {
            Shapes.requireRank(n.name(), x, 4);
            Tensor w = weight(n);
            if (w.rank() != 4 || w.dim(3) != x[3])
                throw new PlanException(n.name() + ": transposed-conv weight " + w + " does not fit input " + Shapes.str(x));
            int[] s = n.attrs().getInts("strides", 1, 1), p = n.attrs().getInts("pads", 0, 0, 0, 0);
            int kh = w.dim(0), kw = w.dim(1);
            int oh = (x[1] - 1) * s[0] + kh - p[0] - p[2];
            int ow = (x[2] - 1) * s[1] + kw - p[1] - p[3];
            try {
                return new ConvTransposeShape(x[0], x[1], x[2], x[3], w.dim(2), kh, kw, s[0], s[1], p[0], p[1], oh, ow);
            } catch (IllegalArgumentException e) {
                throw new PlanException(n.name() + ": " + e.getMessage());
            }
        }

        @Override public int[][] outputShapes(Node n, int[][] in) {
            ConvTransposeShape t = shape(n, in[0]);
            return new int[][]{{t.n(), t.outH(), t.outW(), t.outC()}};
        }

        @Override public Step lower(Node n, int[][] in, int[][] out, int[] inS, int[] outS, LoweringContext ctx) {
            ConvTransposeShape t = shape(n, in[0]);
            float[] w = weight(n).data();
            float[] bias = bias(n, t.outC());
            Activation act = Activations.of(n.attrs());
            float alpha = Activations.alpha(n.attrs());
            var be = ctx.backend;
            int x = inS[0], y = outS[0];
            return b -> be.convTranspose2d(t, b.slots[x], 0, w, bias, act, alpha, b.slots[y], 0);
        }
    }

    static final class Dense implements Lowering {
        @Override public int[][] outputShapes(Node n, int[][] in) {
            int[] w = PackedModelWeights.weightShape(n);
            int[] x = in[0];
            if (w.length != 2 || w[0] != Shapes.last(x))
                throw new PlanException(n.name() + ": dense weight " + Shapes.str(w) + " does not fit input " + Shapes.str(x));
            int[] o = x.clone();
            o[o.length - 1] = w[1];
            return new int[][]{o};
        }

        @Override public Step lower(Node n, int[][] in, int[][] out, int[] inS, int[] outS, LoweringContext ctx) {
            int[] w = PackedModelWeights.weightShape(n);
            int fin = w[0], fout = w[1], rows = Shapes.rowsExceptLast(in[0]);
            PackedWeights pw = ctx.packed(n);
            float[] bias = bias(n, fout);
            Activation act = Activations.of(n.attrs());
            float alpha = Activations.alpha(n.attrs());
            var be = ctx.backend;
            int x = inS[0], y = outS[0];
            return b -> be.dense(rows, fin, fout, b.slots[x], 0, pw, bias, act, alpha, b.slots[y], 0);
        }
    }
}
