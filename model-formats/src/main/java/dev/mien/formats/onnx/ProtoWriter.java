package dev.mien.formats.onnx;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A writer of the protocol-buffers wire format: fields are written in the order the caller
 * gives them, so the same model always gives the same bytes. Embedded messages are built in
 * their own writer and copied in with their length.
 */
final class ProtoWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    byte[] toByteArray() { return out.toByteArray(); }

    ProtoWriter int64(int field, long v) {
        tag(field, ProtoReader.VARINT);
        varint(v);
        return this;
    }

    ProtoWriter float32(int field, float v) {
        tag(field, ProtoReader.I32);
        int b = Float.floatToRawIntBits(v);
        for (int i = 0; i < 4; i++) out.write(b >>> (8 * i));
        return this;
    }

    ProtoWriter string(int field, String s) { return bytes(field, s.getBytes(StandardCharsets.UTF_8)); }

    ProtoWriter bytes(int field, byte[] b) {
        tag(field, ProtoReader.LEN);
        varint(b.length);
        out.writeBytes(b);
        return this;
    }

    ProtoWriter message(int field, ProtoWriter m) { return bytes(field, m.toByteArray()); }

    /** A packed repeated int64 field. */
    ProtoWriter packedInt64s(int field, long[] v) {
        ProtoWriter p = new ProtoWriter();
        for (long x : v) p.varint(x);
        return bytes(field, p.toByteArray());
    }

    private void tag(int field, int wireType) { varint((long) field << 3 | wireType); }

    private void varint(long v) {
        while ((v & ~0x7fL) != 0) {
            out.write((int) (v & 0x7f) | 0x80);
            v >>>= 7;
        }
        out.write((int) v);
    }
}
