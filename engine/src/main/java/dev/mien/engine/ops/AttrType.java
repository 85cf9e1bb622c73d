package dev.mien.engine.ops;

/** The value types an attribute may have; the same set {@link dev.mien.engine.ir.Attrs} stores. */
public enum AttrType {
    INT(Integer.class), FLOAT(Float.class), BOOL(Boolean.class), STRING(String.class), INTS(int[].class), FLOATS(float[].class);

    final Class<?> javaType;

    AttrType(Class<?> javaType) { this.javaType = javaType; }
}
