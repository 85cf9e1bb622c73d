package dev.mien.engine.ir;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A node's attributes. Values are Integer, Float, Boolean, String, int[] or float[] only,
 * so every graph can be written to and read from the model file.
 */
public final class Attrs {
    private final Map<String, Object> values = new LinkedHashMap<>();

    public Attrs set(String key, Object value) {
        if (!(value instanceof Integer || value instanceof Float || value instanceof Boolean
                || value instanceof String || value instanceof int[] || value instanceof float[]))
            throw new IllegalArgumentException("unsupported attribute type for " + key + ": "
                    + (value == null ? "null" : value.getClass().getSimpleName()));
        values.put(key, value instanceof int[] a ? a.clone() : value instanceof float[] f ? f.clone() : value);
        return this;
    }

    public boolean has(String key) { return values.containsKey(key); }
    public Map<String, Object> asMap() { return Collections.unmodifiableMap(values); }

    public int getInt(String key, int dflt) { Object v = values.get(key); return v == null ? dflt : (Integer) v; }
    public int getInt(String key) { return (Integer) require(key); }
    public float getFloat(String key, float dflt) { Object v = values.get(key); return v == null ? dflt : (Float) v; }
    public boolean getBool(String key, boolean dflt) { Object v = values.get(key); return v == null ? dflt : (Boolean) v; }
    public String getString(String key, String dflt) { Object v = values.get(key); return v == null ? dflt : (String) v; }
    public String getString(String key) { return (String) require(key); }
    public int[] getInts(String key, int... dflt) { Object v = values.get(key); return v == null ? dflt : ((int[]) v).clone(); }
    public int[] getInts(String key) { return ((int[]) require(key)).clone(); }
    public float[] getFloats(String key) { return ((float[]) require(key)).clone(); }

    private Object require(String key) {
        Object v = values.get(key);
        if (v == null) throw new IllegalStateException("missing attribute '" + key + "'");
        return v;
    }

    public Attrs copy() {
        Attrs a = new Attrs();
        values.forEach(a::set);
        return a;
    }

    @Override public String toString() {
        StringBuilder sb = new StringBuilder("{");
        values.forEach((k, v) -> {
            if (sb.length() > 1) sb.append(", ");
            sb.append(k).append('=').append(v instanceof int[] a ? Arrays.toString(a)
                    : v instanceof float[] f ? Arrays.toString(f) : v);
        });
        return sb.append('}').toString();
    }
}
