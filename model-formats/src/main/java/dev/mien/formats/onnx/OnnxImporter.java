package dev.mien.formats.onnx;

import dev.mien.engine.NetworkCard;
import dev.mien.engine.Tensor;
import dev.mien.engine.io.Printable;
import dev.mien.engine.io.ReadLimits;
import dev.mien.engine.ir.Attrs;
import dev.mien.engine.ir.Graph;
import dev.mien.engine.ir.GraphException;
import dev.mien.engine.ir.Node;
import dev.mien.engine.ir.Op;
import dev.mien.engine.ir.ValueInfo;
import dev.mien.engine.ops.OpDefinition;
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
import java.util.TreeMap;

/**
 * Imports an ONNX model (default domain, opsets {@value #MIN_OPSET}..{@value #MAX_OPSET}) as a Mien
 * graph. ONNX lays images out NCHW, the engine NHWC: every imported value keeps its ONNX
 * ("logical") shape and an axis order saying where each logical axis lives in the engine's
 * tensor, so a Transpose is free, a 4-D value lives NHWC for convolutions and pools, and data is
 * moved (an engine TRANSPOSE) only where an op really needs another order (Flatten or Reshape of
 * a 4-D map that is not 1x1, for example). Shape subgraphs (Shape, Gather, Concat, ConstantOfShape,
 * ...) are evaluated here and never reach the engine. The batch is axis 0 of every computed
 * value and runs at any size; constants keep their own shape.
 *
 * <p>Every op type the importer does not know is listed in one error before anything is built;
 * an op it knows but cannot map in a given use (a strided Slice, a Pad with a non-zero value, ...)
 * fails with one line naming the node.
 */
public final class OnnxImporter {
    public static final int MIN_OPSET = 11, MAX_OPSET = 21;

    /** Op types the importer maps (some only on constants or in particular uses; see docs/ONNX.md). */
    public static final Set<String> SUPPORTED = Set.of(
            "Conv", "ConvTranspose", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "Gemm", "MatMul",
            "Add", "Sub", "Mul", "Div", "Max", "Min", "Sum", "Mean", "Relu", "Sigmoid", "Tanh", "LeakyRelu", "Elu",
            "HardSigmoid", "Clip", "Softmax", "Concat", "Split", "Slice", "Pad", "Reshape", "Flatten", "Squeeze", "Unsqueeze",
            "Transpose", "Expand", "Resize", "BatchNormalization", "PRelu", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceSum",
            "Identity", "Dropout", "Cast", "Constant", "ConstantOfShape", "Shape", "Size", "Gather", "Range", "Equal", "Where",
            "Neg", "Sqrt", "Floor", "Ceil", "Pow", "Not");

    /** metadata_props keys under which Mien's exporter stores the network card. */
    public static final String META_ARCHITECTURE = "mien.architecture", META_PREPROCESSING = "mien.preprocessing",
            META_LABELS = "mien.labels", META_OUTPUT = "mien.output";

    private final OnnxModel m;
    private final String src;
    private final long opset;
    private final long maxElements;
    private final Map<String, Val> values = new HashMap<>();
    private final List<Node> nodes = new ArrayList<>();
    private final Map<String, Tensor> constants = new LinkedHashMap<>();
    /** Physical (engine) shape of every engine value, at the import batch. */
    private final Map<String, int[]> engineShapes = new HashMap<>();
    private final Set<String> engineNames = new HashSet<>();
    private final Map<String, String> converted = new HashMap<>();
    private int batch = 1;

    /**
     * A value of the ONNX graph: a constant ({@code c}), a computed tensor living in engine value
     * {@code name} with axis order {@code perm} (physical axis i holds logical axis perm[i]), or a
     * pending form that only some consumers accept: a lazily expanded value ({@code expandOf}), or
     * parts of a dot-product attention ({@code attn}).
     */
    static final class Val {
        final int[] shape;
        final ConstTensor c;
        final String name;
        final int[] perm;
        Val expandOf;
        Val swappedOf;
        Attn attn;

        Val(int[] shape, ConstTensor c, String name, int[] perm) {
            this.shape = shape;
            this.c = c;
            this.name = name;
            this.perm = perm;
        }

        static Val constant(ConstTensor c) { return new Val(c.shape(), c, null, null); }
        boolean isConst() { return c != null; }
        int rank() { return shape.length; }
    }

    /** softmax(q . k^T * scale) . v in the making: scores until {@code softmax}, then the weights. */
    record Attn(Val q, Val k, float scale, boolean softmax) {}

    private OnnxImporter(OnnxModel m) {
        this.m = m;
        this.src = m.source();
        this.opset = m.opset();
        this.maxElements = Math.min(Integer.MAX_VALUE - 16, ReadLimits.current().maxTensorElements());
    }

    public static Graph importModel(OnnxModel m) throws OnnxFormatException {
        return new OnnxImporter(m).run();
    }

    private Graph run() throws OnnxFormatException {
        if (opset < MIN_OPSET || opset > MAX_OPSET)
            throw new OnnxFormatException(src, "ONNX opset " + opset + " is not supported (supported: " + MIN_OPSET + ".." + MAX_OPSET + ")");
        checkOps();
        OnnxModel.Graph g = m.graph();
        for (OnnxTensor t : g.initializers()) {
            if (values.containsKey(t.name())) throw new OnnxFormatException(src, "initializer '" + Printable.clip(t.name()) + "' defined twice");
            values.put(t.name(), Val.constant(constOf(t)));
        }
        List<ValueInfo> inputs = new ArrayList<>();
        for (OnnxModel.ValueInfo in : g.inputs()) {
            if (values.containsKey(in.name())) continue;   // IR < 4 lists initializers as inputs too
            inputs.add(input(in));
        }
        if (inputs.isEmpty()) throw new OnnxFormatException(src, "the graph has no computed input");
        for (OnnxModel.Node n : g.nodes()) convert(new OnnxNodeView(n, src));
        List<String> outputs = new ArrayList<>();
        String layout = inputs.get(0).layout();
        for (OnnxModel.ValueInfo o : g.outputs()) outputs.add(output(o.name(), layout));
        Graph graph = new Graph(inputs, constants, nodes, outputs, Map.of());
        try {
            ShapeInference.infer(graph, batch);
            graph = graph.withCard(card(graph));
        } catch (GraphException | IllegalArgumentException e) {
            throw new OnnxFormatException(src, "the imported graph is inconsistent: " + e.getMessage(), e);
        }
        return graph;
    }

    /** The generic card, with what Mien's exporter stored in metadata_props (only values that fit the graph). */
    private NetworkCard card(Graph graph) {
        NetworkCard c = NetworkCard.generic(graph).withExtra("onnx_opset", opset)
                .withExtra("onnx_producer", m.producer().isEmpty() ? "unknown" : Printable.clip(m.producer(), 60));
        Map<String, String> meta = m.metadata();
        String out = meta.get(META_OUTPUT);
        if (out != null && graph.outputs().contains(out)) c = c.withOutput(out, NetworkCard.producedBySoftmax(graph, out));
        String arch = meta.get(META_ARCHITECTURE);
        if (arch != null && arch.matches("[a-z0-9_-]{1,40}")) c = c.withArchitecture(arch);
        String pre = meta.get(META_PREPROCESSING);
        if (pre != null && pre.matches("[a-z0-9_-]{1,40}")) c = c.withPreprocessing(pre);
        String labels = meta.get(META_LABELS);
        if (labels != null && labels.length() < 100_000) c = c.withLabels(List.of(labels.split(",", -1)));
        return c;
    }

    /** One error for every op type this importer does not know, with how often each occurs. */
    private void checkOps() throws OnnxFormatException {
        Map<String, Integer> bad = new TreeMap<>();
        for (OnnxModel.Node n : m.graph().nodes()) {
            boolean defaultDomain = n.domain().isEmpty() || n.domain().equals("ai.onnx");
            if (!defaultDomain || !SUPPORTED.contains(n.opType()))
                bad.merge((defaultDomain ? "" : n.domain() + ".") + n.opType(), 1, Integer::sum);
        }
        if (bad.isEmpty()) return;
        StringBuilder b = new StringBuilder();
        bad.forEach((k, v) -> b.append(b.isEmpty() ? "" : ", ").append(Printable.clip(k, 60)).append(" (").append(v).append(v == 1 ? " node)" : " nodes)"));
        throw new OnnxFormatException(src, "unsupported ONNX ops: " + b + "; supported: docs/ONNX.md");
    }

    private ConstTensor constOf(OnnxTensor t) throws OnnxFormatException {
        int[] shape = new int[t.dims().length];
        for (int i = 0; i < shape.length; i++) shape[i] = (int) t.dims()[i];   // the reader bounded the element count
        return OnnxTensor.isFloatType(t.dataType()) ? ConstTensor.ofFloats(shape, OnnxTensorData.floats(m, t))
                : ConstTensor.ofLongs(shape, OnnxTensorData.longs(m, t));
    }

    // ---------------------------------------------------------------- inputs and outputs

    private ValueInfo input(OnnxModel.ValueInfo in) throws OnnxFormatException {
        String what = "input '" + Printable.clip(in.name()) + "'";
        if (in.dims() == null || in.dims().length == 0) throw new OnnxFormatException(src, what + " has no shape (or is a scalar)");
        if (in.elemType() != OnnxTensor.FLOAT && in.elemType() != 0)
            throw new OnnxFormatException(src, what + " is " + OnnxTensor.typeName(in.elemType()) + "; only float32 inputs are supported");
        long[] d = in.dims();
        int[] shape = new int[d.length];
        shape[0] = d[0] > 0 ? (int) Math.min(d[0], 1 << 16) : 1;
        if (d[0] > 0) batch = shape[0];
        for (int i = 1; i < d.length; i++) {
            if (d[i] <= 0 || d[i] > maxElements)
                throw new OnnxFormatException(src, what + " has a symbolic or unusable dim at axis " + i + " ("
                        + (in.dimParams()[i] != null ? Printable.clip(in.dimParams()[i], 40) : d[i]) + "); only the batch axis may be symbolic");
            shape[i] = (int) d[i];
        }
        ConstantFolder.check(new OnnxNodeView(new OnnxModel.Node(in.name(), "input", "", List.of(), List.of(), Map.of()), src), shape, maxElements);
        int[] perm = Shapes.identity(shape.length);
        String layout = "NHWC";
        if (shape.length == 4) {
            // Images: NHWC when every consumer turns the input to NCHW first (a Keras export), else NCHW.
            boolean nhwc = true, any = false;
            for (OnnxModel.Node n : m.graph().nodes()) {
                if (!n.inputs().contains(in.name())) continue;
                any = true;
                OnnxModel.Attribute p = n.attr("perm");
                nhwc &= n.opType().equals("Transpose") && p != null && Arrays.equals(p.ints(), new long[]{0, 3, 1, 2});
            }
            if (!(any && nhwc)) {
                layout = "NCHW";
                perm = Shapes.NHWC.clone();
            }
        }
        String name = engineName(in.name());
        int[] phys = Shapes.physical(shape, perm);
        engineShapes.put(name, phys);
        values.put(in.name(), new Val(shape, null, name, perm));
        return new ValueInfo(name, Arrays.copyOfRange(phys, 1, phys.length), layout);
    }

    /** The engine value for graph output {@code onnxName}, in the order the engine's output conversion expects. */
    private String output(String onnxName, String layout) throws OnnxFormatException {
        Val v = values.get(onnxName);
        if (v == null) throw new OnnxFormatException(src, "graph output '" + Printable.clip(onnxName) + "' is not produced by any node");
        if (v.isConst()) throw new OnnxFormatException(src, "graph output '" + Printable.clip(onnxName) + "' is a constant; nothing to compute");
        int[] want = v.rank() == 4 && layout.equals("NCHW") ? Shapes.NHWC : Shapes.identity(v.rank());
        String name = materialize(v, want, "output " + onnxName);
        if (name.equals(onnxName)) return name;
        if (engineNames.contains(onnxName)) renameInternal(onnxName);
        if (name.equals(onnxName)) return name;
        emit(new Node(onnxName, Op.IDENTITY, List.of(name), List.of(onnxName), new Attrs(), Map.of()));
        return onnxName;
    }

    /** Renames an internal engine value so that a graph output can take its ONNX name. */
    private void renameInternal(String name) {
        String fresh = engineName(name + "#internal");
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            List<String> in = n.inputs().stream().map(s -> s.equals(name) ? fresh : s).toList();
            List<String> out = n.outputs().stream().map(s -> s.equals(name) ? fresh : s).toList();
            if (!in.equals(n.inputs()) || !out.equals(n.outputs()))
                nodes.set(i, new Node(n.name().equals(name) ? fresh : n.name(), n.op(), in, out, n.attrs(), n.params()));
        }
        if (constants.containsKey(name)) {
            Map<String, Tensor> copy = new LinkedHashMap<>();
            constants.forEach((k, t) -> copy.put(k.equals(name) ? fresh : k, t));
            constants.clear();
            constants.putAll(copy);
        }
        engineShapes.put(fresh, engineShapes.remove(name));
        engineNames.remove(name);
        values.values().forEach(v -> { });   // Vals hold engine names only through materialize's cache, rebuilt below
        converted.replaceAll((k, s) -> s.equals(name) ? fresh : s);
        for (Map.Entry<String, Val> e : values.entrySet()) {
            Val v = e.getValue();
            if (name.equals(v.name)) e.setValue(new Val(v.shape, v.c, fresh, v.perm));
        }
    }

    // ---------------------------------------------------------------- engine graph building

    /** A fresh engine value name based on {@code base}. */
    private String engineName(String base) {
        String b = base.isEmpty() ? "value" : base;
        String n = b;
        for (int k = 1; engineNames.contains(n); k++) n = b + "#" + k;
        engineNames.add(n);
        return n;
    }

    /** Adds an engine node after checking it against its op definition; returns its output shapes. */
    private int[][] emit(Node n) throws OnnxFormatException {
        OpDefinition d = OpDefinitions.of(n.op());
        try {
            d.validate(n);
            int[][] in = new int[n.inputs().size()][];
            for (int k = 0; k < in.length; k++) in[k] = engineShapes.get(n.inputs().get(k)).clone();
            int[][] out = d.outputShapes(n, in);
            for (int k = 0; k < out.length; k++) {
                for (int dim : out[k]) if (dim < 1) throw new GraphException("empty result " + Arrays.toString(out[k]));
                engineShapes.put(n.outputs().get(k), out[k]);
            }
            nodes.add(n);
            return out;
        } catch (GraphException | IllegalArgumentException e) {
            throw new OnnxFormatException(src, "cannot map onto the engine's " + n.op() + " (" + Printable.clip(n.name()) + "): " + e.getMessage());
        }
    }

    /** Emits a one-output engine node for ONNX value {@code onnxOut} and records it with axis order {@code perm}. */
    private Val emitValue(String onnxOut, Op op, List<String> inputs, Attrs attrs, Map<String, Tensor> params, int[] perm) throws OnnxFormatException {
        String name = engineName(onnxOut);
        int[] phys = emit(new Node(name, op, inputs, List.of(name), attrs, params))[0];
        Val v = new Val(Shapes.logical(phys, perm), null, name, perm);
        values.put(onnxOut, v);
        return v;
    }

    private String constantValue(String base, int[] shape, float[] data) {
        String name = engineName(base);
        constants.put(name, new Tensor(shape, data));
        engineShapes.put(name, shape.clone());
        return name;
    }

    /**
     * The engine value holding {@code v} with axis order {@code perm}: as it is, reshaped when the
     * memory order already agrees, transposed otherwise; constants are laid out to match.
     */
    private String materialize(Val v, int[] perm, String forWhat) throws OnnxFormatException {
        if (v.attn != null) throw new OnnxFormatException(src, forWhat + ": a MatMul of two computed tensors is supported only as dot-product attention, softmax(q k^T) v");
        if (v.expandOf != null) return materializeExpand(v, perm, forWhat);
        if (v.isConst()) return materializeConst(v, perm, forWhat);
        if (v.name == null || v.perm[0] != 0)
            throw new OnnxFormatException(src, forWhat + ": the value has its batch axis moved (a Transpose of axis 0), which only dot-product attention accepts");
        if (Arrays.equals(v.perm, perm)) return v.name;
        String key = v.name + Arrays.toString(perm);
        String done = converted.get(key);
        if (done != null) return done;
        String out;
        int[] target = Shapes.physical(v.shape, perm);
        if (Shapes.sameMemoryOrder(v.shape, v.perm, perm)) {
            if (Arrays.equals(target, engineShapes.get(v.name))) return v.name;
            out = engineName(v.name + "#view");
            emit(new Node(out, Op.RESHAPE, List.of(v.name), List.of(out), new Attrs().set("shape", Arrays.copyOfRange(target, 1, target.length)), Map.of()));
        } else {
            int[] inv = Shapes.inverse(v.perm);
            int[] p = new int[perm.length];
            for (int i = 0; i < perm.length; i++) p[i] = inv[perm[i]];
            out = engineName(v.name + "#t");
            emit(new Node(out, Op.TRANSPOSE, List.of(v.name), List.of(out), new Attrs().set("perm", p), Map.of()));
        }
        converted.put(key, out);
        return out;
    }

    private String materializeConst(Val v, int[] perm, String forWhat) {
        ConstTensor c = v.c;
        int r = perm.length;
        if (c.rank() < r) {
            int[] padded = new int[r];
            Arrays.fill(padded, 1);
            System.arraycopy(c.shape(), 0, padded, r - c.rank(), c.rank());
            c = c.reshape(padded);
        }
        ConstTensor t = c.transpose(perm);
        return constantValue("const", t.shape(), t.floats());
    }

    private String materializeExpand(Val v, int[] perm, String forWhat) throws OnnxFormatException {
        String base = materialize(v.expandOf, perm.length == v.expandOf.rank() ? perm : Shapes.identity(v.expandOf.rank()), forWhat);
        int[] phys = Shapes.physical(v.shape, perm);
        phys[0] = 1;
        String zeros = constantValue("expand_zeros", phys, new float[(int) ConstTensor.size(phys)]);
        String name = engineName(base + "#expanded");
        emit(new Node(name, Op.ADD, List.of(base, zeros), List.of(name), new Attrs(), Map.of()));
        return name;
    }

    // ---------------------------------------------------------------- node conversion

    private Val in(OnnxNodeView n, int k) throws OnnxFormatException {
        String name = n.input(k);
        if (name == null) return null;
        Val v = values.get(name);
        if (v == null) throw n.error("reads '" + Printable.clip(name) + "', which no earlier node produces (nodes out of order?)");
        return v;
    }

    private Val required(OnnxNodeView n, int k) throws OnnxFormatException {
        Val v = in(n, k);
        if (v == null) throw n.error("input " + k + " is missing");
        return v;
    }

    private ConstTensor constant(OnnxNodeView n, int k, String what) throws OnnxFormatException {
        Val v = required(n, k);
        if (!v.isConst()) throw n.error(what + " must be a constant (an initializer or foldable at import), not a computed tensor");
        return v.c;
    }

    private Val activation(OnnxNodeView n, int k) throws OnnxFormatException {
        Val v = required(n, k);
        if (v.isConst()) throw n.error("input " + k + " is a constant where a computed tensor is expected");
        return concrete(n, v);
    }

    /** {@code v} as a value held in the engine: a pending Expand is carried out; other pending forms are refused. */
    private Val concrete(OnnxNodeView n, Val v) throws OnnxFormatException {
        if (v.isConst() || v.name != null && v.perm != null && v.attn == null) return v;
        if (v.expandOf != null && v.expandOf.name != null) {
            int[] perm = v.expandOf.perm;
            return new Val(v.shape, null, materializeExpand(v, perm, n.label()), perm);
        }
        throw n.error(v.attn != null ? "a MatMul of two computed tensors is supported only as dot-product attention, softmax(q k^T) v"
                : "reads a value with its batch axis moved (a Transpose of axis 0), which only dot-product attention accepts");
    }

    private void define(OnnxNodeView n, int k, Val v) throws OnnxFormatException {
        if (k >= n.outputs().size() || n.outputs().get(k).isEmpty()) return;
        if (values.containsKey(n.outputs().get(k)))
            throw n.error("output '" + Printable.clip(n.outputs().get(k)) + "' is defined twice");
        values.put(n.outputs().get(k), v);
    }

    private void convert(OnnxNodeView n) throws OnnxFormatException {
        if (n.outputs().isEmpty() || n.outputs().get(0).isEmpty()) throw n.error("has no output");
        for (String o : n.outputs())
            if (!o.isEmpty() && values.containsKey(o)) throw n.error("output '" + Printable.clip(o) + "' is defined twice");
        if (n.op().equals("Constant")) { define(n, 0, Val.constant(constantNode(n))); return; }
        Val[] in = new Val[n.inputs().size()];
        boolean allConst = true;
        for (int k = 0; k < in.length; k++) {
            in[k] = in(n, k);
            if (in[k] != null && !in[k].isConst()) allConst = false;
        }
        if (n.op().equals("Shape") || n.op().equals("Size")) { define(n, 0, Val.constant(shapeOf(n, required(n, 0)))); return; }
        if (allConst && in.length > 0 && ConstantFolder.FOLDABLE.contains(n.op())) {
            ConstTensor[] c = new ConstTensor[in.length];
            for (int k = 0; k < in.length; k++) c[k] = in[k] == null ? null : in[k].c;
            ConstTensor[] out = ConstantFolder.fold(n, c, opset, maxElements);
            for (int k = 0; k < out.length; k++) define(n, k, Val.constant(out[k]));
            return;
        }
        if (n.outputs().size() > 1 && !n.op().equals("Split") && !n.op().equals("Dropout") && !n.op().equals("MaxPool")
                && !n.op().equals("BatchNormalization"))
            throw n.error("has " + n.outputs().size() + " outputs; one is supported");
        for (int k = 1; k < n.outputs().size() && !n.op().equals("Split"); k++)
            if (!n.outputs().get(k).isEmpty() && !n.op().equals("Dropout"))
                throw n.error("its output " + k + " (" + (n.op().equals("MaxPool") ? "indices" : "training statistics") + ") is not supported");
        convertOp(n, in);
    }

    private ConstTensor constantNode(OnnxNodeView n) throws OnnxFormatException {
        if (n.node.attributes().size() != 1) throw n.error("needs exactly one value attribute");
        OnnxModel.Attribute a = n.node.attributes().values().iterator().next();
        return switch (a.name()) {
            case "value" -> {
                if (a.t() == null) throw n.error("value is not a tensor");
                yield constOf(a.t());
            }
            case "value_float" -> ConstTensor.ofFloats(new int[0], new float[]{a.f()});
            case "value_floats" -> ConstTensor.ofFloats(new int[]{a.floats().length}, a.floats());
            case "value_int" -> ConstTensor.ofLongs(new int[0], new long[]{a.i()});
            case "value_ints" -> ConstTensor.ofLongs(new int[]{a.ints().length}, a.ints());
            default -> throw n.error("constant attribute " + Printable.clip(a.name()) + " is not supported");
        };
    }

    private ConstTensor shapeOf(OnnxNodeView n, Val v) throws OnnxFormatException {
        if (v.attn != null) throw n.error("shape of an attention intermediate");
        int[] s = v.shape;
        if (n.op().equals("Size")) return ConstTensor.ofLongs(new int[0], new long[]{ConstTensor.size(s)});
        int r = s.length;
        long start = n.i("start", 0), end = n.i("end", r);
        int a = (int) Math.max(0, Math.min(r, start < 0 ? start + r : start));
        int b = (int) Math.max(0, Math.min(r, end < 0 ? end + r : end));
        long[] out = new long[Math.max(0, b - a)];
        for (int i = 0; i < out.length; i++) out[i] = s[a + i];
        return ConstTensor.vector(out);
    }

    // ---------------------------------------------------------------- access for the op mappers

    OnnxModel model() { return m; }
    long opset() { return opset; }
    long maxElements() { return maxElements; }
    int batch() { return batch; }

    private static final Map<String, Op> BINARY = Map.of("Add", Op.ADD, "Sub", Op.SUB, "Mul", Op.MUL, "Div", Op.DIV,
            "Max", Op.MAX, "Min", Op.MIN, "Sum", Op.ADD, "Mean", Op.AVERAGE);

    private void convertOp(OnnxNodeView n, Val[] in) throws OnnxFormatException {
        String out = n.outputs().get(0);
        switch (n.op()) {
            case "Identity", "Dropout" -> define(n, 0, required(n, 0));
            case "Cast" -> {
                if (!OnnxTensor.isFloatType(n.intAttr("to", 0))) throw n.error("casting a computed tensor to " + OnnxTensor.typeName(n.intAttr("to", 0)) + " is not supported");
                define(n, 0, required(n, 0));
            }
            case "Conv" -> OnnxConv.conv(this, n, out);
            case "ConvTranspose" -> OnnxConv.convTranspose(this, n, out);
            case "MaxPool", "AveragePool" -> OnnxConv.pool(this, n, out);
            case "GlobalAveragePool", "GlobalMaxPool" -> {
                Val x = activation(n, 0);
                if (x.rank() != 4) throw n.error("only 2-D (rank-4) pooling is supported, got rank " + x.rank());
                emitValue(out, n.op().equals("GlobalAveragePool") ? Op.GLOBAL_AVG_POOL : Op.GLOBAL_MAX_POOL,
                        List.of(materialize(x, Shapes.NHWC, n.label())), new Attrs().set("keepdims", true), Map.of(), Shapes.NHWC);
            }
            case "Add", "Sub", "Mul", "Div", "Max", "Min", "Sum", "Mean" -> elementwise(n, in, out);
            case "Relu" -> activationOp(n, out, "relu", null);
            case "Sigmoid" -> activationOp(n, out, "sigmoid", null);
            case "Tanh" -> activationOp(n, out, "tanh", null);
            case "LeakyRelu" -> activationOp(n, out, "leaky_relu", n.f("alpha", 0.01f));
            case "Elu" -> activationOp(n, out, "elu", n.f("alpha", 1f));
            case "HardSigmoid" -> {
                if (n.f("beta", 0.5f) != 0.5f) throw n.error("HardSigmoid with beta " + n.f("beta", 0.5f) + " (only 0.5) is not supported");
                activationOp(n, out, "hard_sigmoid", n.f("alpha", 0.2f));
            }
            case "Clip" -> clip(n, out);
            case "Softmax" -> softmax(n, out);
            case "Concat" -> concat(n, in, out);
            case "Split" -> split(n);
            case "Slice" -> slice(n, in);
            case "Pad" -> pad(n, out);
            case "Reshape", "Flatten", "Squeeze", "Unsqueeze" -> reshape(n, in, out);
            case "Transpose" -> transpose(n);
            case "Expand" -> expand(n);
            case "Resize" -> OnnxConv.resize(this, n, out);
            case "BatchNormalization" -> batchNorm(n, out);
            case "PRelu" -> prelu(n, out);
            case "ReduceMean", "ReduceMax", "ReduceMin", "ReduceSum" -> reduce(n, in, out);
            case "Gemm" -> gemm(n, out);
            case "MatMul" -> matmul(n, out);
            default -> throw n.error("is supported on constants only; here it reads a computed tensor");
        }
    }

    // ---------------------------------------------------------------- helpers for OnnxConv

    String nhwcInput(OnnxNodeView n, Val x) throws OnnxFormatException {
        if (x.rank() != 4) throw n.error("only 2-D (rank-4 NCHW) " + n.op() + " is supported, got rank " + x.rank());
        return materialize(x, Shapes.NHWC, n.label());
    }

    Val activationIn(OnnxNodeView n, int k) throws OnnxFormatException { return activation(n, k); }
    ConstTensor constantIn(OnnxNodeView n, int k, String what) throws OnnxFormatException { return constant(n, k, what); }
    Val optionalIn(OnnxNodeView n, int k) throws OnnxFormatException { return in(n, k); }
    int[] shapeOf(Val v) { return v.shape.clone(); }
    boolean isConst(Val v) { return v.isConst(); }
    ConstTensor constOfVal(Val v) { return v.c; }

    Val emitNhwc(String onnxOut, Op op, String input, Attrs attrs, Map<String, Tensor> params) throws OnnxFormatException {
        return emitValue(onnxOut, op, List.of(input), attrs, params, Shapes.NHWC);
    }

    // ---------------------------------------------------------------- element-wise and activations

    private void activationOp(OnnxNodeView n, String out, String act, Float alpha) throws OnnxFormatException {
        Val x = activation(n, 0);
        Attrs a = new Attrs().set("activation", act);
        if (alpha != null) a.set("alpha", alpha);
        emitValue(out, Op.ACTIVATION, List.of(materialize(x, x.perm, n.label())), a, Map.of(), x.perm);
    }

    private void clip(OnnxNodeView n, String out) throws OnnxFormatException {
        Val x = activation(n, 0);
        float lo, hi;
        if (opset < 11) {
            lo = n.f("min", Float.NEGATIVE_INFINITY);
            hi = n.f("max", Float.POSITIVE_INFINITY);
        } else {
            lo = in(n, 1) == null ? Float.NEGATIVE_INFINITY : scalar(n, constant(n, 1, "min"));
            hi = in(n, 2) == null ? Float.POSITIVE_INFINITY : scalar(n, constant(n, 2, "max"));
        }
        String xs = materialize(x, x.perm, n.label());
        if (lo == 0f && hi == 6f) { emitValue(out, Op.ACTIVATION, List.of(xs), new Attrs().set("activation", "relu6"), Map.of(), x.perm); return; }
        if (lo == 0f && hi == Float.POSITIVE_INFINITY) { emitValue(out, Op.ACTIVATION, List.of(xs), new Attrs().set("activation", "relu"), Map.of(), x.perm); return; }
        String cur = xs;
        if (lo != Float.NEGATIVE_INFINITY) {
            String c = constantValue("clip_min", new int[]{1}, new float[]{lo});
            if (hi == Float.POSITIVE_INFINITY) { emitValue(out, Op.MAX, List.of(cur, c), new Attrs(), Map.of(), x.perm); return; }
            cur = engineName(out + "#lo");
            emit(new Node(cur, Op.MAX, List.of(xs, c), List.of(cur), new Attrs(), Map.of()));
        }
        if (hi == Float.POSITIVE_INFINITY) { define(n, 0, x); return; }
        String c = constantValue("clip_max", new int[]{1}, new float[]{hi});
        emitValue(out, Op.MIN, List.of(cur, c), new Attrs(), Map.of(), x.perm);
    }

    private float scalar(OnnxNodeView n, ConstTensor c) throws OnnxFormatException {
        if (c.size() != 1) throw n.error("expected a scalar, got a tensor of shape " + Arrays.toString(c.shape()));
        return (float) c.get(0);
    }

    private void elementwise(OnnxNodeView n, Val[] in, String out) throws OnnxFormatException {
        for (int k = 0; k < in.length; k++) if (in[k] == null) throw n.error("input " + k + " is missing");
        // Attention in the making: its scores may be scaled by a constant.
        if (in.length == 2 && (n.op().equals("Mul") || n.op().equals("Div"))) {
            for (int k = 0; k < 2; k++) {
                Val a = in[k], b = in[1 - k];
                if (a.attn != null && !a.attn.softmax() && b.isConst() && b.c.size() == 1 && (n.op().equals("Mul") || k == 0)) {
                    float s = (float) b.c.get(0);
                    Val v = new Val(a.shape, null, null, null);
                    v.attn = new Attn(a.attn.q(), a.attn.k(), n.op().equals("Mul") ? a.attn.scale() * s : a.attn.scale() / s, false);
                    define(n, 0, v);
                    return;
                }
            }
        }
        int[] shape = in[0].shape;
        for (int k = 1; k < in.length; k++) shape = Shapes.broadcast(n, shape, in[k].shape);
        int r = shape.length;
        // The axis order: that of a computed input of full rank, NHWC preferred.
        int[] perm = null;
        for (Val v : in) {
            Val a = v.expandOf != null ? v.expandOf : v;
            if (!a.isConst() && a.attn == null && a.rank() == r && a.perm != null && (perm == null || Arrays.equals(a.perm, Shapes.NHWC))) perm = a.perm;
        }
        if (perm == null) throw n.error("no computed input has the result's rank " + r + "; broadcasting a computed tensor up in rank is not supported");
        List<String> names = new ArrayList<>();
        for (int k = 0; k < in.length; k++) {
            Val v = in[k];
            if (v.expandOf != null) {
                int[] others = v.expandOf.shape;
                for (int j = 0; j < in.length; j++) if (j != k) others = Shapes.broadcast(n, others, in[j].shape);
                if (Arrays.equals(others, shape) && v.expandOf.rank() == r) v = v.expandOf;   // broadcasting does the expansion
            }
            if (!v.isConst() && v.expandOf == null && v.rank() != r)
                throw n.error("computed inputs of ranks " + v.rank() + " and " + r + " do not broadcast in the engine");
            names.add(materialize(v, perm, n.label()));
        }
        Op op = BINARY.get(n.op());
        if (in.length == 1) { define(n, 0, in[0]); return; }
        if (names.size() > 2 && !Arrays.equals(Shapes.broadcast(n, in[0].shape, in[1].shape), shape))
            throw n.error("with more than two inputs, the first two must already have the result's shape " + Arrays.toString(shape));
        emitValue(out, op, names, new Attrs(), Map.of(), perm);
    }

    private void softmax(OnnxNodeView n, String out) throws OnnxFormatException {
        Val x = required(n, 0);
        int r = x.rank();
        int axis = n.axis(n.i("axis", opset < 13 ? 1 : -1), r);
        // Before opset 13 Softmax flattens to 2-D at the axis: the same as one axis only when it is the last.
        if (opset < 13 && axis != r - 1) throw n.error("softmax over axis " + axis + " of rank " + r + " before opset 13 (only the last axis) is not supported");
        if (x.attn != null && !x.attn.softmax()) {
            Val v = new Val(x.shape, null, null, null);
            v.attn = new Attn(x.attn.q(), x.attn.k(), x.attn.scale(), true);
            define(n, 0, v);
            return;
        }
        if (x.isConst()) throw n.error("softmax of a constant");
        x = concrete(n, x);
        // The engine's softmax runs over its last axis: the softmax axis must live there.
        int[] perm = x.perm;
        if (perm[r - 1] != axis) {
            if (axis == 0) throw n.error("softmax over the batch axis is not supported");
            perm = new int[r];
            for (int i = 0, k = 0; i < r; i++) if (i != axis) perm[k++] = i;
            perm[r - 1] = axis;
        }
        emitValue(out, Op.SOFTMAX, List.of(materialize(x, perm, n.label())), new Attrs().set("axis", -1), Map.of(), perm);
    }

    private void concat(OnnxNodeView n, Val[] in, String out) throws OnnxFormatException {
        int r = -1;
        int[] perm = null;
        for (Val v : in) {
            if (v == null) throw n.error("missing input");
            if (r < 0) r = v.rank();
            if (v.rank() != r) throw n.error("concat of ranks " + r + " and " + v.rank());
            if (!v.isConst() && v.perm != null && (perm == null || Arrays.equals(v.perm, Shapes.NHWC))) perm = v.perm;
        }
        if (perm == null) throw n.error("no computed input");
        int axis = n.axis(n.i("axis", 0), r);
        if (axis == 0) throw n.error("concatenating along the batch axis is not supported");
        List<String> names = new ArrayList<>();
        for (Val v : in) {
            if (v.isConst() && v.shape[0] != batch) throw n.error("a constant input of batch " + v.shape[0] + " for batch " + batch);
            names.add(materialize(v, perm, n.label()));
        }
        int phys = Shapes.inverse(perm)[axis];
        emitValue(out, Op.CONCAT, names, new Attrs().set("axis", phys), Map.of(), perm);
    }

    private void split(OnnxNodeView n) throws OnnxFormatException {
        Val x = activation(n, 0);
        int axis = n.axis(n.i("axis", 0), x.rank());
        if (axis == 0) throw n.error("splitting the batch axis is not supported");
        ConstTensor[] c = new ConstTensor[n.inputs().size()];
        for (int k = 1; k < c.length; k++) c[k] = in(n, k) == null ? null : constant(n, k, "split");
        int[] sizes = ConstantFolder.splitSizes(n, c, opset, x.shape[axis], n.outputs().size());
        String xs = materialize(x, x.perm, n.label());
        int phys = Shapes.inverse(x.perm)[axis];
        int at = 0;
        for (int k = 0; k < sizes.length; k++) {
            if (sizes[k] == 0) throw n.error("an empty split part");
            String o = n.outputs().get(k);
            if (!o.isEmpty())
                emitValue(o, Op.SLICE, List.of(xs), new Attrs().set("axis", phys).set("start", at).set("end", at + sizes[k]), Map.of(), x.perm);
            at += sizes[k];
        }
    }

    private void slice(OnnxNodeView n, Val[] in) throws OnnxFormatException {
        Val x = activation(n, 0);
        ConstTensor[] c = new ConstTensor[in.length];
        for (int k = 1; k < in.length; k++) c[k] = in[k] == null ? null : constant(n, k, "starts, ends, axes and steps");
        ConstantFolder.SliceSpec sp = ConstantFolder.sliceSpec(n, c, opset, x.shape);
        String cur = materialize(x, x.perm, n.label());
        int[] shape = x.shape.clone();
        int[] inv = Shapes.inverse(x.perm);
        int todo = 0;
        for (int i = 0; i < sp.axes().length; i++) {
            int a = sp.axes()[i], s = sp.starts()[i], e = sp.ends()[i];
            int len = ConstantFolder.sliceLength(s, e, sp.steps()[i]);
            if (len == shape[a] && sp.steps()[i] == 1) continue;
            if (sp.steps()[i] != 1) throw n.error("strided or reversed slices (step " + sp.steps()[i] + ") are not supported");
            if (a == 0) throw n.error("slicing the batch axis is not supported");
            if (len == 0) throw n.error("an empty slice of axis " + a);
            todo++;
        }
        int done = 0;
        for (int i = 0; i < sp.axes().length; i++) {
            int a = sp.axes()[i], s = sp.starts()[i], e = sp.ends()[i];
            if (ConstantFolder.sliceLength(s, e, 1) == shape[a]) continue;
            done++;
            Attrs attrs = new Attrs().set("axis", inv[a]).set("start", s).set("end", e);
            if (done == todo) { emitValue(n.outputs().get(0), Op.SLICE, List.of(cur), attrs, Map.of(), x.perm); return; }
            String name = engineName(n.outputs().get(0) + "#axis" + a);
            emit(new Node(name, Op.SLICE, List.of(cur), List.of(name), attrs, Map.of()));
            cur = name;
            shape[a] = e - s;
        }
        define(n, 0, x);
    }

    private void pad(OnnxNodeView n, String out) throws OnnxFormatException {
        Val x = activation(n, 0);
        if (!n.s("mode", "constant").equals("constant")) throw n.error("pad mode '" + Printable.clip(n.s("mode", "")) + "' is not supported (only constant zeros)");
        int r = x.rank();
        long[] pads;
        if (opset < 11) pads = Arrays.stream(n.ints("pads", new int[0])).asLongStream().toArray();
        else pads = constant(n, 1, "pads").longs();
        if (opset >= 11 && in(n, 2) != null && scalar(n, constant(n, 2, "constant_value")) != 0f)
            throw n.error("padding with a value other than 0 is not supported");
        long[] full = new long[2 * r];
        if (opset >= 18 && in(n, 3) != null) {
            long[] axes = constant(n, 3, "axes").longs();
            if (pads.length != 2 * axes.length) throw n.error(pads.length + " pads for " + axes.length + " axes");
            for (int i = 0; i < axes.length; i++) {
                int a = n.axis(axes[i], r);
                full[a] = pads[i];
                full[a + r] = pads[i + axes.length];
            }
        } else {
            if (pads.length != 2 * r) throw n.error(pads.length + " pads for rank " + r);
            full = pads;
        }
        boolean zero = true;
        for (long p : full) zero &= p == 0;
        if (zero) { define(n, 0, x); return; }
        if (r != 4 || full[0] != 0 || full[1] != 0 || full[4] != 0 || full[5] != 0)
            throw n.error("only padding the two spatial axes of a rank-4 tensor is supported, pads " + Arrays.toString(full));
        long top = full[2], left = full[3], bottom = full[6], right = full[7];
        for (long p : new long[]{top, left, bottom, right}) if (Math.abs(p) > maxElements) throw n.error("pad " + p + " out of range");
        String xs = materialize(x, Shapes.NHWC, n.label());
        int[] grow = {(int) Math.max(0, top), (int) Math.max(0, left), (int) Math.max(0, bottom), (int) Math.max(0, right)};
        int[] cut = {(int) Math.max(0, -top), (int) Math.max(0, -left), (int) Math.max(0, -bottom), (int) Math.max(0, -right)};
        boolean anyGrow = Arrays.stream(grow).anyMatch(p -> p > 0), anyCut = Arrays.stream(cut).anyMatch(p -> p > 0);
        if (anyGrow && anyCut) {
            String mid = engineName(out + "#pad");
            emit(new Node(mid, Op.PAD, List.of(xs), List.of(mid), new Attrs().set("pads", grow), Map.of()));
            emitValue(out, Op.CROP, List.of(mid), new Attrs().set("crops", cut), Map.of(), Shapes.NHWC);
        } else if (anyGrow) {
            emitValue(out, Op.PAD, List.of(xs), new Attrs().set("pads", grow), Map.of(), Shapes.NHWC);
        } else {
            emitValue(out, Op.CROP, List.of(xs), new Attrs().set("crops", cut), Map.of(), Shapes.NHWC);
        }
    }

    private void reshape(OnnxNodeView n, Val[] in, String out) throws OnnxFormatException {
        Val x = activation(n, 0);
        int[] s = x.shape;
        int[] t = switch (n.op()) {
            case "Reshape" -> ConstantFolder.reshapeShape(n, s, constant(n, 1, "shape"), n.i("allowzero", 0) != 0);
            case "Flatten" -> {
                int ax = n.axis(n.i("axis", 1), s.length + 1);
                if (ax == 0) throw n.error("flattening into the batch axis (axis 0) is not supported");
                long a = 1;
                for (int k = 0; k < ax; k++) a *= s[k];
                yield new int[]{(int) a, (int) (ConstTensor.size(s) / a)};
            }
            case "Squeeze" -> ConstantFolder.squeezeShape(n, s, squeezeAxes(n));
            default -> ConstantFolder.unsqueezeShape(n, s, squeezeAxes(n));
        };
        if (t.length == 0 || t[0] != s[0] || (n.op().equals("Squeeze") || n.op().equals("Unsqueeze")) && !axesKeepBatch(n, s, t))
            throw n.error("reshaping " + Arrays.toString(s) + " to " + Arrays.toString(t) + " moves the batch axis, which is not supported");
        long per = ConstTensor.size(s) / Math.max(1, s[0]), perT = ConstTensor.size(t) / Math.max(1, t[0]);
        if (per != perT) throw n.error("cannot reshape " + Arrays.toString(s) + " to " + Arrays.toString(t));
        // Reshape is row-major over the logical order: the data must lie in that order first.
        int[] srcPerm = Shapes.sameMemoryOrder(s, x.perm, Shapes.identity(s.length)) ? x.perm : Shapes.identity(s.length);
        String xs = materialize(x, srcPerm, n.label());
        int[] perm = Shapes.preferred(t, Shapes.identity(t.length));
        int[] phys = Shapes.physical(t, perm);
        if (Arrays.equals(phys, engineShapes.get(xs))) { define(n, 0, new Val(t, null, xs, perm)); return; }
        emitValue(out, Op.RESHAPE, List.of(xs), new Attrs().set("shape", Arrays.copyOfRange(phys, 1, phys.length)), Map.of(), perm);
    }

    private long[] squeezeAxes(OnnxNodeView n) throws OnnxFormatException {
        if (opset >= 13) return in(n, 1) == null ? null : constant(n, 1, "axes").longs();
        int[] a = n.ints("axes", null);
        return a == null ? null : Arrays.stream(a).asLongStream().toArray();
    }

    private boolean axesKeepBatch(OnnxNodeView n, int[] s, int[] t) throws OnnxFormatException {
        long[] axes = squeezeAxes(n);
        if (axes == null) return !n.op().equals("Squeeze") || s[0] != 1;   // squeezing every 1 would drop a batch of 1
        int r = n.op().equals("Squeeze") ? s.length : t.length;
        for (long a : axes) if (n.axis(a, r) == 0) return false;
        return true;
    }

    private void transpose(OnnxNodeView n) throws OnnxFormatException {
        Val x = required(n, 0);
        int r = x.rank();
        int[] t = ConstantFolder.transposePerm(n, r);
        int[] shape = new int[r];
        for (int j = 0; j < r; j++) shape[j] = x.shape[t[j]];
        boolean swapLast = r >= 2 && t[r - 1] == r - 2 && t[r - 2] == r - 1;
        for (int j = 0; j < r - 2; j++) swapLast &= t[j] == j;
        if (x.attn != null || x.expandOf != null || x.name == null) throw n.error("transposing an intermediate that only its consumer may read");
        Val v;
        if (t[0] != 0) {
            v = new Val(shape, null, null, null);   // moves the batch: only attention's k^T may read it
        } else {
            int[] tinv = Shapes.inverse(t);
            int[] q = new int[r];
            for (int i = 0; i < r; i++) q[i] = tinv[x.perm[i]];
            v = new Val(shape, null, x.name, q);
        }
        if (swapLast) v.swappedOf = x;
        define(n, 0, v);
    }

    private void expand(OnnxNodeView n) throws OnnxFormatException {
        Val x = activation(n, 0);
        int[] target = ConstantFolder.toShape(n, constant(n, 1, "shape"), maxElements);
        int[] shape = Shapes.broadcast(n, x.shape, target);
        if (Arrays.equals(shape, x.shape)) { define(n, 0, x); return; }
        if (shape.length != x.rank() || shape[0] != x.shape[0]) throw n.error("expanding " + Arrays.toString(x.shape) + " to " + Arrays.toString(shape) + " changes the rank or batch");
        Val v = new Val(shape, null, null, null);
        v.expandOf = x;
        define(n, 0, v);
    }

    private void batchNorm(OnnxNodeView n, String out) throws OnnxFormatException {
        Val x = activation(n, 0);
        if (n.i("training_mode", 0) != 0) throw n.error("training mode is not supported");
        int r = x.rank();
        int[] perm = r == 4 ? Shapes.NHWC : Shapes.identity(r);
        if (r != 4 && r != 2) throw n.error("batch normalisation of rank " + r + " (only 2 and 4) is not supported");
        int c = x.shape[1];
        String[] names = {"gamma", "beta", "mean", "var"};
        Map<String, Tensor> params = new LinkedHashMap<>();
        for (int k = 0; k < 4; k++) {
            ConstTensor t = constant(n, k + 1, names[k]);
            if (t.size() != c) throw n.error(names[k] + " has " + t.size() + " values for " + c + " channels");
            params.put(names[k], new Tensor(new int[]{c}, t.floats()));
        }
        emitValue(out, Op.BATCH_NORM, List.of(materialize(x, perm, n.label())), new Attrs().set("epsilon", n.f("epsilon", 1e-5f)), params, perm);
    }

    private void prelu(OnnxNodeView n, String out) throws OnnxFormatException {
        Val x = activation(n, 0);
        ConstTensor slope = constant(n, 1, "slope");
        int r = x.rank();
        if (slope.rank() > r) throw n.error("slope of rank " + slope.rank() + " for input rank " + r);
        int[] padded = new int[r];
        Arrays.fill(padded, 1);
        System.arraycopy(slope.shape(), 0, padded, r - slope.rank(), slope.rank());
        if (padded[0] != 1) throw n.error("a slope per batch element is not supported");
        ConstTensor t = slope.reshape(padded).transpose(x.perm);
        int[] ps = t.shape();
        emitValue(out, Op.PRELU, List.of(materialize(x, x.perm, n.label())), new Attrs(),
                Map.of("alpha", new Tensor(Arrays.copyOfRange(ps, 1, ps.length), t.floats())), x.perm);
    }

    private void reduce(OnnxNodeView n, Val[] in, String out) throws OnnxFormatException {
        Val x = activation(n, 0);
        int r = x.rank();
        boolean axesInput = n.op().equals("ReduceSum") ? opset >= 13 : opset >= 18;
        long[] axes;
        if (axesInput) axes = in.length > 1 && in[1] != null ? constant(n, 1, "axes").longs() : null;
        else axes = n.has("axes") ? Arrays.stream(n.ints("axes", null)).asLongStream().toArray() : null;
        if (axes != null && axes.length == 0) axes = null;
        if (axes == null && n.i("noop_with_empty_axes", 0) != 0) { define(n, 0, x); return; }
        boolean[] red = new boolean[r];
        if (axes == null) Arrays.fill(red, true);
        else for (long a : axes) red[n.axis(a, r)] = true;
        if (red[0]) throw n.error("reducing over the batch axis is not supported");
        boolean keep = n.i("keepdims", 1) != 0;
        int[] inv = Shapes.inverse(x.perm);
        List<Integer> phys = new ArrayList<>();
        for (int a = 0; a < r; a++) if (red[a]) phys.add(inv[a]);
        int[] perm;
        if (keep) perm = x.perm;
        else {
            int[] renum = new int[r];
            for (int a = 0, k = 0; a < r; a++) renum[a] = red[a] ? -1 : k++;
            perm = Arrays.stream(x.perm).filter(a -> !red[a]).map(a -> renum[a]).toArray();
        }
        String op = switch (n.op()) { case "ReduceMean" -> "mean"; case "ReduceMax" -> "max"; case "ReduceMin" -> "min"; default -> "sum"; };
        emitValue(out, Op.REDUCE, List.of(materialize(x, x.perm, n.label())),
                new Attrs().set("op", op).set("axes", phys.stream().mapToInt(Integer::intValue).toArray()).set("keepdims", keep), Map.of(), perm);
    }

    private void gemm(OnnxNodeView n, String out) throws OnnxFormatException {
        Val a = activation(n, 0);
        if (a.rank() != 2) throw n.error("Gemm input of rank " + a.rank());
        if (n.i("transA", 0) != 0) throw n.error("transA on a computed input is not supported");
        ConstTensor b = constant(n, 1, "B (the weight)");
        if (b.rank() != 2) throw n.error("weight of rank " + b.rank());
        float alpha = n.f("alpha", 1f), beta = n.f("beta", 1f);
        boolean transB = n.i("transB", 0) != 0;
        int k = transB ? b.shape()[1] : b.shape()[0], o = transB ? b.shape()[0] : b.shape()[1];
        if (k != a.shape[1]) throw n.error("weight " + Arrays.toString(b.shape()) + " does not fit input " + Arrays.toString(a.shape));
        float[] w = (transB ? b.transpose(new int[]{1, 0}) : b).floats();
        if (alpha != 1f) for (int i = 0; i < w.length; i++) w[i] *= alpha;
        Map<String, Tensor> params = new LinkedHashMap<>();
        params.put("weight", new Tensor(new int[]{k, o}, w));
        Val c = in(n, 2);
        if (c != null) {
            if (!c.isConst()) throw n.error("C must be a constant");
            ConstTensor ct = c.c;
            int[] cs = ct.shape();
            boolean vector = ct.size() == o && (cs.length == 1 || cs.length == 2 && cs[0] == 1);
            if (!vector && ct.size() != 1) throw n.error("bias C of shape " + Arrays.toString(cs) + " (only [" + o + "], [1," + o + "] or a scalar) is not supported");
            float[] bias = new float[o];
            for (int i = 0; i < o; i++) bias[i] = beta * (float) ct.get(ct.size() == 1 ? 0 : i);
            params.put("bias", new Tensor(new int[]{o}, bias));
        }
        emitValue(out, Op.DENSE, List.of(materialize(a, Shapes.identity(2), n.label())), new Attrs(), params, Shapes.identity(2));
    }

    private void matmul(OnnxNodeView n, String out) throws OnnxFormatException {
        Val a = required(n, 0), b = required(n, 1);
        if (a.isConst()) throw n.error("a constant left operand is not supported");
        if (a.attn != null && a.attn.softmax() && !b.isConst()) {
            // softmax(q k^T) v: the engine's dot-product attention.
            Attn at = a.attn;
            String q = materialize(at.q(), Shapes.identity(at.q().rank()), n.label());
            String kk = materialize(at.k(), Shapes.identity(at.k().rank()), n.label());
            String v = materialize(b, Shapes.identity(b.rank()), n.label());
            Map<String, Tensor> params = at.scale() == 1f ? Map.of() : Map.of("scale", new Tensor(new int[]{1}, new float[]{at.scale()}));
            List<String> inputs = kk.equals(v) ? List.of(q, v) : List.of(q, v, kk);
            emitValue(out, Op.ATTENTION, inputs, new Attrs(), params, Shapes.identity(a.rank()));
            return;
        }
        if (!b.isConst()) {
            if (b.swappedOf != null && a.attn == null && a.rank() == b.rank() && (a.rank() == 2 || a.rank() == 3)) {
                int r = a.rank();
                int[] shape = a.shape.clone();
                shape[r - 1] = b.shape[r - 1];
                Val v = new Val(shape, null, null, null);
                v.attn = new Attn(a, b.swappedOf, 1f, false);
                define(n, 0, v);
                return;
            }
            throw n.error("a MatMul of two computed tensors is supported only as dot-product attention, softmax(q k^T) v");
        }
        a = concrete(n, a);
        ConstTensor w = b.c;
        if (w.rank() != 2) throw n.error("a weight of rank " + w.rank() + " (only 2) is not supported");
        if (a.rank() < 2) throw n.error("a 1-D left operand is not supported");
        if (w.shape()[0] != a.shape[a.rank() - 1]) throw n.error("weight " + Arrays.toString(w.shape()) + " does not fit input " + Arrays.toString(a.shape));
        int[] id = Shapes.identity(a.rank());
        int[] perm = a.perm[a.rank() - 1] == a.rank() - 1 ? a.perm : id;
        emitValue(out, Op.DENSE, List.of(materialize(a, perm, n.label())), new Attrs(),
                Map.of("weight", new Tensor(w.shape(), w.floats())), perm);
    }
}
