package dev.mien.formats.torch;

import java.util.List;

/** The inert values the safe unpickler builds besides plain Java containers and numbers. */
public final class PickleObjects {
    private PickleObjects() {}

    /** A reference to a Python global (module.name); never resolved or called. */
    public record Global(String module, String name) {
        public String qualified() { return module + "." + name; }
        @Override public String toString() { return qualified(); }
    }

    /** A Python tuple. */
    public record Tuple(List<Object> items) {
        public Object get(int i) { return items.get(i); }
        public int size() { return items.size(); }
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
