package dev.mien.engine.ops;

import java.util.Arrays;
import java.util.List;

/**
 * One attribute of an op: name, type, whether a node must carry it, its default otherwise
 * (null: no default, the op decides, e.g. pooling strides default to the kernel), and for a
 * string the values it may take (empty: any) or for an int array its required length (-1: any).
 */
public record AttrSpec(String name, AttrType type, boolean required, Object dflt, List<String> oneOf, int length) {
    public AttrSpec {
        oneOf = List.copyOf(oneOf);
        if (dflt != null && !type.javaType.isInstance(dflt)) throw new IllegalArgumentException(name + ": default of the wrong type");
    }

    public static AttrSpec required(String name, AttrType type) { return new AttrSpec(name, type, true, null, List.of(), -1); }
    public static AttrSpec optional(String name, AttrType type, Object dflt) { return new AttrSpec(name, type, false, dflt, List.of(), -1); }

    public AttrSpec length(int n) { return new AttrSpec(name, type, required, dflt, oneOf, n); }
    public AttrSpec oneOf(String... values) { return new AttrSpec(name, type, required, dflt, Arrays.asList(values), length); }

    /** Why {@code value} is not acceptable, or null. */
    String problem(Object value) {
        if (!type.javaType.isInstance(value))
            return "attribute '" + name + "' must be " + type.name().toLowerCase() + ", got " + value.getClass().getSimpleName();
        if (!oneOf.isEmpty() && !oneOf.contains(value)) return "attribute '" + name + "' is '" + value + "', expected one of " + oneOf;
        if (length >= 0 && value instanceof int[] a && a.length != length)
            return "attribute '" + name + "' needs " + length + " values, got " + Arrays.toString(a);
        if (length >= 0 && value instanceof float[] f && f.length != length)
            return "attribute '" + name + "' needs " + length + " values, got " + f.length;
        return null;
    }

    @Override public String toString() {
        return name + ":" + type.name().toLowerCase() + (required ? " (required)" : dflt == null ? "" : " = "
                + (dflt instanceof int[] a ? Arrays.toString(a) : dflt));
    }
}
