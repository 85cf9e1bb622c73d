package dev.mien.formats.torch;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Emits pickle opcodes by hand, to build test checkpoints (benign and malicious) without Python. */
final class PickleWriter {
    final ByteArrayOutputStream out = new ByteArrayOutputStream();

    PickleWriter op(int b) { out.write(b); return this; }
    PickleWriter proto(int v) { return op(0x80).op(v); }
    PickleWriter mark() { return op('('); }
    PickleWriter stop() { return op('.'); }
    PickleWriter global(String module, String name) {
        op('c');
        raw((module + "\n" + name + "\n").getBytes(StandardCharsets.UTF_8));
        return this;
    }
    PickleWriter stackGlobal(String module, String name) { return str(module).str(name).op(0x93); }
    PickleWriter str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        op('X');
        i32(b.length);
        raw(b);
        return this;
    }
    PickleWriter integer(int v) { op('J'); return i32(v); }
    PickleWriter tuple() { return op('t'); }
    PickleWriter emptyDict() { return op('}'); }
    PickleWriter setitem() { return op('s'); }
    PickleWriter reduce() { return op('R'); }
    PickleWriter binpersid() { return op('Q'); }
    PickleWriter none() { return op('N'); }
    PickleWriter newFalse() { return op(0x89); }
    PickleWriter i32(int v) { for (int i = 0; i < 4; i++) out.write(v >>> (8 * i)); return this; }
    PickleWriter raw(byte[] b) { out.write(b, 0, b.length); return this; }
    PickleWriter put(int i) { return op('q').op(i); }
    PickleWriter get(int i) { return op('h').op(i); }

    /** torch._utils._rebuild_tensor_v2(storage(key, numel), offset, size, stride, False, OrderedDict()). */
    PickleWriter tensor(String storageType, String key, int numel, int offset, int[] size, int[] stride) {
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

    byte[] bytes() { return out.toByteArray(); }
}
