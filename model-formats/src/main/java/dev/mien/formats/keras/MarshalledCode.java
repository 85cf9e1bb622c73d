package dev.mien.formats.keras;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * The parts of a marshalled Python code object (how Keras stores a Lambda's function) that
 * decide what it computes: argument counts, flags, the bytecode, its constants, the global and
 * attribute names it uses, its local names and its exception table. Debug data (file name,
 * function name, line numbers, the CO_NESTED flag) is skipped. Only read, never run; the reader is bounded (depth,
 * sizes) and answers null for anything it does not parse. The layout is CPython 3.11/3.12's.
 *
 * <p>Constants are rendered as a canonical text (None, True, -1, 'axis', ('a', 'b'), b'..'),
 * so two code objects compare equal exactly when they would run the same bytecode on the same
 * constants and names.
 */
record MarshalledCode(int argCount, int posOnlyArgCount, int kwOnlyArgCount, int flags, String codeHex,
                      List<String> consts, List<String> names, List<String> localNames, String localKindsHex,
                      String exceptionTableHex) {

    private static final int MAX_DEPTH = 8;
    private static final int CO_NESTED = 0x10;
    private static final int MAX_ITEMS = 1024;

    /** Parses {@code data} as one marshalled code object; null when it is not one this reader knows. */
    static MarshalledCode parse(byte[] data) {
        try {
            Reader r = new Reader(data);
            Object o = r.object(0);
            return o instanceof MarshalledCode c && r.at() == data.length ? c : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static final class Reader {
        private final ByteBuffer in;
        private final List<Object> refs = new ArrayList<>();

        Reader(byte[] data) { in = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN); }

        int at() { return in.position(); }

        private int count() {
            int n = in.getInt();
            if (n < 0 || n > in.remaining()) throw new IllegalArgumentException("bad length");
            return n;
        }

        private byte[] bytes(int n) {
            byte[] b = new byte[n];
            in.get(b);
            return b;
        }

        Object object(int depth) {
            if (depth > MAX_DEPTH) throw new IllegalArgumentException("too deep");
            int code = in.get() & 0xff;
            boolean ref = (code & 0x80) != 0;
            int type = code & 0x7f;
            int slot = -1;
            if (ref) { slot = refs.size(); refs.add(null); }
            Object v = switch (type) {
                case 'N' -> Singleton.None;
                case 'T' -> Singleton.True;
                case 'F' -> Singleton.False;
                case 'i' -> in.getInt();
                case 'g' -> in.getDouble();
                case 's' -> new Bytes(bytes(count()));
                case 'z', 'Z' -> new String(bytes(in.get() & 0xff), StandardCharsets.ISO_8859_1);
                case 'a', 'A', 't' -> new String(bytes(count()), StandardCharsets.ISO_8859_1);
                case 'u' -> new String(bytes(count()), StandardCharsets.UTF_8);
                case ')' -> tuple(in.get() & 0xff, depth);
                case '(' -> tuple(count(), depth);
                case 'r' -> {
                    int i = in.getInt();
                    if (i < 0 || i >= refs.size() || refs.get(i) == null) throw new IllegalArgumentException("bad ref");
                    yield refs.get(i);
                }
                case 'c' -> code(depth);
                default -> throw new IllegalArgumentException("unknown marshal type");
            };
            if (slot >= 0) refs.set(slot, v);
            return v;
        }

        private List<Object> tuple(int n, int depth) {
            if (n > MAX_ITEMS) throw new IllegalArgumentException("too many items");
            List<Object> items = new ArrayList<>(n);
            for (int i = 0; i < n; i++) items.add(object(depth + 1));
            return items;
        }

        private MarshalledCode code(int depth) {
            int argCount = in.getInt(), posOnly = in.getInt(), kwOnly = in.getInt();
            in.getInt(); // stack size: a consequence of the bytecode
            // CO_NESTED says where the lambda was written (inside a function), not what it does.
            int flags = in.getInt() & ~CO_NESTED;
            Bytes code = (Bytes) object(depth + 1);
            List<?> consts = (List<?>) object(depth + 1);
            List<?> names = (List<?>) object(depth + 1);
            List<?> localNames = (List<?>) object(depth + 1);
            Bytes localKinds = (Bytes) object(depth + 1);
            object(depth + 1); // file name
            object(depth + 1); // name
            object(depth + 1); // qualified name
            in.getInt();       // first line
            object(depth + 1); // line table
            Bytes exceptions = (Bytes) object(depth + 1);
            List<String> c = new ArrayList<>();
            for (Object o : consts) c.add(canonical(o));
            return new MarshalledCode(argCount, posOnly, kwOnly, flags, code.hex(), List.copyOf(c),
                    strings(names), strings(localNames), localKinds.hex(), exceptions.hex());
        }

        private static List<String> strings(List<?> l) {
            List<String> out = new ArrayList<>();
            for (Object o : l) out.add((String) o);
            return List.copyOf(out);
        }

        private static String canonical(Object o) {
            if (o instanceof String s) return "'" + s + "'";
            if (o instanceof Bytes b) return "b'" + b.hex() + "'";
            if (o instanceof List<?> l) {
                List<String> parts = new ArrayList<>();
                for (Object x : l) parts.add(canonical(x));
                return "(" + String.join(", ", parts) + ")";
            }
            if (o instanceof MarshalledCode c) return c.toString();
            return String.valueOf(o);
        }
    }

    private enum Singleton { None, True, False }

    /** Bytes compared by content. */
    private record Bytes(byte[] b) {
        String hex() { return HexFormat.of().formatHex(b); }
        @Override public boolean equals(Object o) { return o instanceof Bytes x && Arrays.equals(b, x.b); }
        @Override public int hashCode() { return Arrays.hashCode(b); }
    }
}
