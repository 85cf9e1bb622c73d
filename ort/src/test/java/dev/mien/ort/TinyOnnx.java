package dev.mien.ort;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Writes a tiny ONNX model for the tests, straight in protobuf wire format:
 * {@code y = Relu(x * w)} with x of shape [batch, 2, 3] (batch dynamic, "N", or fixed) and a
 * constant w of shape [3] broadcast along the last axis.
 */
final class TinyOnnx {
    private TinyOnnx() {}

    static byte[] mulRelu(float[] w, long fixedBatch) {
        Proto x = new Proto().bytes(1, "x").msg(2, new Proto().msg(1, tensorType(fixedBatch, 2, 3)));
        Proto y = new Proto().bytes(1, "y").msg(2, new Proto().msg(1, tensorType(fixedBatch, 2, 3)));
        ByteBuffer raw = ByteBuffer.allocate(4 * w.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : w) raw.putFloat(v);
        Proto weight = new Proto().varint(1, w.length).varint(2, 1).bytes(8, "w").bytes(9, raw.array());
        Proto mul = new Proto().bytes(1, "x").bytes(1, "w").bytes(2, "xw").bytes(3, "mul").bytes(4, "Mul");
        Proto relu = new Proto().bytes(1, "xw").bytes(2, "y").bytes(3, "relu").bytes(4, "Relu");
        Proto graph = new Proto().msg(1, mul).msg(1, relu).bytes(2, "tiny").msg(5, weight).msg(11, x).msg(12, y);
        return new Proto().varint(1, 7).msg(7, graph).msg(8, new Proto().bytes(1, "").varint(2, 13)).toBytes();
    }

    /** TypeProto.Tensor of float with shape [batch or "N", dims...]. */
    private static Proto tensorType(long fixedBatch, long... dims) {
        Proto shape = new Proto();
        shape.msg(1, fixedBatch > 0 ? new Proto().varint(1, fixedBatch) : new Proto().bytes(2, "N"));
        for (long d : dims) shape.msg(1, new Proto().varint(1, d));
        return new Proto().varint(1, 1).msg(2, shape);
    }

    /** A protobuf message being written: fields in the order added. */
    static final class Proto {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Proto varint(int field, long v) { tag(field, 0); raw(v); return this; }
        Proto bytes(int field, String s) { return bytes(field, s.getBytes(StandardCharsets.UTF_8)); }
        Proto bytes(int field, byte[] b) { tag(field, 2); raw(b.length); out.writeBytes(b); return this; }
        Proto msg(int field, Proto m) { return bytes(field, m.toBytes()); }
        byte[] toBytes() { return out.toByteArray(); }

        private void tag(int field, int wire) { raw(((long) field << 3) | wire); }
        private void raw(long v) {
            while ((v & ~0x7FL) != 0) { out.write((int) (v & 0x7F) | 0x80); v >>>= 7; }
            out.write((int) v);
        }
    }
}
