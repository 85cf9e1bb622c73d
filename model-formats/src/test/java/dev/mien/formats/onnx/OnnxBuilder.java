package dev.mien.formats.onnx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/** Writes small ONNX models for tests, field by field, with the production protobuf writer. */
final class OnnxBuilder {
    private final List<ProtoWriter> nodes = new ArrayList<>(), inits = new ArrayList<>(), inputs = new ArrayList<>(), outputs = new ArrayList<>();
    private final List<ProtoWriter> extraModelFields = new ArrayList<>();
    long opset = 13;

    /** A float input; a dim of -1 is symbolic ("N"). */
    OnnxBuilder input(String name, long... dims) {
        inputs.add(valueInfo(name, dims));
        return this;
    }

    OnnxBuilder output(String name) {
        outputs.add(new ProtoWriter().string(1, name));
        return this;
    }

    OnnxBuilder init(String name, int[] dims, float[] data) {
        ByteBuffer b = ByteBuffer.allocate(4 * data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(data);
        ProtoWriter t = new ProtoWriter();
        for (int d : dims) t.int64(1, d);
        inits.add(t.int64(2, OnnxTensor.FLOAT).string(8, name).bytes(9, b.array()));
        return this;
    }

    OnnxBuilder initLongs(String name, long... v) {
        ProtoWriter t = new ProtoWriter().int64(1, v.length).int64(2, OnnxTensor.INT64).string(8, name).packedInt64s(7, v);
        inits.add(t);
        return this;
    }

    /** An initializer written as given (for hostile files). */
    OnnxBuilder rawInit(ProtoWriter tensor) {
        inits.add(tensor);
        return this;
    }

    OnnxBuilder node(String op, List<String> in, List<String> out, ProtoWriter... attrs) {
        ProtoWriter n = new ProtoWriter();
        for (String i : in) n.string(1, i);
        for (String o : out) n.string(2, o);
        n.string(3, out.isEmpty() ? op : out.get(0)).string(4, op);
        for (ProtoWriter a : attrs) n.message(5, a);
        nodes.add(n);
        return this;
    }

    OnnxBuilder node(String op, String in, String out, ProtoWriter... attrs) { return node(op, List.of(in), List.of(out), attrs); }

    static ProtoWriter ints(String name, long... v) {
        ProtoWriter w = new ProtoWriter().string(1, name).int64(20, OnnxModel.INTS);
        for (long x : v) w.int64(8, x);
        return w;
    }

    static ProtoWriter i(String name, long v) { return new ProtoWriter().string(1, name).int64(20, OnnxModel.INT).int64(3, v); }
    static ProtoWriter f(String name, float v) { return new ProtoWriter().string(1, name).int64(20, OnnxModel.FLOAT).float32(2, v); }
    static ProtoWriter s(String name, String v) { return new ProtoWriter().string(1, name).int64(20, OnnxModel.STRING).string(4, v); }

    static ProtoWriter valueInfo(String name, long... dims) {
        ProtoWriter shape = new ProtoWriter();
        for (long d : dims) shape.message(1, d < 0 ? new ProtoWriter().string(2, "N") : new ProtoWriter().int64(1, d));
        ProtoWriter tensor = new ProtoWriter().int64(1, OnnxTensor.FLOAT).message(2, shape);
        return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensor));
    }

    ProtoWriter graph() {
        ProtoWriter g = new ProtoWriter();
        for (ProtoWriter n : nodes) g.message(1, n);
        g.string(2, "test");
        for (ProtoWriter t : inits) g.message(5, t);
        for (ProtoWriter i : inputs) g.message(11, i);
        for (ProtoWriter o : outputs) g.message(12, o);
        return g;
    }

    byte[] bytes() {
        ProtoWriter m = new ProtoWriter().int64(1, 8).string(2, "mien-test");
        m.message(7, graph());
        m.message(8, new ProtoWriter().string(1, "").int64(2, opset));
        return m.toByteArray();
    }
}
