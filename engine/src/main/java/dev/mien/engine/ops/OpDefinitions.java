package dev.mien.engine.ops;

import dev.mien.engine.Tensor;
import dev.mien.engine.ir.GraphException;
import dev.mien.engine.ir.Node;
import dev.mien.engine.ir.Op;
import dev.mien.kernels.Activation;
import dev.mien.kernels.ConvShape;
import dev.mien.kernels.ConvTransposeShape;
import dev.mien.kernels.PoolShape;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

import static dev.mien.engine.ops.AttrSpec.optional;
import static dev.mien.engine.ops.AttrSpec.required;
import static dev.mien.engine.ops.AttrType.BOOL;
import static dev.mien.engine.ops.AttrType.FLOAT;
import static dev.mien.engine.ops.AttrType.INT;
import static dev.mien.engine.ops.AttrType.INTS;
import static dev.mien.engine.ops.AttrType.STRING;
import static dev.mien.engine.ops.Dims.str;

/**
 * The definition of every {@link Op} (see its table for the semantics). Adding an op means:
 * its entry in {@link Op}, its definition here, its lowering in the runtime's {@code Lowerings}
 * (a backend kernel, with its scalar reference and its vector version, or a named host step),
 * and tests; {@code OpDefinitionsTest} fails while any op lacks a definition or a lowering.
 */
public final class OpDefinitions {
    private OpDefinitions() {}

    private static final int ANY = Integer.MAX_VALUE;
    private static final Map<Op, OpDefinition> BY_OP = new EnumMap<>(Op.class);

    /** The definition of {@code op}; never null for an op of this build. */
    public static OpDefinition of(Op op) {
        OpDefinition d = BY_OP.get(op);
        if (d == null) throw new IllegalStateException("no definition for op " + op);
        return d;
    }

    static boolean defines(Op op) { return BY_OP.containsKey(op); }

    private static void add(OpDefinition d) { BY_OP.put(d.op(), d); }

    /** Fused epilogue of conv, dense and affine ops: activation name and its parameter. */
    private static final AttrSpec ACTIVATION = optional("activation", STRING, "none").oneOf(activationNames());
    private static final AttrSpec ALPHA = optional("alpha", FLOAT, null);

    private static String[] activationNames() {
        return Arrays.stream(Activation.values()).map(a -> a.name().toLowerCase(Locale.ROOT)).toArray(String[]::new);
    }

    static {
        add(OpDefinition.of(Op.CONV2D).inputs(1, 2).params("weight")
                .attr(optional("strides", INTS, new int[]{1, 1}).length(2), optional("dilations", INTS, new int[]{1, 1}).length(2),
                        optional("pads", INTS, new int[]{0, 0, 0, 0}).length(4), optional("groups", INT, 1), ACTIVATION, ALPHA)
                .macs((n, in, out) -> convShape(n, in[0]).macs())
                .shape((n, in) -> {
                    ConvShape cs = convShape(n, in[0]);
                    int[] out = {cs.n(), cs.outH(), cs.outW(), cs.outC()};
                    if (in.length > 1 && !Arrays.equals(in[1], out))
                        throw new GraphException("residual shape " + str(in[1]) + " != output " + str(out));
                    return new int[][]{out};
                }));
        add(OpDefinition.of(Op.CONV_TRANSPOSE2D).params("weight")
                .attr(optional("strides", INTS, new int[]{1, 1}).length(2), optional("pads", INTS, new int[]{0, 0, 0, 0}).length(4), ACTIVATION, ALPHA)
                .macs((n, in, out) -> convTransposeShape(n, in[0]).macs())
                .shape((n, in) -> {
                    ConvTransposeShape t = convTransposeShape(n, in[0]);
                    return new int[][]{{t.n(), t.outH(), t.outW(), t.outC()}};
                }));
        for (Op pool : new Op[]{Op.MAX_POOL2D, Op.AVG_POOL2D})
            add(OpDefinition.of(pool)
                    .attr(required("kernel", INTS).length(2), optional("strides", INTS, null).length(2),
                            optional("pads", INTS, new int[]{0, 0, 0, 0}).length(4), optional("ceil_mode", BOOL, false),
                            optional("count_include_pad", BOOL, true))
                    .shape((n, in) -> {
                        PoolShape p = poolShape(n, in[0]);
                        return new int[][]{{p.n(), p.outH(), p.outW(), p.c()}};
                    }));
        for (Op pool : new Op[]{Op.GLOBAL_AVG_POOL, Op.GLOBAL_MAX_POOL})
            add(OpDefinition.of(pool).attr(optional("keepdims", BOOL, false)).shape((n, in) -> {
                int[] x = in[0];
                Dims.requireRank(x, 4);
                return new int[][]{of(n).boolAttr(n, "keepdims") ? new int[]{x[0], 1, 1, x[3]} : new int[]{x[0], x[3]}};
            }));
        add(OpDefinition.of(Op.DENSE).params("weight").attr(ACTIVATION, ALPHA)
                .macs((n, in, out) -> (long) Dims.rowsExceptLast(in[0]) * Dims.last(in[0]) * Dims.last(out[0]))
                .shape((n, in) -> {
                    int[] w = weightShape(n);
                    int[] x = in[0];
                    if (w.length != 2 || w[0] != Dims.last(x))
                        throw new GraphException("dense weight " + str(w) + " does not fit input " + str(x));
                    int[] o = x.clone();
                    o[o.length - 1] = w[1];
                    return new int[][]{o};
                }));
        add(OpDefinition.of(Op.BATCH_NORM).attr(optional("epsilon", FLOAT, 1e-3f), ACTIVATION, ALPHA).shape(OpDefinitions::channelwise));
        add(OpDefinition.of(Op.SCALE_SHIFT).attr(ACTIVATION, ALPHA).shape(OpDefinitions::channelwise));
        add(OpDefinition.of(Op.ACTIVATION).attr(ACTIVATION, ALPHA).shape(OpDefinitions::same));
        add(OpDefinition.of(Op.PRELU).params("alpha").shape((n, in) -> {
            int[] sample = Arrays.copyOfRange(in[0], 1, in[0].length);
            Tensor a = n.param("alpha");
            if (!Arrays.equals(Dims.broadcast(sample, a.shape()), sample))
                throw new GraphException("alpha " + a + " does not broadcast to " + str(sample));
            return same(n, in);
        }));
        add(OpDefinition.of(Op.SOFTMAX).attr(optional("axis", INT, -1)).shape((n, in) -> {
            int ax = Dims.axis(of(n).intAttr(n, "axis"), in[0].length);
            if (ax != in[0].length - 1) throw new GraphException("softmax only over the last axis");
            return same(n, in);
        }));
        for (Op op : new Op[]{Op.ADD, Op.SUB, Op.MUL, Op.DIV, Op.MAX, Op.MIN, Op.AVERAGE})
            add(OpDefinition.of(op).inputs(2, ANY).shape((n, in) -> {
                int[] s = in[0];
                for (int i = 1; i < in.length; i++) s = Dims.broadcast(s, in[i]);
                // The runtime folds into the output buffer, which is only safe once the partial result has the final shape.
                int[] first = Dims.broadcast(in[0], in[1]);
                if (in.length > 2 && !Arrays.equals(first, s))
                    throw new GraphException("the first two inputs of a " + in.length + "-way " + n.op() + " must broadcast to the output shape");
                return new int[][]{s};
            }));
        add(OpDefinition.of(Op.CONCAT).inputs(1, ANY).attr(optional("axis", INT, -1)).shape((n, in) -> {
            int r = in[0].length, ax = Dims.axis(of(n).intAttr(n, "axis"), r);
            int[] o = in[0].clone();
            o[ax] = 0;
            for (int[] s : in) {
                if (s.length != r) throw new GraphException("concat of different ranks " + str(in[0]) + " and " + str(s));
                for (int i = 0; i < r; i++)
                    if (i != ax && s[i] != o[i]) throw new GraphException("concat shapes " + str(in[0]) + " and " + str(s) + " differ off axis " + ax);
                o[ax] += s[ax];
            }
            return new int[][]{o};
        }));
        add(OpDefinition.of(Op.SLICE).attr(required("axis", INT), required("start", INT), required("end", INT)).shape((n, in) -> {
            int[] x = in[0];
            OpDefinition d = of(n);
            int ax = Dims.axis(d.intAttr(n, "axis"), x.length);
            if (ax == 0) throw new GraphException("slicing the batch axis is not supported");
            int start = d.intAttr(n, "start"), end = d.intAttr(n, "end");
            if (start < 0 || end > x[ax] || start >= end)
                throw new GraphException("slice [" + start + ":" + end + "] out of range for axis size " + x[ax]);
            int[] o = x.clone();
            o[ax] = end - start;
            return new int[][]{o};
        }));
        add(OpDefinition.of(Op.RESHAPE).attr(required("shape", INTS)).shape((n, in) -> {
            int[] x = in[0], t = of(n).intsAttr(n, "shape");
            long per = Dims.size(x) / Math.max(1, x[0]);
            int[] out = new int[t.length + 1];
            out[0] = x[0];
            int unknown = -1;
            long known = 1;
            for (int i = 0; i < t.length; i++) {
                if (t[i] == -1) {
                    if (unknown >= 0) throw new GraphException("more than one -1 in reshape " + Arrays.toString(t));
                    unknown = i;
                } else if (t[i] < 0) {
                    throw new GraphException("negative dimension in reshape " + Arrays.toString(t));
                } else { out[i + 1] = t[i]; known *= t[i]; }
            }
            if (unknown >= 0) {
                if (known == 0 || per % known != 0) throw new GraphException("cannot reshape " + str(x) + " to " + Arrays.toString(t));
                out[unknown + 1] = (int) (per / known);
            } else if (known != per) {
                throw new GraphException("cannot reshape " + str(x) + " to " + Arrays.toString(t));
            }
            return new int[][]{out};
        }));
        add(OpDefinition.of(Op.FLATTEN).shape((n, in) -> new int[][]{{in[0][0], (int) (Dims.size(in[0]) / Math.max(1, in[0][0]))}}));
        add(OpDefinition.of(Op.IDENTITY).shape(OpDefinitions::same));
        add(OpDefinition.of(Op.TRANSPOSE).attr(required("perm", INTS)).shape((n, in) -> {
            int[] p = of(n).intsAttr(n, "perm"), x = in[0];
            if (p.length != x.length || p[0] != 0) throw new GraphException("bad perm " + Arrays.toString(p) + " for " + str(x));
            boolean[] seen = new boolean[p.length];
            int[] o = new int[p.length];
            for (int i = 0; i < p.length; i++) {
                if (p[i] < 0 || p[i] >= p.length || seen[p[i]]) throw new GraphException("bad perm " + Arrays.toString(p));
                seen[p[i]] = true;
                o[i] = x[p[i]];
            }
            return new int[][]{o};
        }));
        add(OpDefinition.of(Op.PAD).attr(required("pads", INTS).length(4)).shape(OpDefinitions::padCrop));
        add(OpDefinition.of(Op.CROP).attr(required("crops", INTS).length(4)).shape(OpDefinitions::padCrop));
        add(OpDefinition.of(Op.RESIZE)
                .attr(required("size", INTS).length(2), optional("mode", STRING, "bilinear").oneOf("bilinear", "nearest"),
                        optional("coord", STRING, "half_pixel").oneOf("half_pixel", "align_corners", "asymmetric"))
                .shape((n, in) -> {
                    Dims.requireRank(in[0], 4);
                    int[] size = of(n).intsAttr(n, "size");
                    if (size[0] < 1 || size[1] < 1) throw new GraphException("bad resize size " + Arrays.toString(size));
                    return new int[][]{{in[0][0], size[0], size[1], in[0][3]}};
                }));
        add(OpDefinition.of(Op.REDUCE)
                .attr(required("op", STRING).oneOf("sum", "mean", "max", "min"), required("axes", INTS), optional("keepdims", BOOL, false))
                .shape((n, in) -> {
                    int[] x = in[0];
                    boolean[] r = reducedAxes(n, x.length);
                    boolean keep = of(n).boolAttr(n, "keepdims");
                    int[] o = new int[x.length];
                    int k = 0;
                    for (int i = 0; i < x.length; i++) {
                        if (!r[i]) o[k++] = x[i];
                        else if (keep) o[k++] = 1;
                    }
                    return new int[][]{Arrays.copyOf(o, k)};
                }));
        add(OpDefinition.of(Op.CHANNEL_SHUFFLE).attr(required("groups", INT)).shape((n, in) -> {
            int g = of(n).intAttr(n, "groups"), c = Dims.last(in[0]);
            if (g < 1 || c % g != 0) throw new GraphException(c + " channels not divisible by " + g + " groups");
            return same(n, in);
        }));
        add(OpDefinition.of(Op.PWFS).shape((n, in) -> {
            int[] o = in[0].clone();
            int c = Dims.last(o);
            if (c % 3 != 0) throw new GraphException("PWFS needs channels divisible by 3, got " + c);
            o[o.length - 1] = c / 3;
            return new int[][]{o};
        }));
        add(OpDefinition.of(Op.ATTENTION).inputs(2, 3).attr(optional("score_mode", STRING, "dot").oneOf("dot")).shape((n, in) -> {
            int[] q = in[0], v = in[1], k = in.length > 2 ? in[2] : v;
            if (q.length != v.length || (q.length != 2 && q.length != 3) || Dims.last(q) != Dims.last(k) || !Arrays.equals(k, v))
                throw new GraphException("attention shapes q" + str(q) + " v" + str(v) + " k" + str(k) + " not supported");
            Tensor s = n.param("scale");
            if (s != null && s.size() != 1) throw new GraphException("scale has " + s.size() + " values, expected 1");
            int[] o = q.clone();
            o[o.length - 1] = Dims.last(v);
            return new int[][]{o};
        }));
    }

    private static OpDefinition of(Node n) { return of(n.op()); }

    private static int[][] same(Node n, int[][] in) { return new int[][]{in[0].clone()}; }

    /** Per-channel parameters (length 1 or C) over the last axis. */
    private static int[][] channelwise(Node n, int[][] in) {
        int c = Dims.last(in[0]);
        for (var e : n.params().entrySet()) {
            int len = e.getValue().size();
            if (len != 1 && len != c) throw new GraphException(e.getKey() + " has " + len + " values, input has " + c + " channels");
        }
        return same(n, in);
    }

    private static int[][] padCrop(Node n, int[][] in) {
        int[] x = in[0], p = padAmounts(n);
        Dims.requireRank(x, 4);
        int[] o = {x[0], x[1] + p[0] + p[2], x[2] + p[1] + p[3], x[3]};
        if (o[1] < 1 || o[2] < 1) throw new GraphException("result would be empty " + str(o));
        return new int[][]{o};
    }

    /** PAD's pads or CROP's crops as signed amounts added to each side: top, left, bottom, right. */
    public static int[] padAmounts(Node n) {
        boolean pad = n.op() == Op.PAD;
        int[] p = of(n).intsAttr(n, pad ? "pads" : "crops");
        int sign = pad ? 1 : -1;
        return new int[]{sign * p[0], sign * p[1], sign * p[2], sign * p[3]};
    }

    /** REDUCE's axes as flags over a rank-{@code rank} input; the batch axis may not be reduced. */
    public static boolean[] reducedAxes(Node n, int rank) {
        boolean[] r = new boolean[rank];
        for (int a : of(n).intsAttr(n, "axes")) {
            int k = Dims.axis(a, rank);
            if (k == 0) throw new GraphException("reducing over the batch axis is not supported");
            r[k] = true;
        }
        return r;
    }

    /**
     * The shape of a node's "weight": the tensor's, or for a node whose weight is held outside
     * the graph (packed by a Model), the {@link OpDefinition#WEIGHT_SHAPE} attribute's.
     */
    public static int[] weightShape(Node n) {
        Tensor w = n.param("weight");
        if (w != null) return w.shape();
        if (n.attrs().has(OpDefinition.WEIGHT_SHAPE)) {
            Object v = n.attrs().asMap().get(OpDefinition.WEIGHT_SHAPE);
            if (v instanceof int[] shape) return shape.clone();
            throw new GraphException(n.name() + ": attribute '" + OpDefinition.WEIGHT_SHAPE + "' must be a list of ints");
        }
        throw new GraphException(n.name() + ": missing weight");
    }

    /** The geometry of a CONV2D node over an input of shape {@code x}. */
    public static ConvShape convShape(Node n, int[] x) {
        Dims.requireRank(x, 4);
        int[] w = weightShape(n);
        if (w.length != 4) throw new GraphException(n.name() + ": conv weight must be HWIO rank 4, got " + str(w));
        OpDefinition d = of(n);
        int[] s = d.intsAttr(n, "strides"), dl = d.intsAttr(n, "dilations"), p = d.intsAttr(n, "pads");
        int groups = d.intAttr(n, "groups");
        if (groups < 1 || x[3] != w[2] * groups)
            throw new GraphException(n.name() + ": input has " + x[3] + " channels, weight expects " + w[2] + " x " + groups + " groups");
        try {
            return new ConvShape(x[0], x[1], x[2], x[3], w[3], w[0], w[1], s[0], s[1], dl[0], dl[1],
                    p[0], p[1], p[2], p[3], groups);
        } catch (IllegalArgumentException e) {
            throw new GraphException(n.name() + ": " + e.getMessage());
        }
    }

    /** The geometry of a CONV_TRANSPOSE2D node: outH = (inH-1)*sH + kH - top - bottom. */
    public static ConvTransposeShape convTransposeShape(Node n, int[] x) {
        Dims.requireRank(x, 4);
        Tensor w = n.param("weight");
        if (w == null) throw new GraphException(n.name() + ": missing weight");
        if (w.rank() != 4 || w.dim(3) != x[3])
            throw new GraphException(n.name() + ": transposed-conv weight " + w + " does not fit input " + str(x));
        OpDefinition d = of(n);
        int[] s = d.intsAttr(n, "strides"), p = d.intsAttr(n, "pads");
        int kh = w.dim(0), kw = w.dim(1);
        int oh = (x[1] - 1) * s[0] + kh - p[0] - p[2];
        int ow = (x[2] - 1) * s[1] + kw - p[1] - p[3];
        try {
            return new ConvTransposeShape(x[0], x[1], x[2], x[3], w.dim(2), kh, kw, s[0], s[1], p[0], p[1], oh, ow);
        } catch (IllegalArgumentException e) {
            throw new GraphException(n.name() + ": " + e.getMessage());
        }
    }

    /** The geometry of a MAX_POOL2D / AVG_POOL2D node; strides default to the kernel. */
    public static PoolShape poolShape(Node n, int[] x) {
        Dims.requireRank(x, 4);
        OpDefinition d = of(n);
        int[] k = d.intsAttr(n, "kernel"), s = d.hasValue(n, "strides") ? d.intsAttr(n, "strides") : k, p = d.intsAttr(n, "pads");
        try {
            return PoolShape.of(x[0], x[1], x[2], x[3], k[0], k[1], s[0], s[1], p[0], p[1], p[2], p[3],
                    d.boolAttr(n, "ceil_mode"), d.boolAttr(n, "count_include_pad"));
        } catch (IllegalArgumentException e) {
            throw new GraphException(n.name() + ": " + e.getMessage());
        }
    }
}
