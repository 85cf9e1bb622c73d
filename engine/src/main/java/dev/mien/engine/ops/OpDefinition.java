package dev.mien.engine.ops;

import dev.mien.engine.io.Printable;
import dev.mien.engine.ir.GraphException;
import dev.mien.engine.ir.Node;
import dev.mien.engine.ir.Op;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything about one op that does not depend on how it runs: how many inputs it reads, its
 * attributes (typed, with defaults, checked once by {@link #validate}), the weights it needs,
 * its output shapes from its input shapes, and its multiply-accumulates. Importers, passes and
 * the planner all ask this one place; {@link OpDefinitions} holds one per {@link Op}.
 *
 * <p>Shapes here are full shapes, batch axis included.
 */
public final class OpDefinition {
    /** Output shapes of a node from its input shapes; throws {@link GraphException} (the caller adds the node's name). */
    @FunctionalInterface
    public interface ShapeRule { int[][] outputShapes(Node n, int[][] in); }

    /** Multiply-accumulates of one execution. */
    @FunctionalInterface
    public interface MacsRule { long macs(Node n, int[][] in, int[][] out); }

    private final Op op;
    private final int minInputs, maxInputs;
    private final Map<String, AttrSpec> attrs;
    /**
     * Attribute that stands for the "weight" param of a node whose weight is held outside the
     * graph (packed once by a Model): its shape. Shape inference, MACs and validation read the
     * weight's shape through {@link OpDefinitions#weightShape}, so they work on either form.
     */
    public static final String WEIGHT_SHAPE = "weight_shape";
    private final List<String> requiredParams;
    private final ShapeRule shapes;
    private final MacsRule macs;

    private OpDefinition(Op op, int minInputs, int maxInputs, Map<String, AttrSpec> attrs, List<String> requiredParams,
                         ShapeRule shapes, MacsRule macs) {
        this.op = op;
        this.minInputs = minInputs;
        this.maxInputs = maxInputs;
        this.attrs = Collections.unmodifiableMap(attrs);
        this.requiredParams = List.copyOf(requiredParams);
        this.shapes = shapes;
        this.macs = macs;
    }

    public Op op() { return op; }
    public int minInputs() { return minInputs; }
    /** Most inputs a node may have; {@link Integer#MAX_VALUE} when any number of at least {@link #minInputs()} works. */
    public int maxInputs() { return maxInputs; }
    public Map<String, AttrSpec> attributes() { return attrs; }
    public List<String> requiredParams() { return requiredParams; }

    /**
     * Checks a node against this definition: input count, every attribute known and of its type
     * (and value set), required attributes and weights present. Throws one {@link GraphException}
     * naming the node and every problem.
     */
    public void validate(Node n) {
        List<String> problems = new ArrayList<>();
        int k = n.inputs().size();
        if (k < minInputs || k > maxInputs)
            problems.add("takes " + (minInputs == maxInputs ? String.valueOf(minInputs)
                    : maxInputs == Integer.MAX_VALUE ? "at least " + minInputs : minInputs + " to " + maxInputs) + " inputs, got " + k);
        for (var e : n.attrs().asMap().entrySet()) {
            if (e.getKey().equals(WEIGHT_SHAPE) && requiredParams.contains("weight")) {
                // A weight held outside the graph (packed by a Model) leaves its shape here.
                if (!(e.getValue() instanceof int[])) problems.add("attribute '" + WEIGHT_SHAPE + "' must be a list of ints");
                continue;
            }
            AttrSpec spec = attrs.get(e.getKey());
            if (spec == null) { problems.add("unknown attribute '" + Printable.clip(e.getKey()) + "' (known: " + attrs.keySet() + ")"); continue; }
            String p = spec.problem(e.getValue());
            if (p != null) problems.add(p);
        }
        for (AttrSpec spec : attrs.values())
            if (spec.required() && !n.attrs().has(spec.name())) problems.add("missing attribute '" + spec.name() + "'");
        for (String p : requiredParams)
            if (n.param(p) == null && !(p.equals("weight") && n.attrs().has(WEIGHT_SHAPE))) problems.add("missing weight '" + p + "'");
        if (!problems.isEmpty()) throw new GraphException(where(n) + String.join("; ", problems));
    }

    /** Output shapes (batch included) for these input shapes; errors name the node. */
    public int[][] outputShapes(Node n, int[][] in) {
        try {
            return shapes.outputShapes(n, in);
        } catch (GraphException e) {
            String m = e.getMessage();
            throw new GraphException(m != null && m.startsWith(where(n)) ? m : where(n) + m, e);
        } catch (RuntimeException e) {
            throw new GraphException(where(n) + e.getMessage(), e);
        }
    }

    public long macs(Node n, int[][] in, int[][] out) { return macs.macs(n, in, out); }

    /** The node a message is about; its name comes from a file, so it is quoted printable. */
    static String where(Node n) { return Printable.clip(n.name(), NAME_CHARS) + " (" + n.op() + "): "; }

    /** Longest node name quoted in a message. */
    private static final int NAME_CHARS = 200;

    // ---- typed attribute access: a node's value, else this definition's default ----------------

    private Object value(Node n, String key, AttrType type) {
        AttrSpec spec = attrs.get(key);
        if (spec == null || spec.type() != type) throw new IllegalStateException(op + " defines no " + type + " attribute '" + key + "'");
        Object v = n.attrs().asMap().get(key);
        if (v == null) v = spec.dflt();
        if (v == null) throw new GraphException(where(n) + "missing attribute '" + key + "'");
        if (!type.javaType.isInstance(v)) throw new GraphException(where(n) + spec.problem(v));
        return v;
    }

    /** Whether the node sets {@code key} or the schema gives it a default. */
    public boolean hasValue(Node n, String key) { return n.attrs().has(key) || (attrs.containsKey(key) && attrs.get(key).dflt() != null); }

    public int intAttr(Node n, String key) { return (Integer) value(n, key, AttrType.INT); }
    public float floatAttr(Node n, String key) { return (Float) value(n, key, AttrType.FLOAT); }
    public boolean boolAttr(Node n, String key) { return (Boolean) value(n, key, AttrType.BOOL); }
    public String stringAttr(Node n, String key) { return (String) value(n, key, AttrType.STRING); }
    public int[] intsAttr(Node n, String key) { return ((int[]) value(n, key, AttrType.INTS)).clone(); }
    public float[] floatsAttr(Node n, String key) { return ((float[]) value(n, key, AttrType.FLOATS)).clone(); }

    @Override public String toString() { return op + "(" + String.join(", ", attrs.values().stream().map(AttrSpec::toString).toList()) + ")"; }

    static Builder of(Op op) { return new Builder(op); }

    /** Declares a definition; see {@link OpDefinitions}. */
    static final class Builder {
        private final Op op;
        private int min = 1, max = 1;
        private final Map<String, AttrSpec> attrs = new LinkedHashMap<>();
        private final List<String> params = new ArrayList<>();
        private MacsRule macs = (n, in, out) -> 0L;

        private Builder(Op op) { this.op = op; }

        Builder inputs(int min, int max) { this.min = min; this.max = max; return this; }
        Builder attr(AttrSpec... specs) { for (AttrSpec s : specs) attrs.put(s.name(), s); return this; }
        Builder params(String... names) { params.addAll(Arrays.asList(names)); return this; }
        Builder macs(MacsRule rule) { this.macs = rule; return this; }
        OpDefinition shape(ShapeRule rule) { return new OpDefinition(op, min, max, attrs, params, rule, macs); }
    }
}
