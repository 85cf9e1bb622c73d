package dev.mien.engine.passes;

import dev.mien.engine.Tensor;
import dev.mien.engine.ir.Attrs;
import dev.mien.engine.ir.Graph;
import dev.mien.engine.ir.Node;
import dev.mien.engine.ir.Op;
import dev.mien.engine.ops.OpDefinitions;
import dev.mien.engine.ops.ShapeInference;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Graph optimisations run once, by the converter, so that loading a model does no rewriting:
 * explicit zero padding folded into the convolution that reads it, BatchNorm folded into the
 * preceding conv/dense (or turned into a per-channel affine),
 * activations and residual adds fused into conv epilogues, identities and dead nodes removed.
 * Values named in {@code keep} (and graph outputs) survive every pass.
 */
public final class Passes {
    private Passes() {}

    public static Graph optimize(Graph g) { return optimize(g, Set.of()); }

    public static Graph optimize(Graph g, Set<String> keep) {
        g = removeIdentities(g, keep);
        g = foldPadIntoConv(g, keep);
        g = batchNormToAffine(g);
        g = foldAffineIntoConv(g, keep);
        g = fuseResidualAdd(g, keep);
        g = fuseActivation(g, keep);
        g = removeDeadNodes(g, keep);
        return g;
    }

    /**
     * IDENTITY nodes disappear. When the identity is its input's only reader, the producer takes
     * over the identity's name (so names given by identities, e.g. "layer2", stay visible);
     * otherwise readers of the identity read its input instead.
     */
    public static Graph removeIdentities(Graph g, Set<String> keep) {
        GraphRewriter rw = new GraphRewriter(g, keep);
        Map<String, String> rename = new HashMap<>();
        List<Node> out = new ArrayList<>();
        for (Node n : rw.nodes) {
            List<String> ins = n.inputs().stream().map(i -> rename.getOrDefault(i, i)).toList();
            if (n.op() != Op.IDENTITY) { out.add(n.withInputs(ins)); continue; }
            String src = ins.get(0);
            Node p = rw.soleProducer(n.inputs().get(0));
            int at = p == null ? -1 : indexOfOutput(out, src);
            if (at >= 0) {
                Node prod = out.get(at);
                List<String> outs = new ArrayList<>(prod.outputs());
                outs.set(outs.indexOf(src), n.output());
                out.set(at, prod.withOutputs(outs));
            } else if (rw.protectedValues.contains(n.output())) {
                out.add(n.withInputs(ins)); // a graph output that merely repeats another value
            } else {
                rename.put(n.output(), src);
            }
        }
        return g.withNodes(out);
    }

    /**
     * PAD(x) read only by a CONV2D becomes part of that convolution's own padding (both pad with
     * zeros): the kernel pads while it copies its input anyway, so the separate pass over the
     * tensor disappears (Keras' ZeroPadding2D before MobileNet's stride-2 depthwise layers).
     */
    public static Graph foldPadIntoConv(Graph g, Set<String> keep) {
        GraphRewriter rw = new GraphRewriter(g, keep);
        for (int i = 0; i < rw.nodes.size(); i++) {
            Node conv = rw.nodes.get(i);
            if (conv.op() != Op.CONV2D) continue;
            Node pad = rw.soleProducer(conv.inputs().get(0));
            if (pad == null || pad.op() != Op.PAD) continue;
            int[] extra = OpDefinitions.of(Op.PAD).intsAttr(pad, "pads");
            if (extra.length != 4 || Arrays.stream(extra).anyMatch(v -> v < 0)) continue;
            int[] own = OpDefinitions.of(Op.CONV2D).intsAttr(conv, "pads");
            int[] sum = new int[4];
            for (int k = 0; k < 4; k++) sum[k] = own[k] + extra[k];
            List<String> ins = new ArrayList<>(conv.inputs());
            ins.set(0, pad.inputs().get(0));
            Node fused = new Node(conv.name(), Op.CONV2D, ins, conv.outputs(), conv.attrs().copy().set("pads", sum), conv.params());
            rw.nodes.set(i, fused);
            rw.nodes.remove(pad);
            i--;
        }
        return rw.result();
    }

    private static int indexOfOutput(List<Node> nodes, String value) {
        for (int i = nodes.size() - 1; i >= 0; i--) if (nodes.get(i).outputs().contains(value)) return i;
        return -1;
    }

    /** Every BATCH_NORM becomes SCALE_SHIFT with scale = gamma/sqrt(var+eps), shift = beta - mean*scale. */
    public static Graph batchNormToAffine(Graph g) {
        List<Node> out = new ArrayList<>();
        for (Node n : g.nodes()) {
            if (n.op() != Op.BATCH_NORM) { out.add(n); continue; }
            float[][] ss = batchNormScaleShift(n);
            int c = ss[0].length;
            float[] scale = ss[0], shift = ss[1];
            Map<String, Tensor> p = new LinkedHashMap<>();
            p.put("scale", new Tensor(new int[]{c}, scale));
            p.put("shift", new Tensor(new int[]{c}, shift));
            Attrs a = new Attrs();
            if (n.attrs().has("activation")) a.set("activation", n.attrs().getString("activation", "none"));
            out.add(new Node(n.name(), Op.SCALE_SHIFT, n.inputs(), n.outputs(), a, p));
        }
        return g.withNodes(out);
    }

    /**
     * A BATCH_NORM node as a per-channel affine: {scale = gamma/sqrt(var+eps), shift = beta - mean*scale},
     * computed in double. Used by this pass and by the runtime for graphs that were not optimised,
     * so both give the same numbers.
     */
    public static float[][] batchNormScaleShift(Node n) {
        int c = channels(n);
        float[] scale = new float[c], shift = new float[c];
        float[] ga = vec(n, "gamma", c, 1f), be = vec(n, "beta", c, 0f), m = vec(n, "mean", c, 0f), v = vec(n, "var", c, 1f);
        double eps = OpDefinitions.of(Op.BATCH_NORM).floatAttr(n, "epsilon");
        for (int i = 0; i < c; i++) {
            double s = ga[i] / Math.sqrt((double) v[i] + eps);
            scale[i] = (float) s;
            shift[i] = (float) (be[i] - m[i] * s);
        }
        return new float[][]{scale, shift};
    }

    private static int channels(Node n) {
        for (String k : new String[]{"gamma", "beta", "mean", "var"}) if (n.param(k) != null) return n.param(k).size();
        throw new IllegalArgumentException(n.name() + ": batch norm without parameters");
    }

    private static float[] vec(Node n, String key, int c, float dflt) {
        Tensor t = n.param(key);
        float[] out = new float[c];
        if (t == null) { Arrays.fill(out, dflt); return out; }
        if (t.size() != c) throw new IllegalArgumentException(n.name() + ": " + key + " has " + t.size() + " values, expected " + c);
        return t.data().clone();
    }

    private static boolean plainEpilogue(Node n) {
        return "none".equals(n.attrs().getString("activation", "none")) && n.inputs().size() == 1;
    }

    /** conv/dense/transposed conv followed by a per-channel affine: scale the weights, shift the bias. */
    public static Graph foldAffineIntoConv(Graph g, Set<String> keep) {
        GraphRewriter rw = new GraphRewriter(g, keep);
        for (int i = 0; i < rw.nodes.size(); i++) {
            Node ss = rw.nodes.get(i);
            if (ss.op() != Op.SCALE_SHIFT || !"none".equals(ss.attrs().getString("activation", "none"))) continue;
            Node p = rw.soleProducer(ss.inputs().get(0));
            if (p == null || !plainEpilogue(p) || !(p.op() == Op.CONV2D || p.op() == Op.DENSE || p.op() == Op.CONV_TRANSPOSE2D)) continue;
            Tensor w = p.param("weight");
            int cout = p.op() == Op.CONV_TRANSPOSE2D ? w.dim(2) : w.dim(-1);
            Tensor sc = ss.param("scale"), sh = ss.param("shift");
            float[] s = expand(sc, cout, 1f), t = expand(sh, cout, 0f);
            if (s == null || t == null) continue;
            float[] nw = w.data().clone();
            if (p.op() == Op.CONV_TRANSPOSE2D) {
                int cin = w.dim(3);
                for (int k = 0; k < nw.length; k++) nw[k] *= s[(k / cin) % cout];
            } else {
                for (int k = 0; k < nw.length; k++) nw[k] *= s[k % cout];
            }
            float[] nb = new float[cout];
            Tensor b = p.param("bias");
            for (int c = 0; c < cout; c++) nb[c] = (b == null ? 0f : b.data()[c]) * s[c] + t[c];
            Map<String, Tensor> params = new LinkedHashMap<>(p.params());
            params.put("weight", new Tensor(w.shape(), nw));
            params.put("bias", new Tensor(new int[]{cout}, nb));
            Node fused = new Node(p.name(), p.op(), p.inputs(), ss.outputs(), p.attrs(), params);
            rw.nodes.set(rw.nodes.indexOf(p), fused);
            rw.nodes.remove(i);
            i--;
        }
        return rw.result();
    }

    private static float[] expand(Tensor t, int c, float dflt) {
        float[] out = new float[c];
        if (t == null) { Arrays.fill(out, dflt); return out; }
        if (t.size() == 1) { Arrays.fill(out, t.data()[0]); return out; }
        return t.size() == c ? t.data().clone() : null;
    }

    /**
     * ADD(conv(x), r) with equal shapes becomes conv(x) with residual input r, placed where the
     * add was (both operands exist there), so a following ReLU can fuse as well.
     */
    public static Graph fuseResidualAdd(Graph g, Set<String> keep) {
        Map<String, int[]> shapes = ShapeInference.infer(g, 1).shapes();
        GraphRewriter rw = new GraphRewriter(g, keep);
        for (int i = 0; i < rw.nodes.size(); i++) {
            Node add = rw.nodes.get(i);
            if (add.op() != Op.ADD || add.inputs().size() != 2) continue;
            String a = add.inputs().get(0), b = add.inputs().get(1);
            if (a.equals(b) || !Arrays.equals(shapes.get(a), shapes.get(b))) continue;
            Node conv = null;
            String other = null;
            for (String[] pair : new String[][]{{a, b}, {b, a}}) {
                Node p = rw.soleProducer(pair[0]);
                if (p != null && p.op() == Op.CONV2D && plainEpilogue(p)) { conv = p; other = pair[1]; break; }
            }
            if (conv == null) continue;
            List<String> ins = List.of(conv.inputs().get(0), other);
            Node fused = new Node(conv.name(), Op.CONV2D, ins, add.outputs(), conv.attrs(), conv.params());
            rw.nodes.set(i, fused);
            rw.nodes.remove(conv);
            i--;
        }
        return rw.result();
    }

    /** An ACTIVATION right after a conv/dense/affine with no activation of its own moves into its epilogue. */
    public static Graph fuseActivation(Graph g, Set<String> keep) {
        GraphRewriter rw = new GraphRewriter(g, keep);
        for (int i = 0; i < rw.nodes.size(); i++) {
            Node act = rw.nodes.get(i);
            if (act.op() != Op.ACTIVATION) continue;
            Node p = rw.soleProducer(act.inputs().get(0));
            if (p == null || !"none".equals(p.attrs().getString("activation", "none"))) continue;
            if (!(p.op() == Op.CONV2D || p.op() == Op.DENSE || p.op() == Op.CONV_TRANSPOSE2D || p.op() == Op.SCALE_SHIFT)) continue;
            Attrs attrs = p.attrs().copy().set("activation", act.attrs().getString("activation", "none"));
            if (act.attrs().has("alpha")) attrs.set("alpha", act.attrs().getFloat("alpha", 0f));
            Node fused = new Node(p.name(), p.op(), p.inputs(), act.outputs(), attrs, p.params());
            rw.nodes.set(rw.nodes.indexOf(p), fused);
            rw.nodes.remove(i);
            i--;
        }
        return rw.result();
    }

    /** Drops nodes none of whose outputs is read, kept or a graph output (repeatedly), then constants nothing reads. */
    public static Graph removeDeadNodes(Graph g, Set<String> keep) {
        List<Node> nodes = new ArrayList<>(g.nodes());
        Set<String> live = new HashSet<>(g.outputs());
        live.addAll(keep);
        List<Node> out = new ArrayList<>();
        for (int i = nodes.size() - 1; i >= 0; i--) {
            Node n = nodes.get(i);
            if (n.outputs().stream().noneMatch(live::contains)) continue;
            live.addAll(n.inputs());
            out.add(0, n);
        }
        Map<String, Tensor> constants = new LinkedHashMap<>(g.constants());
        constants.keySet().retainAll(live);
        return g.withNodes(out).withConstants(constants);
    }
}
