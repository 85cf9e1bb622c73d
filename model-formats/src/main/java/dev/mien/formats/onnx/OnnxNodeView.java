package dev.mien.formats.onnx;

import dev.mien.engine.io.Printable;

import java.util.Arrays;
import java.util.List;

/** A node with typed attribute access and messages that name it. */
final class OnnxNodeView {
    final OnnxModel.Node node;
    final String source;

    OnnxNodeView(OnnxModel.Node node, String source) {
        this.node = node;
        this.source = source;
    }

    String op() { return node.opType(); }

    /** The node's name for messages: its own name, else its op and first output. */
    String label() {
        String n = node.name().isEmpty() ? (node.outputs().isEmpty() ? "?" : node.outputs().get(0)) : node.name();
        return node.opType() + " '" + Printable.clip(n) + "'";
    }

    OnnxFormatException error(String problem) {
        return new OnnxFormatException(source, label() + ": " + problem);
    }

    boolean has(String name) { return node.attr(name) != null; }

    long i(String name, long dflt) throws OnnxFormatException {
        OnnxModel.Attribute a = node.attr(name);
        if (a == null) return dflt;
        if (a.type() != OnnxModel.INT) throw error("attribute " + name + " must be an int");
        return a.i();
    }

    int intAttr(String name, long dflt) throws OnnxFormatException {
        long v = i(name, dflt);
        if (v != (int) v) throw error("attribute " + name + " = " + v + " is out of range");
        return (int) v;
    }

    float f(String name, float dflt) throws OnnxFormatException {
        OnnxModel.Attribute a = node.attr(name);
        if (a == null) return dflt;
        if (a.type() != OnnxModel.FLOAT) throw error("attribute " + name + " must be a float");
        return a.f();
    }

    String s(String name, String dflt) throws OnnxFormatException {
        OnnxModel.Attribute a = node.attr(name);
        if (a == null) return dflt;
        if (a.type() != OnnxModel.STRING || a.s() == null) throw error("attribute " + name + " must be a string");
        return a.s();
    }

    /** An ints attribute as int[] (null when absent and {@code dflt} is null). */
    int[] ints(String name, int[] dflt) throws OnnxFormatException {
        OnnxModel.Attribute a = node.attr(name);
        if (a == null) return dflt == null ? null : dflt.clone();
        if (a.type() != OnnxModel.INTS) throw error("attribute " + name + " must be a list of ints");
        long[] v = a.ints();
        int[] out = new int[v.length];
        for (int k = 0; k < v.length; k++) {
            if (v[k] != (int) v[k]) throw error("attribute " + name + " value " + v[k] + " is out of range");
            out[k] = (int) v[k];
        }
        return out;
    }

    float[] floats(String name) throws OnnxFormatException {
        OnnxModel.Attribute a = node.attr(name);
        if (a == null) return null;
        if (a.type() != OnnxModel.FLOATS) throw error("attribute " + name + " must be a list of floats");
        return a.floats();
    }

    List<String> inputs() { return node.inputs(); }
    List<String> outputs() { return node.outputs(); }

    /** Input {@code k}'s name, or null when absent or empty (an omitted optional input). */
    String input(int k) {
        return k < node.inputs().size() && !node.inputs().get(k).isEmpty() ? node.inputs().get(k) : null;
    }

    /** A normalised axis in [0, rank). */
    int axis(long a, int rank) throws OnnxFormatException {
        long k = a < 0 ? a + rank : a;
        if (k < 0 || k >= rank) throw error("axis " + a + " out of range for rank " + rank);
        return (int) k;
    }

    static String dims(int[] s) { return Arrays.toString(s); }
}
