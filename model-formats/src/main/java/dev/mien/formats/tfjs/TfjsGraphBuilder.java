package dev.mien.formats.tfjs;

import dev.mien.engine.NetworkCard;
import dev.mien.engine.Tensor;
import dev.mien.engine.io.Printable;
import dev.mien.engine.ir.Attrs;
import dev.mien.engine.ir.Graph;
import dev.mien.engine.ir.GraphException;
import dev.mien.engine.ir.Node;
import dev.mien.engine.ir.Op;
import dev.mien.engine.ir.ValueInfo;
import dev.mien.engine.ops.OpDefinitions;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Turns a TF.js GraphDef into Mien's graph. Nodes are visited in topological order (the file's
 * order is not trusted); every TF op maps onto existing engine ops, with TF's semantics made
 * explicit: SAME padding becomes the explicit pads TF uses (the odd pixel at the bottom/right),
 * depthwise kernels [kh,kw,C,mult] become grouped-conv weights (output channel c*mult+m), a
 * channel Pad becomes transpose / spatial pad / transpose. Shapes are inferred as nodes are
 * emitted (batch 1), so a node that does not fit is reported with its TF name.
 */
final class TfjsGraphBuilder {

    private final TfjsManifest m;
    private final Map<String, TfjsWeights.Value> weights;
    private final String src;
    private final List<Node> nodes = new ArrayList<>();
    private final Map<String, int[]> shapes = new HashMap<>();
    private final Map<String, Tensor> constants = new LinkedHashMap<>();
    private final Map<String, TfjsManifest.TfNode> byName = new HashMap<>();
    private final List<ValueInfo> inputs = new ArrayList<>();
    private int synthetic;

    private TfjsGraphBuilder(TfjsManifest m, Map<String, TfjsWeights.Value> weights) {
        this.m = m;
        this.weights = weights;
        this.src = m.source();
    }

    static Graph build(TfjsManifest m, Map<String, TfjsWeights.Value> weights) throws IOException {
        return new TfjsGraphBuilder(m, weights).build();
    }

    private Graph build() throws IOException {
        for (TfjsManifest.TfNode n : m.nodes())
            if (byName.put(n.name(), n) != null) throw fail("node '" + Printable.clip(n.name()) + "' is defined twice");
        refuseUnsupported();
        for (TfjsManifest.TfNode n : topologicalOrder()) {
            try {
                convert(n);
            } catch (GraphException | IllegalArgumentException | ArithmeticException e) {
                throw fail("node '" + Printable.clip(n.name()) + "' (" + Printable.clip(n.op()) + "): " + Printable.reason(e, 200));
            }
        }
        if (inputs.isEmpty()) throw fail("the graph has no Placeholder input");
        List<String> outputs = outputs();
        Graph g = new Graph(inputs, constants, nodes, outputs, Map.of());
        NetworkCard card = NetworkCard.generic(g);
        for (var e : m.info().entrySet()) card = card.withExtra("tfjs_" + e.getKey(), e.getValue());
        return g.withCard(card);
    }

    // ---- structure ----------------------------------------------------------------------

    private void refuseUnsupported() throws IOException {
        Map<String, List<String>> bad = new TreeMap<>();
        for (TfjsManifest.TfNode n : m.nodes()) {
            String why = TfjsOps.unsupported(n);
            if (why != null) bad.computeIfAbsent(why, k -> new ArrayList<>()).add(n.name());
        }
        if (bad.isEmpty()) return;
        StringBuilder sb = new StringBuilder("unsupported TF.js ops: ");
        int k = 0;
        for (var e : bad.entrySet()) {
            if (k++ > 0) sb.append("; ");
            sb.append(Printable.clip(e.getKey())).append(" (").append(e.getValue().size()).append(e.getValue().size() == 1 ? " node: " : " nodes, e.g. ")
                    .append(Printable.clip(e.getValue().get(0))).append(')');
        }
        throw fail(sb.append(". Supported: ").append(String.join(", ", new java.util.TreeSet<>(TfjsOps.SUPPORTED))).toString());
    }

    /** Kahn's algorithm, stable in file order; refuses cycles and dangling inputs. */
    private List<TfjsManifest.TfNode> topologicalOrder() throws IOException {
        Map<String, Integer> pending = new HashMap<>();
        Map<String, List<TfjsManifest.TfNode>> users = new HashMap<>();
        for (TfjsManifest.TfNode n : m.nodes()) {
            Set<String> deps = new LinkedHashSet<>();
            for (String in : n.inputs()) {
                String p = producer(in);
                if (!byName.containsKey(p)) throw fail("node '" + Printable.clip(n.name()) + "' reads '" + Printable.clip(in) + "', which no node produces");
                deps.add(p);
            }
            pending.put(n.name(), deps.size());
            for (String d : deps) users.computeIfAbsent(d, k -> new ArrayList<>()).add(n);
        }
        Deque<TfjsManifest.TfNode> ready = new ArrayDeque<>();
        for (TfjsManifest.TfNode n : m.nodes()) if (pending.get(n.name()) == 0) ready.add(n);
        List<TfjsManifest.TfNode> order = new ArrayList<>();
        while (!ready.isEmpty()) {
            TfjsManifest.TfNode n = ready.poll();
            order.add(n);
            for (TfjsManifest.TfNode u : users.getOrDefault(n.name(), List.of()))
                if (pending.merge(u.name(), -1, Integer::sum) == 0) ready.add(u);
        }
        if (order.size() != m.nodes().size()) throw fail("the graph has a cycle (" + (m.nodes().size() - order.size()) + " nodes never become ready)");
        return order;
    }

    /** The node producing a TF tensor reference "name", "name:0" or control input "^name". */
    private static String producer(String ref) {
        String r = ref.startsWith("^") ? ref.substring(1) : ref;
        int colon = r.lastIndexOf(':');
        return colon > 0 && r.substring(colon + 1).chars().allMatch(Character::isDigit) ? r.substring(0, colon) : r;
    }

    /** Data inputs (control inputs dropped); only output 0 of a node is supported. */
    private List<String> dataInputs(TfjsManifest.TfNode n) {
        List<String> out = new ArrayList<>();
        for (String in : n.inputs()) {
            if (in.startsWith("^")) continue;
            String p = producer(in);
            if (!p.equals(in) && !in.endsWith(":0")) throw new IllegalArgumentException("reads output " + Printable.clip(in) + "; only output 0 of a node is supported");
            out.add(p);
        }
        return out;
    }

    private List<String> outputs() throws IOException {
        List<String> out = new ArrayList<>();
        if (!m.signatureOutputs().isEmpty()) {
            for (String s : m.signatureOutputs()) {
                String p = producer(s);
                if (!shapes.containsKey(p) || constants.containsKey(p)) throw fail("signature output '" + Printable.clip(s) + "' is not a computed value of the graph");
                if (!out.contains(p)) out.add(p);
            }
            return out;
        }
        Set<String> read = new HashSet<>();
        for (TfjsManifest.TfNode n : m.nodes()) for (String in : n.inputs()) read.add(producer(in));
        for (TfjsManifest.TfNode n : m.nodes())
            if (!read.contains(n.name()) && shapes.containsKey(n.name()) && !constants.containsKey(n.name()) && !n.op().equals("Const")) out.add(n.name());
        out.sort(TfjsManifest::natural);
        if (out.isEmpty()) throw fail("the graph computes no output");
        return out;
    }

    // ---- ops ----------------------------------------------------------------------------

    private void convert(TfjsManifest.TfNode n) {
        List<String> in = dataInputs(n);
        switch (n.op()) {
            case "Placeholder" -> placeholder(n);
            case "Const" -> { /* read where used: weights, attributes or graph constants */ }
            case "NoOp" -> { }
            case "Identity" -> emit(n.name(), Op.IDENTITY, List.of(value(in, 0)), new Attrs(), null);
            case "Conv2D" -> conv(n, in.get(0), floatConst(in, 1), null, "none", null, false);
            case "DepthwiseConv2dNative" -> conv(n, in.get(0), floatConst(in, 1), null, "none", null, true);
            case "_FusedConv2D", "FusedDepthwiseConv2dNative" -> fusedConv(n, in);
            case "MaxPool", "AvgPool" -> pool(n, in);
            case "Add", "AddV2", "AddN", "BiasAdd" -> binary(n, in, Op.ADD);
            case "Sub" -> binary(n, in, Op.SUB);
            case "Mul" -> binary(n, in, Op.MUL);
            case "RealDiv" -> binary(n, in, Op.DIV);
            case "Maximum" -> binary(n, in, Op.MAX);
            case "Minimum" -> binary(n, in, Op.MIN);
            case "Relu", "Relu6", "Sigmoid", "Tanh", "Elu" ->
                    emit(n.name(), Op.ACTIVATION, List.of(value(in, 0)), new Attrs().set("activation", TfjsOps.activation(n.op())).set("alpha", 1f), null);
            case "LeakyRelu" ->
                    emit(n.name(), Op.ACTIVATION, List.of(value(in, 0)), new Attrs().set("activation", "leaky_relu").set("alpha", TfjsOps.leakyAlpha(n, "alpha")), null);
            case "Prelu" -> emit(n.name(), Op.PRELU, List.of(value(in, 0)), new Attrs(), Map.of("alpha", floatConst(in, 1)));
            case "Mean", "Sum", "Max", "Min" -> reduce(n, in);
            case "Softmax" -> emit(n.name(), Op.SOFTMAX, List.of(value(in, 0)), new Attrs().set("axis", -1), null);
            case "Pad", "PadV2" -> pad(n, in);
            case "Reshape" -> reshape(n, in);
            case "Squeeze" -> squeeze(n, in);
            case "ConcatV2" -> concat(n, in);
            case "MatMul", "_FusedMatMul" -> matMul(n, in);
            default -> throw new IllegalArgumentException("unsupported op");
        }
    }

    private void placeholder(TfjsManifest.TfNode n) {
        long[] s = n.shape();
        if (s == null || s.length < 2) throw new IllegalArgumentException("an input needs a known shape of rank >= 2 (batch first), got "
                + (s == null ? "none" : Arrays.toString(s)));
        int[] sample = new int[s.length - 1];
        for (int i = 1; i < s.length; i++) {
            if (s[i] < 1 || s[i] > Integer.MAX_VALUE) throw new IllegalArgumentException("input dimension " + i + " is " + s[i] + "; Mien needs every dimension but the batch fixed");
            sample[i - 1] = (int) s[i];
        }
        inputs.add(new ValueInfo(n.name(), sample, "NHWC"));
        int[] full = new int[s.length];
        full[0] = 1;
        System.arraycopy(sample, 0, full, 1, sample.length);
        shapes.put(n.name(), full);
    }

    private void fusedConv(TfjsManifest.TfNode n, List<String> in) {
        List<String> fused = n.strings("fused_ops");
        long args = n.integer("num_args", in.size() - 2);
        boolean prelu = fused.size() == 2 && fused.get(1).equals("Prelu");
        if (args != (prelu ? 2 : 1) || in.size() != 2 + args)
            throw new IllegalArgumentException("num_args " + args + " with " + in.size() + " inputs does not fit fused_ops " + fused);
        String act = fused.size() == 2 && !prelu ? TfjsOps.activation(fused.get(1)) : "none";
        Float leaky = fused.size() == 2 && fused.get(1).equals("LeakyRelu") ? TfjsOps.leakyAlpha(n, "leakyrelu_alpha") : null;
        conv(n, in.get(0), floatConst(in, 1), floatConst(in, 2), act, leaky, n.op().equals("FusedDepthwiseConv2dNative"));
        if (prelu) preluAfter(n.name(), floatConst(in, 3));
    }

    /** Renames the node just emitted and applies PReLU under the TF name, so readers see the activated value. */
    private void preluAfter(String name, Tensor alpha) {
        Node last = nodes.remove(nodes.size() - 1);
        String pre = name + "/pre_prelu";
        shapes.put(pre, shapes.remove(name));
        nodes.add(new Node(pre, last.op(), last.inputs(), List.of(pre), last.attrs(), last.params()));
        emit(name, Op.PRELU, List.of(pre), new Attrs(), Map.of("alpha", alpha));
    }

    private void conv(TfjsManifest.TfNode n, String x, Tensor w, Tensor bias, String act, Float alpha, boolean depthwise) {
        int[] xs = shapeOf(x);
        if (xs.length != 4) throw new IllegalArgumentException("input " + Arrays.toString(xs) + " is not NHWC rank 4");
        if (w.rank() != 4) throw new IllegalArgumentException("filter " + Arrays.toString(w.shape()) + " is not rank 4");
        int[] st = TfWindows.spatial(n, "strides"), dl = TfWindows.spatial(n, "dilations");
        int groups = 1;
        if (depthwise) {
            if (w.dim(2) != xs[3]) throw new IllegalArgumentException("depthwise filter " + Arrays.toString(w.shape()) + " does not fit " + xs[3] + " channels");
            groups = xs[3];
            w = w.reshape(w.dim(0), w.dim(1), 1, w.dim(2) * w.dim(3));
        }
        if (bias != null && bias.size() != w.dim(3)) throw new IllegalArgumentException("bias has " + bias.size() + " values for " + w.dim(3) + " output channels");
        int[] pads = TfWindows.pads(n, xs, new int[]{w.dim(0), w.dim(1)}, st, dl);
        Attrs a = new Attrs().set("strides", st).set("dilations", dl).set("pads", pads).set("groups", groups).set("activation", act);
        if (alpha != null) a.set("alpha", alpha);
        Map<String, Tensor> p = new LinkedHashMap<>();
        p.put("weight", w);
        if (bias != null) p.put("bias", bias.reshape(bias.size()));
        emit(n.name(), Op.CONV2D, List.of(x), a, p);
    }

    private void pool(TfjsManifest.TfNode n, List<String> in) {
        String x = value(in, 0);
        int[] xs = shapeOf(x);
        if (xs.length != 4) throw new IllegalArgumentException("input " + Arrays.toString(xs) + " is not NHWC rank 4");
        int[] k = TfWindows.spatial(n, "ksize"), st = TfWindows.spatial(n, "strides");
        long[] kAll = n.ints("ksize");
        if (kAll != null && kAll.length == 4 && (kAll[0] != 1 || kAll[3] != 1)) throw new IllegalArgumentException("pooling over batch or channels " + Arrays.toString(kAll));
        int[] pads = TfWindows.pads(n, xs, k, st, new int[]{1, 1});
        // TF's SAME max pool ignores the padding (as if -inf); its average divides by the valid pixels only.
        Attrs a = new Attrs().set("kernel", k).set("strides", st).set("pads", pads).set("count_include_pad", false);
        emit(n.name(), n.op().equals("MaxPool") ? Op.MAX_POOL2D : Op.AVG_POOL2D, List.of(x), a, null);
    }

    private void binary(TfjsManifest.TfNode n, List<String> in, Op op) {
        if (in.size() < 2 || (in.size() > 2 && op != Op.ADD)) throw new IllegalArgumentException(in.size() + " inputs");
        List<String> vals = new ArrayList<>();
        for (String i : in) vals.add(isConst(i) ? graphConstant(i) : i);
        if (vals.stream().allMatch(constants::containsKey)) throw new IllegalArgumentException("all inputs are constants (not folded by this importer)");
        emit(n.name(), op, vals, new Attrs(), null);
    }

    private void reduce(TfjsManifest.TfNode n, List<String> in) {
        String x = value(in, 0);
        int[] xs = shapeOf(x);
        int[] axes = intConst(in, 1);
        boolean keep = n.bool("keep_dims", false);
        Set<Integer> ax = new HashSet<>();
        for (int a : axes) {
            if (a < -xs.length || a >= xs.length) throw new IllegalArgumentException("axis " + a + " out of range for rank " + xs.length);
            ax.add(a < 0 ? a + xs.length : a);
        }
        if (n.op().equals("Mean") && xs.length == 4 && ax.equals(Set.of(1, 2))) {
            emit(n.name(), Op.GLOBAL_AVG_POOL, List.of(x), new Attrs().set("keepdims", keep), null);
            return;
        }
        int[] sorted = ax.stream().mapToInt(Integer::intValue).sorted().toArray();
        emit(n.name(), Op.REDUCE, List.of(x), new Attrs().set("op", n.op().toLowerCase(Locale.ROOT)).set("axes", sorted).set("keepdims", keep), null);
    }

    /** TF Pad over NHWC: spatial amounts through PAD; channel amounts through a transpose that puts C where PAD pads. */
    private void pad(TfjsManifest.TfNode n, List<String> in) {
        String x = value(in, 0);
        int[] xs = shapeOf(x);
        int[] p = intConst(in, 1);
        if (in.size() > 2) {
            Tensor c = floatConst(in, 2);
            if (c.size() != 1 || c.data()[0] != 0f) throw new IllegalArgumentException("PadV2 with a non-zero constant");
        }
        if (xs.length != 4 || p.length != 8) throw new IllegalArgumentException("paddings " + Arrays.toString(p) + " for input " + Arrays.toString(xs) + " (need NHWC and [4,2])");
        for (int v : p) if (v < 0) throw new IllegalArgumentException("negative padding " + Arrays.toString(p));
        if (p[0] != 0 || p[1] != 0) throw new IllegalArgumentException("padding the batch axis " + Arrays.toString(p));
        boolean spatial = p[2] + p[3] + p[4] + p[5] > 0, channels = p[6] + p[7] > 0;
        if (!spatial && !channels) {
            emit(n.name(), Op.IDENTITY, List.of(x), new Attrs(), null);
            return;
        }
        String cur = x;
        if (channels) {
            String t1 = fresh(n.name() + "/to_nhcw"), padded = fresh(n.name() + "/pad_channels");
            emit(t1, Op.TRANSPOSE, List.of(cur), new Attrs().set("perm", new int[]{0, 1, 3, 2}), null);
            emit(padded, Op.PAD, List.of(t1), new Attrs().set("pads", new int[]{p[2], p[6], p[3], p[7]}), null);
            String back = p[4] + p[5] > 0 ? fresh(n.name() + "/to_nhwc") : n.name();
            emit(back, Op.TRANSPOSE, List.of(padded), new Attrs().set("perm", new int[]{0, 1, 3, 2}), null);
            cur = back;
            if (p[4] + p[5] == 0) return;
            emit(n.name(), Op.PAD, List.of(cur), new Attrs().set("pads", new int[]{0, p[4], 0, p[5]}), null);
            return;
        }
        emit(n.name(), Op.PAD, List.of(cur), new Attrs().set("pads", new int[]{p[2], p[4], p[3], p[5]}), null);
    }

    /**
     * TF's target shape includes the batch: a leading -1, or the 1 the converter writes for a
     * batch-1 graph, is taken as the batch axis, so each image is reshaped on its own at any batch.
     */
    private void reshape(TfjsManifest.TfNode n, List<String> in) {
        String x = value(in, 0);
        int[] t = intConst(in, 1);
        if (t.length == 0 || (t[0] != -1 && t[0] != 1))
            throw new IllegalArgumentException("target shape " + Arrays.toString(t) + " does not keep the batch axis first (-1 or 1)");
        emit(n.name(), Op.RESHAPE, List.of(x), new Attrs().set("shape", Arrays.copyOfRange(t, 1, t.length)), null);
    }

    private void squeeze(TfjsManifest.TfNode n, List<String> in) {
        String x = value(in, 0);
        int[] xs = shapeOf(x);
        long[] dims = n.ints("squeeze_dims");
        Set<Integer> drop = new HashSet<>();
        if (dims == null || dims.length == 0) { for (int i = 1; i < xs.length; i++) if (xs[i] == 1) drop.add(i); }
        else for (long d : dims) drop.add((int) (d < 0 ? d + xs.length : d));
        if (drop.contains(0)) throw new IllegalArgumentException("squeezing the batch axis");
        List<Integer> keep = new ArrayList<>();
        for (int i = 1; i < xs.length; i++) {
            if (drop.contains(i) && xs[i] != 1) throw new IllegalArgumentException("cannot squeeze axis " + i + " of size " + xs[i]);
            if (!drop.contains(i)) keep.add(xs[i]);
        }
        emit(n.name(), Op.RESHAPE, List.of(x), new Attrs().set("shape", keep.stream().mapToInt(Integer::intValue).toArray()), null);
    }

    private void concat(TfjsManifest.TfNode n, List<String> in) {
        if (in.size() < 2) throw new IllegalArgumentException("ConcatV2 without an axis input");
        int[] axis = intConst(in, in.size() - 1);
        if (axis.length != 1) throw new IllegalArgumentException("axis " + Arrays.toString(axis));
        List<String> vals = in.subList(0, in.size() - 1);
        for (String v : vals) if (isConst(v)) throw new IllegalArgumentException("concatenating a constant is not supported");
        if (axis[0] == 0 || axis[0] == -shapeOf(vals.get(0)).length) throw new IllegalArgumentException("concatenating along the batch axis is not supported");
        emit(n.name(), Op.CONCAT, vals, new Attrs().set("axis", axis[0]), null);
    }

    private void matMul(TfjsManifest.TfNode n, List<String> in) {
        if (n.bool("transpose_a", false)) throw new IllegalArgumentException("transpose_a is not supported");
        String x = value(in, 0);
        Tensor w = floatConst(in, 1);
        if (w.rank() != 2) throw new IllegalArgumentException("weight " + Arrays.toString(w.shape()) + " is not rank 2");
        if (n.bool("transpose_b", false)) w = w.transpose(1, 0);
        Map<String, Tensor> p = new LinkedHashMap<>();
        p.put("weight", w);
        Attrs a = new Attrs();
        boolean prelu = false;
        if (n.op().equals("_FusedMatMul")) {
            List<String> fused = n.strings("fused_ops");
            prelu = fused.size() == 2 && fused.get(1).equals("Prelu");
            long args = n.integer("num_args", in.size() - 2);
            if (args != (prelu ? 2 : 1) || in.size() != 2 + args) throw new IllegalArgumentException("num_args " + args + " does not fit fused_ops " + fused);
            Tensor b = floatConst(in, 2);
            if (b.size() != w.dim(1)) throw new IllegalArgumentException("bias has " + b.size() + " values for " + w.dim(1) + " outputs");
            p.put("bias", b.reshape(b.size()));
            if (fused.size() == 2 && !prelu) a.set("activation", TfjsOps.activation(fused.get(1)));
            if (fused.size() == 2 && fused.get(1).equals("LeakyRelu")) a.set("alpha", TfjsOps.leakyAlpha(n, "leakyrelu_alpha"));
        }
        emit(n.name(), Op.DENSE, List.of(x), a, p);
        if (prelu) preluAfter(n.name(), floatConst(in, 3));
    }

    // ---- helpers ------------------------------------------------------------------------

    private String value(List<String> in, int i) {
        if (i >= in.size()) throw new IllegalArgumentException("missing input " + i);
        String v = in.get(i);
        if (isConst(v)) return graphConstant(v);
        return v;
    }

    private boolean isConst(String name) {
        TfjsManifest.TfNode n = byName.get(name);
        return n != null && n.op().equals("Const");
    }

    private TfjsWeights.Value constValue(List<String> in, int i) {
        if (i >= in.size()) throw new IllegalArgumentException("missing input " + i);
        String name = in.get(i);
        if (!isConst(name)) throw new IllegalArgumentException("input " + i + " ('" + Printable.clip(name) + "') must be a constant");
        TfjsWeights.Value v = weights.get(name);
        if (v == null) throw new IllegalArgumentException("constant '" + Printable.clip(name) + "' has no values in the weights manifest");
        return v;
    }

    private Tensor floatConst(List<String> in, int i) {
        TfjsWeights.Value v = constValue(in, i);
        if (v.isInt()) throw new IllegalArgumentException("input " + i + " is an int32 constant, expected float32");
        return new Tensor(toInts(v.shape()), v.floats());
    }

    private int[] intConst(List<String> in, int i) {
        TfjsWeights.Value v = constValue(in, i);
        if (!v.isInt()) throw new IllegalArgumentException("input " + i + " is a float constant, expected int32");
        return v.ints();
    }

    /** A float constant read as a value: added once to the graph's constants under its TF name. */
    private String graphConstant(String name) {
        if (constants.containsKey(name)) return name;
        TfjsWeights.Value v = weights.get(name);
        if (v == null) throw new IllegalArgumentException("constant '" + Printable.clip(name) + "' has no values in the weights manifest");
        if (v.isInt()) throw new IllegalArgumentException("int32 constant '" + Printable.clip(name) + "' used as a value");
        Tensor t = new Tensor(toInts(v.shape()), v.floats());
        constants.put(name, t);
        shapes.put(name, t.shape());
        return name;
    }

    private static int[] toInts(long[] s) {
        int[] r = new int[s.length];
        for (int i = 0; i < s.length; i++) r[i] = Math.toIntExact(s[i]);
        return r;
    }

    private int[] shapeOf(String value) {
        int[] s = shapes.get(value);
        if (s == null) throw new IllegalArgumentException("reads '" + Printable.clip(value) + "', which is not a computed value (unsupported producer?)");
        return s;
    }

    private String fresh(String base) {
        String s = base;
        while (byName.containsKey(s) || shapes.containsKey(s)) s = base + "_" + (++synthetic);
        return s;
    }

    /** Adds a node, inferring (and so validating) its output shape now. */
    private void emit(String name, Op op, List<String> in, Attrs attrs, Map<String, Tensor> params) {
        Node node = Node.of(name, op, in, attrs, params);
        int[][] ins = new int[in.size()][];
        for (int i = 0; i < ins.length; i++) ins[i] = shapeOf(in.get(i));
        var def = OpDefinitions.of(op);
        def.validate(node);
        int[][] out = def.outputShapes(node, ins);
        for (int d : out[0]) if (d < 1) throw new GraphException("output shape " + Arrays.toString(out[0]) + " (input too small?)");
        if (shapes.put(name, out[0]) != null) throw new GraphException("value '" + Printable.clip(name) + "' defined twice");
        nodes.add(node);
    }

    private IOException fail(String msg) { return new IOException(src + ": " + msg); }
}
