package dev.mien.formats.keras;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mien.engine.Tensor;
import dev.mien.engine.ir.Attrs;
import dev.mien.engine.ir.Op;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Element-wise merges and simple math: the merge layers (Add, Multiply, ...), Keras 3
 * operation entries (keras.src.ops: Add, Subtract, Multiply, TrueDivide, Mean, Split, ...) and
 * tf.keras 2 TFOpLambda layers (function "math.truediv", "__operators__.add", ...).
 * Tensor-constant arithmetic becomes SCALE_SHIFT; tensor-tensor arithmetic broadcasts.
 */
final class KerasOpLayers {
    private KerasOpLayers() {}

    static void register(Map<String, KerasLayerConverter> m) {
        m.put("Add", c -> List.of(arith(c, Op.ADD, c.operands)));
        m.put("Subtract", c -> List.of(arith(c, Op.SUB, c.operands)));
        m.put("Multiply", c -> List.of(arith(c, Op.MUL, c.operands)));
        m.put("Divide", c -> List.of(arith(c, Op.DIV, c.operands)));
        m.put("TrueDivide", c -> List.of(arith(c, Op.DIV, c.operands)));
        m.put("Maximum", c -> List.of(arith(c, Op.MAX, c.operands)));
        m.put("Minimum", c -> List.of(arith(c, Op.MIN, c.operands)));
        m.put("Average", c -> List.of(arith(c, Op.AVERAGE, c.operands)));
        for (String r : List.of("Mean", "Sum", "Max", "Min")) {
            String op = r.toLowerCase();
            m.put(r, c -> List.of(reduce(c, c.input(), op, c.config.get("axis"), c.cfgBool("keepdims", false))));
        }
        m.put("Split", c -> split(c, c.input(), c.config.get("indices_or_sections"), c.cfgInt("axis", 0), true));
        m.put("Relu", c -> List.of(KerasLayers.activation(c, "relu", 0f)));
        m.put("Relu6", c -> List.of(KerasLayers.activation(c, "relu6", 0f)));
        m.put("Sigmoid", c -> List.of(KerasLayers.activation(c, "sigmoid", 0f)));
        m.put("Tanh", c -> List.of(KerasLayers.activation(c, "tanh", 0f)));
        m.put("Silu", c -> List.of(KerasLayers.activation(c, "swish", 0f)));
        m.put("TFOpLambda", TF_OP_LAMBDA);
        m.put("SlicingOpLambda", TF_OP_LAMBDA);
    }

    /**
     * Elementwise op over operands. A tensor with a scalar or per-channel constant becomes
     * SCALE_SHIFT for ADD/SUB/MUL/DIV (one fused kernel); any other constant, of any shape that
     * broadcasts, becomes a graph constant read by the binary op.
     */
    static String arith(KerasLayerCall c, Op op, List<KerasLayerCall.Operand> ops) {
        List<String> tensors = new ArrayList<>();
        for (KerasLayerCall.Operand o : ops) if (o.isTensor()) tensors.add(o.value());
        if (tensors.isEmpty()) throw c.fail("has no tensor operand");
        if (tensors.size() == ops.size()) {
            if (tensors.size() < 2) throw c.fail("needs at least two operands, got " + tensors.size());
            return c.emit(c.name, op, tensors, null, null);
        }
        if (ops.size() != 2) throw c.fail("mixes tensors and constants in " + ops.size() + " operands (two supported)");
        boolean tensorFirst = ops.get(0).isTensor();
        String x = tensors.get(0);
        Tensor constant = constantTensor(c, ops.get(tensorFirst ? 1 : 0).constant());
        float[] k = constant.data();
        int[] xs = c.shape(x);
        boolean channelwise = k.length == 1 || (constant.rank() == 1 && k.length == xs[xs.length - 1]);
        boolean affine = op == Op.ADD || op == Op.MUL || op == Op.SUB || (op == Op.DIV && tensorFirst);
        if (!channelwise || !affine) {
            if (constant.rank() > xs.length + 1 || (constant.rank() == xs.length + 1 && constant.dim(0) != 1))
                throw c.fail("constant of shape " + Arrays.toString(constant.shape()) + " would broadcast over the batch");
            String kv = c.b.addConstant(c.name + "/constant", constant);
            return c.emit(c.name, op, tensorFirst ? List.of(x, kv) : List.of(kv, x), null, null);
        }
        float[] one = {1f}, zero = {0f};
        return switch (op) {
            case ADD -> KerasLayers.scaleShift(c, c.name, x, one, k);
            case MUL -> KerasLayers.scaleShift(c, c.name, x, k, zero);
            case SUB -> tensorFirst ? KerasLayers.scaleShift(c, c.name, x, one, negate(k))
                    : KerasLayers.scaleShift(c, c.name, x, new float[]{-1f}, k);
            case DIV -> {
                if (!tensorFirst) throw c.fail("dividing a constant by a tensor is not supported");
                float[] inv = new float[k.length];
                for (int i = 0; i < k.length; i++) inv[i] = 1f / k[i];
                yield KerasLayers.scaleShift(c, c.name, x, inv, zero);
            }
            default -> throw c.fail(op + " with a constant operand is not supported");
        };
    }

    /** A constant operand from the config: a number, or nested lists giving its shape. */
    static Tensor constantTensor(KerasLayerCall c, JsonNode n) {
        List<Integer> dims = new ArrayList<>();
        for (JsonNode e = n; e.isArray(); e = e.get(0)) {
            dims.add(e.size());
            if (e.isEmpty()) throw c.fail("empty constant operand " + n);
        }
        float[] values = KerasLayers.floats(n);
        int[] shape = dims.isEmpty() ? new int[]{1} : dims.stream().mapToInt(Integer::intValue).toArray();
        if (Tensor.sizeOf(shape) != values.length) throw c.fail("ragged constant operand " + n);
        return new Tensor(shape, values);
    }

    private static float[] negate(float[] k) {
        float[] r = new float[k.length];
        for (int i = 0; i < k.length; i++) r[i] = -k[i];
        return r;
    }

    /** REDUCE over Keras axes (batch = 0; null = all per-sample axes). */
    static String reduce(KerasLayerCall c, String in, String op, JsonNode axisNode, boolean keepdims) {
        int[] s = c.shape(in);
        int[] axes;
        if (axisNode == null || axisNode.isNull()) {
            axes = new int[s.length];
            for (int i = 0; i < s.length; i++) axes[i] = i + 1;
        } else axes = axisNode.isArray() ? KerasConfig.ints(axisNode) : new int[]{axisNode.asInt()};
        for (int a : axes) KerasLayers.sampleAxis(c, a, s.length); // the batch axis cannot be reduced
        Attrs a = new Attrs().set("op", op).set("axes", axes).set("keepdims", keepdims);
        return c.emit(c.name, Op.REDUCE, List.of(in), a, null);
    }

    /**
     * SLICE nodes, one per piece. {@code sections}: a count of equal pieces, or (numpy style,
     * {@code indices} true) split points, or (TF style) piece sizes.
     */
    static List<String> split(KerasLayerCall c, String in, JsonNode sections, int axis, boolean indices) {
        int[] s = c.shape(in);
        int ax = KerasLayers.sampleAxis(c, axis, s.length);
        int len = s[ax];
        List<int[]> ranges = new ArrayList<>();
        if (sections == null || sections.isNull()) throw c.fail("split without a number of sections");
        if (sections.isNumber()) {
            int n = sections.asInt();
            if (n < 1 || len % n != 0) throw c.fail("cannot split " + len + " into " + n + " equal parts");
            for (int i = 0; i < n; i++) ranges.add(new int[]{i * len / n, (i + 1) * len / n});
        } else {
            int[] v = KerasConfig.ints(sections);
            int at = 0;
            for (int i = 0; i <= v.length; i++) {
                int end = indices ? (i < v.length ? v[i] : len) : (i < v.length ? at + v[i] : -1);
                if (end < 0) break;
                if (end < at || end > len) throw c.fail("bad split " + sections + " for size " + len);
                ranges.add(new int[]{at, end});
                at = end;
            }
            if (at != len) throw c.fail("split " + sections + " does not cover size " + len);
        }
        List<String> outs = new ArrayList<>();
        for (int i = 0; i < ranges.size(); i++) {
            int[] r = ranges.get(i);
            Attrs a = new Attrs().set("axis", axis).set("start", r[0]).set("end", r[1]);
            outs.add(c.emit(c.name + ":" + i, Op.SLICE, List.of(in), a, null));
        }
        return outs;
    }

    // --- tf.keras 2 TFOpLambda ---------------------------------------------------------------

    private static Op binaryFunction(String f) {
        return switch (f) {
            case "math.add", "__operators__.add", "math.add_n" -> Op.ADD;
            case "math.subtract", "__operators__.sub" -> Op.SUB;
            case "math.multiply", "__operators__.mul" -> Op.MUL;
            case "math.truediv", "math.divide", "__operators__.truediv" -> Op.DIV;
            case "math.maximum" -> Op.MAX;
            case "math.minimum" -> Op.MIN;
            default -> null;
        };
    }

    private static String unaryActivation(String f) {
        return switch (f) {
            case "nn.relu" -> "relu";
            case "nn.relu6" -> "relu6";
            case "math.sigmoid", "nn.sigmoid" -> "sigmoid";
            case "math.tanh", "nn.tanh" -> "tanh";
            case "nn.silu", "nn.swish" -> "swish";
            default -> null;
        };
    }

    static final KerasLayerConverter TF_OP_LAMBDA = new KerasLayerConverter() {
        @Override public String unsupportedReason(KerasConfig.LayerSpec l) {
            String f = l.config().path("function").asText("");
            if (binaryFunction(f) != null || unaryActivation(f) != null) return null;
            return switch (f) {
                case "math.reduce_mean", "math.reduce_sum", "math.reduce_max", "math.reduce_min",
                     "split", "concat", "nn.softmax", "reshape" -> null;
                default -> "TF function '" + f + "' is not supported";
            };
        }

        @Override public List<String> convert(KerasLayerCall c) {
            String f = c.cfgString("function", "");
            JsonNode kw = c.kwargs == null ? com.fasterxml.jackson.databind.node.MissingNode.getInstance() : c.kwargs;
            Op bin = binaryFunction(f);
            if (bin != null) {
                List<KerasLayerCall.Operand> ops = new ArrayList<>(c.operands);
                JsonNode y = kw.get("y");
                if (y != null && !y.isNull()) {
                    KerasConfig.TensorRef r = KerasConfig.kwargRef(y);
                    ops.add(r != null ? new KerasLayerCall.Operand(c.resolver.apply(r), null) : new KerasLayerCall.Operand(null, y));
                }
                return List.of(arith(c, bin, ops));
            }
            String act = unaryActivation(f);
            if (act != null) return List.of(KerasLayers.activation(c, act, 0f));
            String in = c.inputs().get(0);
            return switch (f) {
                case "math.reduce_mean", "math.reduce_sum", "math.reduce_max", "math.reduce_min" ->
                        List.of(reduce(c, in, f.substring("math.reduce_".length()), kw.get("axis"), kw.path("keepdims").asBoolean(false)));
                case "split" -> split(c, in, kw.get("num_or_size_splits"), kw.path("axis").asInt(0), false);
                case "nn.softmax" -> List.of(KerasLayers.softmax(c, in, kw.path("axis").asInt(-1)));
                case "concat" -> List.of(concat(c, kw.path("axis").asInt(0)));
                case "reshape" -> List.of(reshapeWithBatch(c, in, kw.get("shape")));
                default -> throw c.fail("TF function '" + f + "' is not supported");
            };
        }
    };

    private static String concat(KerasLayerCall c, int axis) {
        List<String> in = c.inputs();
        KerasLayers.sampleAxis(c, axis, c.shape(in.get(0)).length); // the batch axis cannot be concatenated
        return c.emit(c.name, Op.CONCAT, in, new Attrs().set("axis", axis), null);
    }

    /** tf.reshape's shape includes the batch axis, which must be left open (-1). */
    private static String reshapeWithBatch(KerasLayerCall c, String in, JsonNode shape) {
        if (shape == null || !shape.isArray() || shape.isEmpty()) throw c.fail("reshape without a constant shape");
        int[] full = KerasConfig.ints(shape);
        if (full[0] != -1) throw c.fail("reshape must keep the batch axis open (-1), got " + shape);
        return KerasLayers.reshapeTo(c, in, Arrays.copyOfRange(full, 1, full.length));
    }
}
