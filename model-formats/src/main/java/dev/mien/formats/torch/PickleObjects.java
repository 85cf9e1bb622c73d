package dev.mien.formats.torch;

import dev.mien.engine.io.Printable;

import java.math.BigInteger;
import java.util.List;
import java.util.Map;

/** The inert values the safe unpickler builds besides plain Java containers and numbers. */
public final class PickleObjects {
    private PickleObjects() {}

    /** A reference to a Python global (module.name); never resolved or called. */
    public record Global(String module, String name) {
        public String qualified() { return module + "." + name; }
        @Override public String toString() { return Printable.clip(qualified(), 120); }
    }

    /**
     * A short printable description of a pickled value for an error message: at most a few
     * dozen values, strings cut, never walking far, so a shared (DAG) or cyclic structure, a huge
     * integer or control characters from the file cannot make the message slow, long or unsafe.
     */
    public static String brief(Object o) {
        StringBuilder b = new StringBuilder();
        brief(o, b, 0, new int[]{24});
        return b.toString();
    }

    private static void brief(Object o, StringBuilder b, int depth, int[] budget) {
        if (--budget[0] < 0 || depth > 3) { b.append("..."); return; }
        if (o instanceof String s) b.append('\'').append(Printable.clip(s, 40)).append('\'');
        else if (o instanceof BigInteger i) b.append(i.bitLength() > 128 ? "<int of " + i.bitLength() + " bits>" : i.toString());
        else if (o instanceof Tuple t) seq(t.items(), "(", ")", b, depth, budget);
        else if (o instanceof List<?> l) seq(l, "[", "]", b, depth, budget);
        else if (o instanceof Map<?, ?> m) b.append("<dict of ").append(m.size()).append(" items>");
        else if (o instanceof byte[] a) b.append("<").append(a.length).append(" bytes>");
        else if (o == null || o instanceof Number || o instanceof Boolean || o instanceof Global) b.append(o == null ? "None" : o);
        else b.append('<').append(o.getClass().getSimpleName()).append('>');
    }

    private static void seq(List<?> items, String open, String close, StringBuilder b, int depth, int[] budget) {
        b.append(open);
        for (int i = 0; i < items.size(); i++) {
            if (i > 0) b.append(", ");
            if (budget[0] <= 0 || i >= 8) { b.append("..."); break; }
            brief(items.get(i), b, depth + 1, budget);
        }
        b.append(close);
    }

    /** A Python tuple. */
    public record Tuple(List<Object> items) {
        public Object get(int i) { return items.get(i); }
        public int size() { return items.size(); }
        @Override public String toString() { return brief(this); }
    }

    /** An instance of a class the reader does not interpret (custom classes, numpy arrays): kept inert. */
    public static final class Opaque {
        public final Global type;
        public final Object args;
        public Object state;

        Opaque(Global type, Object args) { this.type = type; this.args = args; }

        @Override public String toString() { return "<" + type + " object>"; }
    }

    /** A storage named by a persistent id; its bytes are read by the container. */
    public record StorageRef(String key, DType dtype, long numel) {}

    /** A tensor as torch._utils._rebuild_tensor_v2 describes it: a view on a storage. */
    public record TensorRef(StorageRef storage, long offset, long[] size, long[] stride) {
        public long numel() {
            long n = 1;
            for (long s : size) n *= s;
            return n;
        }
    }

    /** Element types of typed storages, by their torch names; decoded by the shared {@link dev.mien.engine.io.DType}. */
    public enum DType {
        FLOAT32(dev.mien.engine.io.DType.F32), FLOAT64(dev.mien.engine.io.DType.F64), FLOAT16(dev.mien.engine.io.DType.F16),
        BFLOAT16(dev.mien.engine.io.DType.BF16), INT64(dev.mien.engine.io.DType.I64), INT32(dev.mien.engine.io.DType.I32),
        INT16(dev.mien.engine.io.DType.I16), INT8(dev.mien.engine.io.DType.I8), UINT8(dev.mien.engine.io.DType.U8),
        BOOL(dev.mien.engine.io.DType.BOOL);

        public final int bytes;
        /** The shared decoder's type. */
        public final dev.mien.engine.io.DType decoded;

        DType(dev.mien.engine.io.DType decoded) { this.decoded = decoded; this.bytes = decoded.bytes; }

        /** torch.FloatStorage etc.; null when the name is not a storage type. */
        static DType ofStorage(String name) {
            return switch (name) {
                case "FloatStorage" -> FLOAT32;
                case "DoubleStorage" -> FLOAT64;
                case "HalfStorage" -> FLOAT16;
                case "BFloat16Storage" -> BFLOAT16;
                case "LongStorage" -> INT64;
                case "IntStorage" -> INT32;
                case "ShortStorage" -> INT16;
                case "CharStorage" -> INT8;
                case "ByteStorage" -> UINT8;
                case "BoolStorage" -> BOOL;
                default -> null;
            };
        }

        /** torch.float32 etc. (dtype objects passed to UntypedStorage-era rebuilds). */
        static DType ofTorchDtype(String name) {
            return switch (name) {
                case "float32", "float" -> FLOAT32;
                case "float64", "double" -> FLOAT64;
                case "float16", "half" -> FLOAT16;
                case "bfloat16" -> BFLOAT16;
                case "int64", "long" -> INT64;
                case "int32", "int" -> INT32;
                case "int16", "short" -> INT16;
                case "int8" -> INT8;
                case "uint8" -> UINT8;
                case "bool" -> BOOL;
                default -> null;
            };
        }
    }
}
