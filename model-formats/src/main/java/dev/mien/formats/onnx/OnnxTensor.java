package dev.mien.formats.onnx;

import java.util.Arrays;

/**
 * An ONNX TensorProto as read: its element type, dims, and where its values are. Exactly one
 * storage is set: {@code raw} (offset and length of raw_data in the file's bytes), {@code external}
 * (location, offset and length in a file beside the model), or typed values already decoded
 * ({@code floats} for float/double fields, {@code longs} for int32/int64/uint64 fields; ONNX
 * stores float16, bool and small integers in int32_data).
 */
public record OnnxTensor(String name, int dataType, long[] dims, int[] raw, External external, float[] floats, long[] longs) {

    /** ONNX TensorProto.DataType numbers. */
    public static final int FLOAT = 1, UINT8 = 2, INT8 = 3, UINT16 = 4, INT16 = 5, INT32 = 6, INT64 = 7, STRING = 8,
            BOOL = 9, FLOAT16 = 10, DOUBLE = 11, UINT32 = 12, UINT64 = 13, BFLOAT16 = 16;

    /** An external-data reference: the file's relative location, the byte offset and length (-1: to the end). */
    public record External(String location, long offset, long length) {}

    /** Number of elements (dims already checked against the limits by the reader). */
    public long elementCount() {
        long n = 1;
        for (long d : dims) n *= d;
        return n;
    }

    /** Bytes per element in raw_data, or 0 for types Mien does not read (string, complex). */
    public static int elementBytes(int dataType) {
        return switch (dataType) {
            case FLOAT, INT32, UINT32 -> 4;
            case DOUBLE, INT64, UINT64 -> 8;
            case UINT8, INT8, BOOL -> 1;
            case UINT16, INT16, FLOAT16, BFLOAT16 -> 2;
            default -> 0;
        };
    }

    public static boolean isFloatType(int dataType) {
        return dataType == FLOAT || dataType == DOUBLE || dataType == FLOAT16 || dataType == BFLOAT16;
    }

    public static String typeName(int dataType) {
        return switch (dataType) {
            case FLOAT -> "float32"; case UINT8 -> "uint8"; case INT8 -> "int8"; case UINT16 -> "uint16"; case INT16 -> "int16";
            case INT32 -> "int32"; case INT64 -> "int64"; case STRING -> "string"; case BOOL -> "bool"; case FLOAT16 -> "float16";
            case DOUBLE -> "float64"; case UINT32 -> "uint32"; case UINT64 -> "uint64"; case BFLOAT16 -> "bfloat16";
            default -> "type " + dataType;
        };
    }

    @Override public String toString() { return name + Arrays.toString(dims) + " " + typeName(dataType); }
}
