package dev.mien.formats.onnx;

import dev.mien.engine.Tensor;
import dev.mien.engine.ir.Attrs;
import dev.mien.engine.ir.Graph;
import dev.mien.engine.ir.Node;
import dev.mien.engine.ir.Op;
import dev.mien.engine.ir.ValueInfo;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Small seeded graphs, one per engine op and attribute variant (strides, dilations, groups,
 * asymmetric pads, ceil_mode, count_include_pad, every activation, broadcasting constants, every
 * resize mode, reductions with and without keepdims, ...), on an odd-sized 8x6x12 map. The ONNX
 * exporter's tests export each, import it back and, in the ort module, run it in ONNX Runtime:
 * together they cover every op the exporter writes and the importer reads back.
 */
public final class OpSampleGraphs {
    private OpSampleGraphs() {}

    static final int H = 8, W = 6, C = 12;

    /** Every sample, by name; {@code Op.values()} are all covered (a test checks it). */
    public static Map<String, Graph> all() {
        Map<String, Graph> m = new LinkedHashMap<>();
        Random r = new Random(20261130);
        conv(m, r);
        m.put("conv_transpose_s2", one(r, Op.CONV_TRANSPOSE2D, new Attrs().set("strides", new int[]{2, 2}).set("pads", new int[]{0, 0, 1, 1}),
                Map.of("weight", rnd(r, 3, 3, 5, C), "bias", rnd(r, 5)), "NCHW"));
        m.put("conv_transpose_pads_relu", one(r, Op.CONV_TRANSPOSE2D, new Attrs().set("strides", new int[]{2, 1}).set("pads", new int[]{1, 1, 0, 1})
                .set("activation", "relu"), Map.of("weight", rnd(r, 3, 3, 4, C)), "NHWC"));
        m.put("max_pool_3x3_s2_p1", one(r, Op.MAX_POOL2D, pool(3, 2, 1).set("ceil_mode", false), Map.of(), "NCHW"));
        m.put("max_pool_ceil", one(r, Op.MAX_POOL2D, pool(3, 2, 0).set("ceil_mode", true), Map.of(), "NHWC"));
        m.put("avg_pool_exclude_pad", one(r, Op.AVG_POOL2D, pool(3, 2, 1).set("count_include_pad", false), Map.of(), "NCHW"));
        m.put("avg_pool_include_pad", one(r, Op.AVG_POOL2D, pool(3, 1, 1).set("count_include_pad", true), Map.of(), "NHWC"));
        m.put("avg_pool_2x2", one(r, Op.AVG_POOL2D, new Attrs().set("kernel", new int[]{2, 2}), Map.of(), "NCHW"));
        m.put("global_avg_pool", one(r, Op.GLOBAL_AVG_POOL, new Attrs(), Map.of(), "NCHW"));
        m.put("global_max_pool_keepdims", one(r, Op.GLOBAL_MAX_POOL, new Attrs().set("keepdims", true), Map.of(), "NHWC"));
        m.put("dense_after_pool", chain(r, "NCHW", List.of(
                node(Op.GLOBAL_AVG_POOL, new Attrs(), Map.of()),
                node(Op.DENSE, new Attrs().set("activation", "sigmoid"), Map.of("weight", rnd(r, C, 7), "bias", rnd(r, 7))))));
        m.put("dense_on_channels", one(r, Op.DENSE, new Attrs(), Map.of("weight", rnd(r, C, 5), "bias", rnd(r, 5)), "NHWC"));
        m.put("batch_norm", one(r, Op.BATCH_NORM, new Attrs().set("epsilon", 1e-3f),
                Map.of("gamma", rnd(r, C), "beta", rnd(r, C), "mean", rnd(r, C), "var", positive(r, C)), "NCHW"));
        m.put("scale_shift_relu6", one(r, Op.SCALE_SHIFT, new Attrs().set("activation", "relu6"), Map.of("scale", rnd(r, C), "shift", rnd(r, C)), "NHWC"));
        for (String act : new String[]{"relu", "relu6", "sigmoid", "hard_sigmoid", "tanh", "elu", "swish", "leaky_relu"})
            m.put("activation_" + act, one(r, Op.ACTIVATION, new Attrs().set("activation", act), Map.of(), "NCHW"));
        m.put("activation_leaky_alpha", one(r, Op.ACTIVATION, new Attrs().set("activation", "leaky_relu").set("alpha", 0.1f), Map.of(), "NHWC"));
        m.put("prelu_channels", one(r, Op.PRELU, new Attrs(), Map.of("alpha", rnd(r, 1, 1, C)), "NCHW"));
        m.put("prelu_full", one(r, Op.PRELU, new Attrs(), Map.of("alpha", rnd(r, H, W, C)), "NHWC"));
        m.put("softmax_channels", one(r, Op.SOFTMAX, new Attrs(), Map.of(), "NCHW"));
        m.put("softmax_rank2", chain(r, "NHWC", List.of(node(Op.GLOBAL_MAX_POOL, new Attrs(), Map.of()), node(Op.SOFTMAX, new Attrs(), Map.of()))));
        elementwise(m, r);
        m.put("concat_channels", twoInputs(r, Op.CONCAT, new Attrs().set("axis", 3), "NCHW"));
        m.put("concat_rows", twoInputs(r, Op.CONCAT, new Attrs().set("axis", 1), "NHWC"));
        m.put("concat_negative_axis", twoInputs(r, Op.CONCAT, new Attrs().set("axis", -2), "NCHW"));
        m.put("slice_width", one(r, Op.SLICE, new Attrs().set("axis", 2).set("start", 1).set("end", 5), Map.of(), "NCHW"));
        m.put("slice_channels", one(r, Op.SLICE, new Attrs().set("axis", -1).set("start", 3).set("end", 11), Map.of(), "NHWC"));
        m.put("reshape", one(r, Op.RESHAPE, new Attrs().set("shape", new int[]{H * W, C}), Map.of(), "NCHW"));
        m.put("reshape_rank4", one(r, Op.RESHAPE, new Attrs().set("shape", new int[]{W, H, -1}), Map.of(), "NHWC"));
        m.put("flatten", one(r, Op.FLATTEN, new Attrs(), Map.of(), "NCHW"));
        m.put("transpose_rank4", one(r, Op.TRANSPOSE, new Attrs().set("perm", new int[]{0, 3, 1, 2}), Map.of(), "NCHW"));
        m.put("transpose_hw", one(r, Op.TRANSPOSE, new Attrs().set("perm", new int[]{0, 2, 1, 3}), Map.of(), "NHWC"));
        m.put("pad", one(r, Op.PAD, new Attrs().set("pads", new int[]{1, 2, 0, 3}), Map.of(), "NCHW"));
        m.put("crop", one(r, Op.CROP, new Attrs().set("crops", new int[]{1, 0, 2, 1}), Map.of(), "NHWC"));
        for (String mode : new String[]{"bilinear", "nearest"})
            for (String coord : new String[]{"half_pixel", "align_corners", "asymmetric"})
                m.put("resize_" + mode + "_" + coord, one(r, Op.RESIZE, new Attrs().set("size", new int[]{13, 9}).set("mode", mode).set("coord", coord),
                        Map.of(), "NCHW"));
        m.put("resize_down", one(r, Op.RESIZE, new Attrs().set("size", new int[]{4, 3}), Map.of(), "NHWC"));
        m.put("reduce_mean_channels_keep", one(r, Op.REDUCE, new Attrs().set("op", "mean").set("axes", new int[]{3}).set("keepdims", true), Map.of(), "NCHW"));
        m.put("reduce_max_spatial", one(r, Op.REDUCE, new Attrs().set("op", "max").set("axes", new int[]{1, 2}), Map.of(), "NHWC"));
        m.put("reduce_sum_width", one(r, Op.REDUCE, new Attrs().set("op", "sum").set("axes", new int[]{-2}), Map.of(), "NCHW"));
        m.put("reduce_min_rows_keep", one(r, Op.REDUCE, new Attrs().set("op", "min").set("axes", new int[]{1}).set("keepdims", true), Map.of(), "NHWC"));
        m.put("channel_shuffle", one(r, Op.CHANNEL_SHUFFLE, new Attrs().set("groups", 3), Map.of(), "NCHW"));
        m.put("channel_shuffle_rank2", chain(r, "NHWC", List.of(node(Op.GLOBAL_AVG_POOL, new Attrs(), Map.of()),
                node(Op.CHANNEL_SHUFFLE, new Attrs().set("groups", 4), Map.of()))));
        m.put("pwfs", one(r, Op.PWFS, new Attrs(), Map.of(), "NHWC"));
        m.put("attention_2d", attention(r, false));
        m.put("attention_3d", attention(r, true));
        m.put("identity", one(r, Op.IDENTITY, new Attrs(), Map.of(), "NCHW"));
        return m;
    }

    private static void conv(Map<String, Graph> m, Random r) {
        m.put("conv_3x3_p1", one(r, Op.CONV2D, conv(1, 1, new int[]{1, 1, 1, 1}, 1), Map.of("weight", rnd(r, 3, 3, C, 8), "bias", rnd(r, 8)), "NCHW"));
        m.put("conv_s2_asymmetric_pads", one(r, Op.CONV2D, conv(2, 1, new int[]{0, 1, 1, 0}, 1), Map.of("weight", rnd(r, 3, 3, C, 5)), "NHWC"));
        m.put("conv_dilated", one(r, Op.CONV2D, conv(1, 2, new int[]{2, 2, 2, 2}, 1), Map.of("weight", rnd(r, 3, 3, C, 4), "bias", rnd(r, 4)), "NCHW"));
        m.put("conv_groups", one(r, Op.CONV2D, conv(1, 1, new int[]{1, 1, 1, 1}, 3).set("activation", "leaky_relu").set("alpha", 0.2f),
                Map.of("weight", rnd(r, 3, 3, C / 3, 6), "bias", rnd(r, 6)), "NHWC"));
        m.put("conv_depthwise_s2", one(r, Op.CONV2D, conv(2, 1, new int[]{1, 1, 1, 1}, C).set("activation", "relu6"),
                Map.of("weight", rnd(r, 3, 3, 1, C), "bias", rnd(r, C)), "NCHW"));
        m.put("conv_1x5", one(r, Op.CONV2D, conv(1, 1, new int[]{0, 2, 0, 2}, 1), Map.of("weight", rnd(r, 1, 5, C, 7)), "NHWC"));
        m.put("conv_pointwise_residual_swish", residualConv(r));
    }

    private static Attrs conv(int stride, int dilation, int[] pads, int groups) {
        return new Attrs().set("strides", new int[]{stride, stride}).set("dilations", new int[]{dilation, dilation}).set("pads", pads).set("groups", groups);
    }

    private static Attrs pool(int k, int s, int p) {
        return new Attrs().set("kernel", new int[]{k, k}).set("strides", new int[]{s, s}).set("pads", new int[]{p, p, p, p});
    }

    private static void elementwise(Map<String, Graph> m, Random r) {
        Op[] ops = {Op.ADD, Op.SUB, Op.MUL, Op.DIV, Op.MAX, Op.MIN, Op.AVERAGE};
        int[][] constShapes = {{C}, {1, 1, C}, {H, W, C}, {1}, {W, 1}};
        int k = 0;
        for (Op op : ops) {
            m.put(op.name().toLowerCase() + "_two_inputs", twoInputs(r, op, new Attrs(), k % 2 == 0 ? "NCHW" : "NHWC"));
            int[] cs = constShapes[k % constShapes.length];
            float[] v = op == Op.DIV ? positive(r, (int) Tensor.sizeOf(cs)).data() : rnd(r, cs).data();
            m.put(op.name().toLowerCase() + "_constant_" + cs.length + "d", withConstant(r, op, new Tensor(cs, v), k % 2 == 0 ? "NHWC" : "NCHW"));
            k++;
        }
        // Three inputs (the first two already of the result's shape) and a constant first operand.
        ValueInfo a = input("a", "NCHW"), b = new ValueInfo("b", new int[]{H, W, C}, "NCHW");
        Map<String, Tensor> cs = Map.of("c", rnd(r, 1, 1, C));
        m.put("add_three", new Graph(List.of(a, b), cs, List.of(new Node("y", Op.ADD, List.of("a", "b", "c"), List.of("y"), new Attrs(), Map.of())),
                List.of("y"), Map.of()));
        Map<String, Tensor> first = Map.of("k", rnd(r, C));
        m.put("sub_constant_first", new Graph(List.of(input("x", "NHWC")), first,
                List.of(new Node("y", Op.SUB, List.of("k", "x"), List.of("y"), new Attrs(), Map.of())), List.of("y"), Map.of()));
    }

    private static Graph residualConv(Random r) {
        ValueInfo x = input("x", "NCHW");
        Node c = new Node("y", Op.CONV2D, List.of("x", "x"), List.of("y"), conv(1, 1, new int[4], 1).set("activation", "swish"),
                Map.of("weight", rnd(r, 1, 1, C, C)));
        return new Graph(List.of(x), List.of(c), List.of("y"), Map.of());
    }

    private static Graph attention(Random r, boolean rank3) {
        List<ValueInfo> in = new ArrayList<>();
        int[] s = rank3 ? new int[]{5, 8} : new int[]{8};
        in.add(new ValueInfo("q", s, "NHWC"));
        in.add(new ValueInfo("v", s, "NHWC"));
        in.add(new ValueInfo("k", s, "NHWC"));
        Node n = new Node("y", Op.ATTENTION, List.of("q", "v", "k"), List.of("y"), new Attrs(), Map.of("scale", new Tensor(new int[]{1}, new float[]{0.7f})));
        return new Graph(in, List.of(n), List.of("y"), Map.of());
    }

    private record Step(Op op, Attrs attrs, Map<String, Tensor> params) {}

    private static Step node(Op op, Attrs a, Map<String, Tensor> p) { return new Step(op, a, p); }

    private static ValueInfo input(String name, String layout) { return new ValueInfo(name, new int[]{H, W, C}, layout); }

    private static Graph one(Random r, Op op, Attrs a, Map<String, Tensor> params, String layout) {
        return chain(r, layout, List.of(new Step(op, a, params)));
    }

    private static Graph chain(Random r, String layout, List<Step> steps) {
        List<Node> nodes = new ArrayList<>();
        String prev = "x";
        for (int i = 0; i < steps.size(); i++) {
            String name = i == steps.size() - 1 ? "y" : "h" + i;
            Step s = steps.get(i);
            nodes.add(new Node(name, s.op(), List.of(prev), List.of(name), s.attrs(), s.params()));
            prev = name;
        }
        return new Graph(List.of(input("x", layout)), nodes, List.of("y"), Map.of());
    }

    private static Graph twoInputs(Random r, Op op, Attrs a, String layout) {
        return new Graph(List.of(input("a", layout), input("b", layout)),
                List.of(new Node("y", op, List.of("a", "b"), List.of("y"), a, Map.of())), List.of("y"), Map.of());
    }

    private static Graph withConstant(Random r, Op op, Tensor c, String layout) {
        return new Graph(List.of(input("x", layout)), Map.of("k", c),
                List.of(new Node("y", op, List.of("x", "k"), List.of("y"), new Attrs(), Map.of())), List.of("y"), Map.of());
    }

    static Tensor rnd(Random r, int... shape) {
        float[] d = new float[(int) Tensor.sizeOf(shape)];
        for (int i = 0; i < d.length; i++) d[i] = (float) r.nextGaussian() * 0.5f;
        return new Tensor(shape, d);
    }

    static Tensor positive(Random r, int... shape) {
        float[] d = new float[(int) Tensor.sizeOf(shape)];
        for (int i = 0; i < d.length; i++) d[i] = 0.5f + r.nextFloat();
        return new Tensor(shape, d);
    }

    /** Inputs for {@code g} at {@code batch}, in each input's source layout, seeded. */
    public static Map<String, Tensor> inputs(Graph g, int batch, long seed) {
        Random r = new Random(seed);
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (ValueInfo vi : g.inputs()) {
            int[] full = dev.mien.engine.Layouts.sourceShape(vi, batch);
            float[] d = new float[(int) Tensor.sizeOf(full)];
            for (int i = 0; i < d.length; i++) d[i] = (float) r.nextGaussian();
            m.put(vi.name(), new Tensor(full, d));
        }
        return m;
    }
}
