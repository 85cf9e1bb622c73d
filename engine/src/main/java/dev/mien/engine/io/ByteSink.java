package dev.mien.engine.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A growing little-endian byte buffer for the binary sections Mien writes (the model file's
 * header, the network card): fixed-width numbers, length-prefixed UTF-8 strings and int arrays.
 */
class ByteSink {
    private ByteBuffer b;

    ByteSink(int initialCapacity) { b = ByteBuffer.allocate(initialCapacity).order(ByteOrder.LITTLE_ENDIAN); }

    private void room(int n) {
        if (b.remaining() >= n) return;
        ByteBuffer nb = ByteBuffer.allocate(Math.max(b.capacity() * 2, b.position() + n)).order(ByteOrder.LITTLE_ENDIAN);
        b.flip();
        nb.put(b);
        b = nb;
    }

    int position() { return b.position(); }
    void i8(byte v) { room(1); b.put(v); }
    void i32(int v) { room(4); b.putInt(v); }
    void i64(long v) { room(8); b.putLong(v); }
    void f32(float v) { room(4); b.putFloat(v); }
    void f64(double v) { room(8); b.putDouble(v); }
    /** Overwrites the int at {@code pos} (a length or offset known only later). */
    void i32At(int pos, int v) { b.putInt(pos, v); }
    void raw(byte[] a) { room(a.length); b.put(a); }
    void str(String s) { byte[] u = s.getBytes(StandardCharsets.UTF_8); i32(u.length); raw(u); }
    void strs(List<String> l) { i32(l.size()); l.forEach(this::str); }
    void ints(int[] a) { i32(a.length); for (int v : a) i32(v); }
    byte[] bytes() { byte[] out = new byte[b.position()]; b.flip(); b.get(out); return out; }
}
