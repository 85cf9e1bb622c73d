package dev.mien.formats.torch;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Emits pickle opcodes by hand, to build test checkpoints (benign and malicious) without Python. */
public final class PickleWriter {
    public PickleWriter() {}

    final ByteArrayOutputStream out = new ByteArrayOutputStream();

    public PickleWriter op(int b) { out.write(b); return this; }
    public PickleWriter proto(int v) { return op(0x80).op(v); }
    public PickleWriter mark() { return op('('); }
    public PickleWriter stop() { return op('.'); }
    public PickleWriter global(String module, String name) {
        op('c');
        raw((module + "\n" + name + "\n").getBytes(StandardCharsets.UTF_8));
        return this;
    }
    public PickleWriter stackGlobal(String module, String name) { return str(module).str(name).op(0x93); }
    public PickleWriter str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        op('X');
        i32(b.length);
        raw(b);
        return this;
    }
    public PickleWriter integer(int v) { op('J'); return i32(v); }
    public PickleWriter tuple() { return op('t'); }
    public PickleWriter emptyDict() { return op('}'); }
    public PickleWriter setitem() { return op('s'); }
    public PickleWriter reduce() { return op('R'); }
    public PickleWriter binpersid() { return op('Q'); }
    public PickleWriter none() { return op('N'); }
    public PickleWriter newFalse() { return op(0x89); }
    public PickleWriter i32(int v) { for (int i = 0; i < 4; i++) out.write(v >>> (8 * i)); return this; }
    public PickleWriter raw(byte[] b) { out.write(b, 0, b.length); return this; }
    public PickleWriter put(int i) { return op('q').op(i); }
    public PickleWriter get(int i) { return op('h').op(i); }

    /** torch._utils._rebuild_tensor_v2(storage(key, numel), offset, size, stride, False, OrderedDict()). */
    public PickleWriter tensor(String storageType, String key, int numel, int offset, int[] size, int[] stride) {
        global("torch._utils", "_rebuild_tensor_v2");
        mark();
        mark().str("storage").global("torch", storageType).str(key).str("cpu").integer(numel).tuple().binpersid();
        integer(offset);
        mark(); for (int s : size) integer(s); tuple();
        mark(); for (int s : stride) integer(s); tuple();
        newFalse();
        global("collections", "OrderedDict").mark().tuple().reduce();
        tuple();
        return reduce();
    }

    public byte[] bytes() { return out.toByteArray(); }
}
