package dev.mien.formats.onnx;

import dev.mien.engine.Tensor;
import dev.mien.engine.ir.Graph;
import dev.mien.engine.ir.Node;
import dev.mien.engine.ir.Op;
import dev.mien.engine.ir.ValueInfo;
import dev.mien.engine.ops.OpDefinition;
import dev.mien.engine.ops.OpDefinitions;
import dev.mien.engine.ops.ShapeInference;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Writes a Mien graph (any model Mien loads) as an ONNX model, opset {@value #OPSET}, with its
 * own protobuf writer; the same graph always gives the same bytes. Four-dimensional values,
 * NHWC in the engine, are NCHW in the file (ONNX's convolution layout): weights are re-laid out,
 * axes renumbered, constants transposed, and data reordered (a Transpose) only where an op
 * depends on the engine's memory order (Reshape, Flatten). An input the source framework laid
 * out NHWC stays NHWC at the file's boundary (one Transpose inside), so the exported model takes
 * and returns tensors exactly as {@code Model.run} does. The batch axis is symbolic ("N").
 *
 * <p>Semantics follow Mien's defaults: PAtt-Lite's 2-D attention is per image (as Mien runs it,
 * not Keras' batch-coupled form), written as softmax over each image's single score.
 */
public final class OnnxExporter {
    public static final int OPSET = 13;
    static final long IR_VERSION = 8;

    private final Graph g;
    private final Map<String, int[]> shapes;
    private final List<ProtoWriter> nodes = new ArrayList<>();
    private final List<ProtoWriter> initializers = new ArrayList<>();
    private final Set<String> names = new HashSet<>();
    /** ONNX name of each computed engine value. */
    private final Map<String, String> onnx = new HashMap<>();
    private final Map<String, String> constantCache = new HashMap<>();
    /** Engine values written under another ONNX name (graph outputs re-laid out at the boundary). */
    private final Map<String, String> internal = new HashMap<>();

    private OnnxExporter(Graph g) {
        this.g = g;
        this.shapes = ShapeInference.infer(g, 1).shapes();
    }

    /** The ONNX bytes of {@code g}. */
    public static byte[] export(Graph g) {
        return new OnnxExporter(g).model();
    }

    public static void write(Path file, Graph g) throws IOException {
        Files.write(file, export(g));
    }

    // ---------------------------------------------------------------- model and graph

    private byte[] model() {
        for (String c : g.constants().keySet()) names.add(c + "#engine");
        for (Node n : g.nodes()) names.addAll(n.outputs());
        ProtoWriter graph = new ProtoWriter();
        List<ProtoWriter> inputs = new ArrayList<>(), outputs = new ArrayList<>();
        for (ValueInfo in : g.inputs()) {
            int[] s = shapes.get(in.name());
            names.add(in.name());
            boolean nhwcImage = s.length == 4 && !"NCHW".equals(in.layout());
            inputs.add(valueInfo(in.name(), nhwcImage ? s : onnxShape(s)));
            onnx.put(in.name(), nhwcImage ? node("Transpose", List.of(in.name()), fresh(in.name() + "/nchw"), A.ints("perm", 0, 3, 1, 2)) : in.name());
        }
        String layout = g.inputs().isEmpty() ? "NHWC" : g.inputs().get(0).layout();
        // A rank-4 output of an NHWC model is transposed back at the boundary: the value inside gets another name.
        for (String o : g.outputs())
            if (shapes.get(o).length == 4 && !"NCHW".equals(layout)) internal.put(o, fresh(o + "/nchw"));
        for (Node n : g.nodes()) convert(n);
        for (String o : g.outputs()) {
            int[] s = shapes.get(o);
            String v = onnx.get(o);
            if (v == null) throw new IllegalArgumentException("output " + o + " is not computed by the graph");
            boolean nhwcOut = s.length == 4 && !"NCHW".equals(layout);
            String name = o;
            if (nhwcOut) {
                node("Transpose", List.of(v), name, A.ints("perm", 0, 2, 3, 1));
            } else if (!v.equals(o)) {
                node("Identity", List.of(v), name);
            }
            outputs.add(valueInfo(name, nhwcOut ? s : onnxShape(s)));
        }
        for (ProtoWriter n : nodes) graph.message(1, n);
        graph.string(2, "mien");
        for (ProtoWriter t : initializers) graph.message(5, t);
        for (ProtoWriter i : inputs) graph.message(11, i);
        for (ProtoWriter o : outputs) graph.message(12, o);
        ProtoWriter model = new ProtoWriter().int64(1, IR_VERSION).string(2, "mien").string(3, "1");
        model.message(7, graph);
        model.message(8, new ProtoWriter().string(1, "").int64(2, OPSET));
        // The network card, so that predict knows the model's preprocessing and labels after a round trip.
        var card = g.card();
        Map<String, String> meta = new java.util.LinkedHashMap<>();
        meta.put(OnnxImporter.META_ARCHITECTURE, card.architecture());
        if (card.hasPreprocessing()) meta.put(OnnxImporter.META_PREPROCESSING, card.preprocessing());
        if (!card.labels().isEmpty()) meta.put(OnnxImporter.META_LABELS, String.join(",", card.labels()));
        meta.put(OnnxImporter.META_OUTPUT, card.output());
        meta.forEach((k, v) -> model.message(14, new ProtoWriter().string(1, k).string(2, v)));
        return model.toByteArray();
    }

    private static ProtoWriter valueInfo(String name, int[] shape) {
        ProtoWriter dims = new ProtoWriter();
        for (int i = 0; i < shape.length; i++) {
            ProtoWriter d = new ProtoWriter();
            if (i == 0) d.string(2, "N"); else d.int64(1, shape[i]);
            dims.message(1, d);
        }
        ProtoWriter tensor = new ProtoWriter().int64(1, OnnxTensor.FLOAT).message(2, dims);
        return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensor));
    }

    /** The ONNX shape of an engine value: NCHW for rank 4. */
    private static int[] onnxShape(int[] s) {
        return s.length == 4 ? new int[]{s[0], s[3], s[1], s[2]} : s.clone();
    }

    private static int onnxAxis(int engineAxis, int rank) {
        int a = engineAxis < 0 ? engineAxis + rank : engineAxis;
        return rank == 4 ? new int[]{0, 2, 3, 1}[a] : a;
    }

    // ---------------------------------------------------------------- writing nodes and tensors

    private String fresh(String base) {
        String n = base;
        for (int k = 1; names.contains(n); k++) n = base + "_" + k;
        names.add(n);
        return n;
    }

    /** An attribute. */
    private record A(ProtoWriter w) {
        static A i(String name, long v) { return new A(new ProtoWriter().string(1, name).int64(20, OnnxModel.INT).int64(3, v)); }
        static A f(String name, float v) { return new A(new ProtoWriter().string(1, name).int64(20, OnnxModel.FLOAT).float32(2, v)); }
        static A s(String name, String v) { return new A(new ProtoWriter().string(1, name).int64(20, OnnxModel.STRING).string(4, v)); }
        static A ints(String name, int... v) {
            ProtoWriter w = new ProtoWriter().string(1, name).int64(20, OnnxModel.INTS);
            for (int x : v) w.int64(8, x);
            return new A(w);
        }
    }

    private String node(String op, List<String> inputs, String output, A... attrs) {
        ProtoWriter n = new ProtoWriter();
        for (String i : inputs) n.string(1, i);
        n.string(2, output).string(3, output).string(4, op);
        for (A a : attrs) n.message(5, a.w());
        nodes.add(n);
        return output;
    }

    private String initializer(String base, int[] dims, float[] data) {
        String name = fresh(base);
        ByteBuffer b = ByteBuffer.allocate(4 * data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(data);
        ProtoWriter t = new ProtoWriter();
        for (int d : dims) t.int64(1, d);
        t.int64(2, OnnxTensor.FLOAT).string(8, name).bytes(9, b.array());
        initializers.add(t);
        return name;
    }

    private String longs(String base, long... v) {
        String name = fresh(base);
        ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(v);
        ProtoWriter t = new ProtoWriter().int64(1, v.length).int64(2, OnnxTensor.INT64).string(8, name).bytes(9, b.array());
        initializers.add(t);
        return name;
    }

    private String scalar(String base, float v) { return initializer(base, new int[0], new float[]{v}); }

    /** The ONNX name of engine value {@code v} used where the computation has rank {@code rank} (constants laid out to broadcast). */
    private String in(String v, int rank) {
        Tensor c = g.constants().get(v);
        if (c == null) {
            String o = onnx.get(v);
            if (o == null) throw new IllegalArgumentException("value " + v + " is used before it is computed");
            return o;
        }
        return constantCache.computeIfAbsent(v + "@" + rank, k -> {
            int[] s = c.shape();
            if (rank == 4 && s.length <= 4) {
                int[] p = new int[4];
                Arrays.fill(p, 1);
                System.arraycopy(s, 0, p, 4 - s.length, s.length);
                ConstTensor t = ConstTensor.ofFloats(p, c.data()).transpose(new int[]{0, 3, 1, 2});
                return initializer(v, t.shape(), t.floats());
            }
            return initializer(v, s, c.data());
        });
    }

    private int rank(String v) { return shapes.get(v).length; }

    /** Engine order (NHWC) of an ONNX value of rank 4; other ranks are the same. */
    private String toEngineOrder(String x, int rank, String base) {
        return rank == 4 ? node("Transpose", List.of(x), fresh(base + "/nhwc"), A.ints("perm", 0, 2, 3, 1)) : x;
    }

    private String toOnnxOrder(String x, int rank, String out) {
        return rank == 4 ? node("Transpose", List.of(x), out, A.ints("perm", 0, 3, 1, 2)) : node("Identity", List.of(x), out);
    }

    // ---------------------------------------------------------------- ops

    private void convert(Node n) {
        OpDefinition d = OpDefinitions.of(n.op());
        String out = internal.getOrDefault(n.output(), n.output());
        int r = rank(n.output());
        String x = n.inputs().isEmpty() ? null : in(n.inputs().get(0), r);
        switch (n.op()) {
            case CONV2D -> epilogue(n, r, out, y -> conv(n, d, x, y));
            case CONV_TRANSPOSE2D -> epilogue(n, r, out, y -> convTranspose(n, d, x, y));
            case MAX_POOL2D, AVG_POOL2D -> {
                int[] k = d.intsAttr(n, "kernel"), s = d.hasValue(n, "strides") ? d.intsAttr(n, "strides") : k, p = d.intsAttr(n, "pads");
                boolean max = n.op() == Op.MAX_POOL2D;
                List<A> a = new ArrayList<>(List.of(A.ints("kernel_shape", k), A.ints("strides", s), A.ints("pads", p),
                        A.i("ceil_mode", d.boolAttr(n, "ceil_mode") ? 1 : 0)));
                if (!max) a.add(A.i("count_include_pad", d.boolAttr(n, "count_include_pad") ? 1 : 0));
                node(max ? "MaxPool" : "AveragePool", List.of(x), out, a.toArray(A[]::new));
            }
            case GLOBAL_AVG_POOL, GLOBAL_MAX_POOL -> {
                String op = n.op() == Op.GLOBAL_AVG_POOL ? "GlobalAveragePool" : "GlobalMaxPool";
                if (d.boolAttr(n, "keepdims")) node(op, List.of(x), out);
                else node("Flatten", List.of(node(op, List.of(x), fresh(out + "/pool"))), out, A.i("axis", 1));
            }
            case DENSE -> epilogue(n, r, out, y -> dense(n, x, r, y));
            case BATCH_NORM -> epilogue(n, r, out, y -> batchNorm(n, d, x, r, y));
            case SCALE_SHIFT -> epilogue(n, r, out, y -> scaleShift(n, x, r, y));
            case ACTIVATION -> activation(n.attrs().getString("activation", "none"), alpha(n), x, out);
            case PRELU -> {
                Tensor a = n.param("alpha");
                int[] s = a.shape();
                ConstTensor t = ConstTensor.ofFloats(s, a.data());
                if (r == 4) {
                    int[] p = {1, 1, 1};
                    System.arraycopy(s, 0, p, 3 - s.length, s.length);
                    t = t.reshape(p).transpose(new int[]{2, 0, 1});
                }
                node("PRelu", List.of(x, initializer(out + "/slope", t.shape(), t.floats())), out);
            }
            case SOFTMAX -> node("Softmax", List.of(x), out, A.i("axis", onnxAxis(d.intAttr(n, "axis"), r)));
            case ADD, SUB, MUL, DIV, MAX, MIN, AVERAGE -> elementwise(n, r, out);
            case CONCAT -> {
                List<String> ins = n.inputs().stream().map(v -> in(v, r)).toList();
                node("Concat", ins, out, A.i("axis", onnxAxis(d.intAttr(n, "axis"), r)));
            }
            case SLICE -> {
                int ax = onnxAxis(d.intAttr(n, "axis"), r);
                node("Slice", List.of(x, longs(out + "/starts", d.intAttr(n, "start")), longs(out + "/ends", d.intAttr(n, "end")),
                        longs(out + "/axes", ax)), out);
            }
            case RESHAPE, FLATTEN -> {
                int rin = rank(n.inputs().get(0));
                String e = toEngineOrder(x, rin, out);
                int[] s = shapes.get(n.output());
                long[] target = new long[s.length];
                target[0] = -1;
                for (int i = 1; i < s.length; i++) target[i] = s[i];
                if (r == 4) {
                    String y = node("Reshape", List.of(e, longs(out + "/shape", target)), fresh(out + "/nhwc"));
                    toOnnxOrder(y, 4, out);
                } else node("Reshape", List.of(e, longs(out + "/shape", target)), out);
            }
            case TRANSPOSE -> {
                int[] p = d.intsAttr(n, "perm");
                int rin = p.length;
                int[] pinInv = rin == 4 ? new int[]{0, 2, 3, 1} : identity(rin);
                int[] pout = r == 4 ? new int[]{0, 3, 1, 2} : identity(r);
                int[] q = new int[r];
                for (int j = 0; j < r; j++) q[j] = pinInv[p[pout[j]]];
                node("Transpose", List.of(x), out, A.ints("perm", q));
            }
            case PAD -> {
                int[] p = d.intsAttr(n, "pads");
                node("Pad", List.of(x, longs(out + "/pads", 0, 0, p[0], p[1], 0, 0, p[2], p[3])), out, A.s("mode", "constant"));
            }
            case CROP -> {
                int[] c = d.intsAttr(n, "crops"), s = shapes.get(n.inputs().get(0));
                node("Slice", List.of(x, longs(out + "/starts", c[0], c[1]), longs(out + "/ends", s[1] - c[2], s[2] - c[3]),
                        longs(out + "/axes", 2, 3)), out);
            }
            case RESIZE -> resize(n, d, x, out);
            case REDUCE -> reduce(n, d, x, out);
            case CHANNEL_SHUFFLE -> {
                int gr = d.intAttr(n, "groups");
                int[] s = shapes.get(n.output());
                int c = s[s.length - 1];
                if (r == 4) {
                    String a = node("Reshape", List.of(x, longs(out + "/split", 0, gr, c / gr, s[1], s[2])), fresh(out + "/groups"));
                    String b = node("Transpose", List.of(a), fresh(out + "/swap"), A.ints("perm", 0, 2, 1, 3, 4));
                    node("Reshape", List.of(b, longs(out + "/merge", 0, c, s[1], s[2])), out);
                } else {
                    String e = toEngineOrder(x, r, out);
                    long[] split = new long[r + 1];
                    for (int i = 0; i < r - 1; i++) split[i] = i == 0 ? 0 : s[i];
                    split[r - 1] = gr;
                    split[r] = c / gr;
                    int[] perm = identity(r + 1);
                    perm[r - 1] = r;
                    perm[r] = r - 1;
                    long[] merge = new long[r];
                    for (int i = 1; i < r; i++) merge[i] = s[i];
                    String a = node("Reshape", List.of(e, longs(out + "/split", split)), fresh(out + "/groups"));
                    String b = node("Transpose", List.of(a), fresh(out + "/swap"), A.ints("perm", perm));
                    node("Reshape", List.of(b, longs(out + "/merge", merge)), out);
                }
            }
            case PWFS -> pwfs(n, x, r, out);
            case ATTENTION -> attention(n, r, out);
            case IDENTITY -> node("Identity", List.of(x), out);
        }
        onnx.put(n.output(), out);
    }

    private static int[] identity(int r) {
        int[] p = new int[r];
        for (int i = 0; i < r; i++) p[i] = i;
        return p;
    }

    private interface Body { void write(String y); }

    /** The op's body, then the fused residual add and activation, the last step writing the node's output. */
    private void epilogue(Node n, int r, String out, Body body) {
        String act = n.attrs().getString("activation", "none");
        boolean residual = n.op() == Op.CONV2D && n.inputs().size() > 1;
        boolean hasAct = !act.equals("none");
        String y = residual || hasAct ? fresh(out + "/pre") : out;
        body.write(y);
        if (residual) {
            String z = hasAct ? fresh(out + "/res") : out;
            node("Add", List.of(y, in(n.inputs().get(1), r)), z);
            y = z;
        }
        if (hasAct) activation(act, alpha(n), y, out);
    }

    private static float alpha(Node n) {
        String act = n.attrs().getString("activation", "none").toUpperCase(Locale.ROOT);
        float dflt = switch (act) { case "HARD_SIGMOID" -> 0.2f; case "ELU" -> 1f; case "LEAKY_RELU" -> 0.3f; default -> 0f; };
        return n.attrs().getFloat("alpha", dflt);
    }

    private void activation(String act, float alpha, String x, String out) {
        switch (act) {
            case "none" -> node("Identity", List.of(x), out);
            case "relu" -> node("Relu", List.of(x), out);
            case "relu6" -> node("Clip", List.of(x, scalar(out + "/min", 0f), scalar(out + "/max", 6f)), out);
            case "sigmoid" -> node("Sigmoid", List.of(x), out);
            case "hard_sigmoid" -> node("HardSigmoid", List.of(x), out, A.f("alpha", alpha), A.f("beta", 0.5f));
            case "tanh" -> node("Tanh", List.of(x), out);
            case "elu" -> node("Elu", List.of(x), out, A.f("alpha", alpha));
            case "leaky_relu" -> node("LeakyRelu", List.of(x), out, A.f("alpha", alpha));
            case "swish" -> node("Mul", List.of(x, node("Sigmoid", List.of(x), fresh(out + "/sigmoid"))), out);
            default -> throw new IllegalArgumentException("activation " + act + " has no ONNX form here");
        }
    }

    private void conv(Node n, OpDefinition d, String x, String y) {
        Tensor w = weight(n);
        ConstTensor oihw = ConstTensor.ofFloats(w.shape(), w.data()).transpose(new int[]{3, 2, 0, 1});
        List<String> ins = new ArrayList<>(List.of(x, initializer(n.name() + "/W", oihw.shape(), oihw.floats())));
        Tensor b = n.param("bias");
        if (b != null) ins.add(initializer(n.name() + "/B", new int[]{b.size()}, b.data()));
        node("Conv", ins, y, A.ints("kernel_shape", w.dim(0), w.dim(1)), A.ints("strides", d.intsAttr(n, "strides")),
                A.ints("dilations", d.intsAttr(n, "dilations")), A.ints("pads", d.intsAttr(n, "pads")), A.i("group", d.intAttr(n, "groups")));
    }

    private void convTranspose(Node n, OpDefinition d, String x, String y) {
        Tensor w = weight(n);
        // [kH, kW, Cout, Cin] -> [Cin, Cout, kH, kW]
        ConstTensor e = ConstTensor.ofFloats(w.shape(), w.data()).transpose(new int[]{3, 2, 0, 1});
        List<String> ins = new ArrayList<>(List.of(x, initializer(n.name() + "/W", e.shape(), e.floats())));
        Tensor b = n.param("bias");
        if (b != null) ins.add(initializer(n.name() + "/B", new int[]{b.size()}, b.data()));
        int[] p = d.intsAttr(n, "pads");
        // The engine's negative bottom/right pad is ONNX's output_padding.
        int[] end = {Math.max(0, p[2]), Math.max(0, p[3])}, op = {end[0] - p[2], end[1] - p[3]};
        node("ConvTranspose", ins, y, A.ints("kernel_shape", w.dim(0), w.dim(1)), A.ints("strides", d.intsAttr(n, "strides")),
                A.ints("pads", p[0], p[1], end[0], end[1]), A.ints("output_padding", op));
    }

    private static Tensor weight(Node n) {
        Tensor w = n.param("weight");
        if (w == null) throw new IllegalArgumentException(n.name() + ": the weight is not in the graph (a packed model's graph cannot be exported; load the model file instead)");
        return w;
    }

    private void dense(Node n, String x, int r, String y) {
        Tensor w = weight(n);
        String wn = initializer(n.name() + "/W", w.shape(), w.data());
        Tensor b = n.param("bias");
        if (r == 2) {
            List<String> ins = new ArrayList<>(List.of(x, wn));
            if (b != null) ins.add(initializer(n.name() + "/B", new int[]{b.size()}, b.data()));
            node("Gemm", ins, y);
            return;
        }
        String e = toEngineOrder(x, r, n.name());
        String mm = b == null && r != 4 ? y : fresh(n.name() + "/matmul");
        node("MatMul", List.of(e, wn), mm);
        String z = mm;
        if (b != null) {
            z = r == 4 ? fresh(n.name() + "/bias") : y;
            node("Add", List.of(mm, initializer(n.name() + "/B", new int[]{b.size()}, b.data())), z);
        }
        if (r == 4) toOnnxOrder(z, 4, y);
    }

    /** A per-channel vector shaped to broadcast over the ONNX channel axis (1 for rank 4, last otherwise). */
    private String channelVector(String base, float[] v, int r) {
        int[] dims = r == 4 ? new int[]{v.length, 1, 1} : new int[]{v.length};
        return initializer(base, dims, v);
    }

    private void batchNorm(Node n, OpDefinition d, String x, int r, String y) {
        float eps = d.floatAttr(n, "epsilon");
        float[] gamma = n.param("gamma").data(), beta = n.param("beta").data(), mean = n.param("mean").data(), var = n.param("var").data();
        int c = shapes.get(n.output())[r - 1];
        float[] scale = new float[c], shift = new float[c];
        for (int i = 0; i < c; i++) {
            float gm = gamma[gamma.length == 1 ? 0 : i];
            double s = gm / Math.sqrt(var[var.length == 1 ? 0 : i] + (double) eps);
            scale[i] = (float) s;
            shift[i] = (float) (beta[beta.length == 1 ? 0 : i] - mean[mean.length == 1 ? 0 : i] * s);
        }
        String m = fresh(n.name() + "/scale");
        node("Mul", List.of(x, channelVector(n.name() + "/s", scale, r)), m);
        node("Add", List.of(m, channelVector(n.name() + "/b", shift, r)), y);
    }

    private void scaleShift(Node n, String x, int r, String y) {
        float[] s = n.param("scale").data(), b = n.param("shift").data();
        String m = fresh(n.name() + "/scale");
        node("Mul", List.of(x, channelVector(n.name() + "/s", s, r)), m);
        node("Add", List.of(m, channelVector(n.name() + "/b", b, r)), y);
    }

    private void elementwise(Node n, int r, String out) {
        List<String> ins = n.inputs().stream().map(v -> in(v, r)).toList();
        switch (n.op()) {
            case MAX -> node("Max", ins, out);
            case MIN -> node("Min", ins, out);
            case AVERAGE -> node("Mean", ins, out);
            default -> {
                String op = switch (n.op()) { case ADD -> "Add"; case SUB -> "Sub"; case MUL -> "Mul"; default -> "Div"; };
                String acc = ins.get(0);
                for (int k = 1; k < ins.size(); k++) acc = node(op, List.of(acc, ins.get(k)), k == ins.size() - 1 ? out : fresh(out + "/" + k));
            }
        }
    }

    private void resize(Node n, OpDefinition d, String x, String out) {
        int[] size = d.intsAttr(n, "size");
        boolean bilinear = d.stringAttr(n, "mode").equals("bilinear");
        String coord = d.stringAttr(n, "coord");
        String shape = node("Shape", List.of(x), fresh(out + "/shape"));
        String nc = node("Slice", List.of(shape, longs(out + "/s0", 0), longs(out + "/s1", 2)), fresh(out + "/nc"));
        String sizes = node("Concat", List.of(nc, longs(out + "/hw", size[0], size[1])), fresh(out + "/sizes"), A.i("axis", 0));
        String mode = bilinear ? "linear" : "nearest";
        String onnxCoord = !bilinear && coord.equals("half_pixel") ? "tf_half_pixel_for_nn" : coord;
        String nearest = coord.equals("align_corners") ? "round_prefer_ceil" : "floor";
        node("Resize", List.of(x, "", "", sizes), out, A.s("mode", mode), A.s("coordinate_transformation_mode", onnxCoord),
                A.s("nearest_mode", nearest));
    }

    private void reduce(Node n, OpDefinition d, String x, String out) {
        int rin = rank(n.inputs().get(0));
        boolean keep = d.boolAttr(n, "keepdims");
        boolean[] red = OpDefinitions.reducedAxes(n, rin);
        List<Integer> axes = new ArrayList<>();
        for (int a = 0; a < rin; a++) if (red[a]) axes.add(onnxAxis(a, rin));
        int[] ax = axes.stream().mapToInt(Integer::intValue).sorted().toArray();
        String op = switch (d.stringAttr(n, "op")) { case "sum" -> "ReduceSum"; case "mean" -> "ReduceMean"; case "max" -> "ReduceMax"; default -> "ReduceMin"; };
        boolean direct = keep || rin != 4;
        String y = direct ? out : fresh(out + "/keep");
        long keepFlag = direct && !keep ? 0 : 1;
        if (op.equals("ReduceSum")) node(op, List.of(x, longs(out + "/axes", Arrays.stream(ax).asLongStream().toArray())), y, A.i("keepdims", keepFlag));
        else node(op, List.of(x), y, A.ints("axes", ax), A.i("keepdims", keepFlag));
        if (direct) return;
        // Rank 4 without keepdims: drop the reduced axes in the engine's order, which the result keeps.
        String e = toEngineOrder(y, 4, out);
        long[] drop = new long[0];
        for (int a = 0; a < 4; a++) if (red[a]) { drop = Arrays.copyOf(drop, drop.length + 1); drop[drop.length - 1] = a; }
        node("Squeeze", List.of(e, longs(out + "/drop", drop)), out);
    }

    private void pwfs(Node n, String x, int r, String out) {
        int c = shapes.get(n.inputs().get(0))[r - 1], g3 = c / 3;
        int ax = onnxAxis(r - 1, r);
        String[] s = new String[3];
        for (int k = 0; k < 3; k++)
            s[k] = node("Slice", List.of(x, longs(out + "/st", (long) k * g3), longs(out + "/en", (long) (k + 1) * g3), longs(out + "/ax", ax)),
                    fresh(out + "/s" + k));
        String mx = node("Max", List.of(s[0], s[1], s[2]), fresh(out + "/max"));
        // The median of three: max(min(a, b), min(max(a, b), c)).
        String lo = node("Min", List.of(s[0], s[1]), fresh(out + "/minab"));
        String hi = node("Max", List.of(s[0], s[1]), fresh(out + "/maxab"));
        String mid = node("Min", List.of(hi, s[2]), fresh(out + "/minc"));
        String med = node("Max", List.of(lo, mid), fresh(out + "/median"));
        String sum = node("Add", List.of(mx, med), fresh(out + "/sum"));
        node("Mul", List.of(sum, scalar(out + "/half", 0.5f)), out);
    }

    private void attention(Node n, int r, String out) {
        String q = in(n.inputs().get(0), r), v = in(n.inputs().get(1), r);
        String k = n.inputs().size() > 2 ? in(n.inputs().get(2), r) : v;
        Tensor sp = n.param("scale");
        float scale = sp == null ? 1f : sp.data()[0];
        String scores;
        if (r == 2) {
            // Per image (Mien's default): one score per image, softmax over that single score (1, or NaN when not finite).
            String qk = node("Mul", List.of(q, k), fresh(out + "/qk"));
            scores = node("ReduceSum", List.of(qk, longs(out + "/axes", 1)), fresh(out + "/score"), A.i("keepdims", 1));
        } else {
            String kt = node("Transpose", List.of(k), fresh(out + "/kt"), A.ints("perm", 0, 2, 1));
            scores = node("MatMul", List.of(q, kt), fresh(out + "/scores"));
        }
        if (scale != 1f) scores = node("Mul", List.of(scores, scalar(out + "/scale", scale)), fresh(out + "/scaled"));
        String w = node("Softmax", List.of(scores), fresh(out + "/weights"), A.i("axis", -1));
        if (r == 2) node("Mul", List.of(w, v), out);
        else node("MatMul", List.of(w, v), out);
    }
}
