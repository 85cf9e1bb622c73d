package dev.mien.formats.torch;

import dev.mien.formats.torch.PickleObjects.Global;
import dev.mien.formats.torch.PickleObjects.Opaque;
import dev.mien.formats.torch.PickleObjects.StorageRef;
import dev.mien.formats.torch.PickleObjects.TensorRef;
import dev.mien.formats.torch.PickleObjects.Tuple;

import dev.mien.engine.io.ReadLimits;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A pickle interpreter that builds data and nothing else. Globals are inert names; calls
 * (REDUCE) are interpreted only for an allow-list of pure constructors (OrderedDict, tensor
 * rebuilds, {@code _codecs.encode}, numpy array reconstruction kept inert), and anything else
 * is refused. Objects of unknown classes (NEWOBJ) stay inert {@link Opaque} records. Every read
 * is bounds-checked against the input, so no input can loop, overflow or run code.
 *
 * <p>Like Python, dict keys must be hashable: lists, dicts and sets are refused as keys, and a
 * key made of tuples is hashed only when it is small ({@link ReadLimits#maxKeyNodes} values
 * counted with repeats), so a key that shares sub-tuples exponentially cannot hang the reader.
 * Decimal integer literals are capped at {@link ReadLimits#maxIntDigits} digits (Python's own
 * cap), since parsing them is quadratic; the memo and stacks at {@link ReadLimits#maxPickleMemo}.
 */
final class SafeUnpickler {
    private static final Object MARK = new Object() { @Override public String toString() { return "MARK"; } };

    private final Path file;
    private final byte[] in;
    private int pos;
    private final PersistentLoader persistentLoad;
    private final ReadLimits limits;

    /** Resolves a persistent id (a storage reference) to a value. */
    interface PersistentLoader { Object load(Object pid) throws CheckpointException; }
    private final List<Object> stack = new ArrayList<>();
    private final List<Integer> marks = new ArrayList<>();
    private final Map<Integer, Object> memo = new HashMap<>();

    SafeUnpickler(Path file, byte[] data, int start, PersistentLoader persistentLoad) {
        this.file = file;
        this.in = data;
        this.pos = start;
        this.persistentLoad = persistentLoad;
        this.limits = ReadLimits.current();
    }

    /** Position after the last STOP: the legacy format stores several pickles back to back. */
    int position() { return pos; }

    Object load() throws CheckpointException {
        try {
            return run();
        } catch (CheckpointException e) {
            throw e;
        } catch (ClassCastException | IndexOutOfBoundsException | NumberFormatException | ArithmeticException e) {
            throw fail("malformed pickle near byte " + pos + " (" + e.getClass().getSimpleName() + ")");
        }
    }

    private CheckpointException fail(String msg) { return new CheckpointException(file, msg); }

    private Object run() throws CheckpointException {
        while (true) {
            int op = u8();
            switch (op) {
                case 0x80 -> { int v = u8(); if (v > 5) throw fail("unsupported pickle protocol " + v); }
                case 0x95 -> skip(8);                                  // FRAME: framing is transparent
                case 0x2e -> { return pop(); }                         // STOP
                case 0x28 -> {                                         // MARK
                    if (marks.size() >= limits.maxPickleMemo()) throw fail("pickle opens more than " + limits.maxPickleMemo() + " MARKs (" + ReadLimits.howToRaise("maxPickleMemo") + ")");
                    marks.add(stack.size()); }
                case 0x30 -> pop();                                    // POP
                case 0x31 -> popMark();                                // POP_MARK
                case 0x32 -> push(peek());                             // DUP
                case 0x4e -> push(null);                               // NONE
                case 0x88 -> push(Boolean.TRUE);
                case 0x89 -> push(Boolean.FALSE);
                case 0x4a -> push((long) i32());                       // BININT
                case 0x4b -> push((long) u8());                        // BININT1
                case 0x4d -> push((long) u16());                       // BININT2
                case 0x8a -> push(longN(u8()));                        // LONG1
                case 0x8b -> push(longN(len(i32())));                  // LONG4
                case 0x49 -> push(intText(numberLine()));              // INT
                case 0x4c -> push(intText(numberLine().replace("L", ""))); // LONG
                case 0x46 -> push(floatText(numberLine()));            // FLOAT
                case 0x47 -> push(Double.longBitsToDouble(be64()));    // BINFLOAT
                case 0x58 -> push(utf8(len(i32())));                   // BINUNICODE
                case 0x8c -> push(utf8(u8()));                         // SHORT_BINUNICODE
                case 0x8d -> push(utf8(len64()));                      // BINUNICODE8
                case 0x56 -> push(line());                             // UNICODE (raw-unicode-escape, ASCII subset)
                case 0x54 -> push(latin1(len(i32())));                 // BINSTRING
                case 0x55 -> push(latin1(u8()));                       // SHORT_BINSTRING
                case 0x53 -> push(stripQuotes(line()));                // STRING
                case 0x42 -> push(bytes(len(i32())));                  // BINBYTES
                case 0x43 -> push(bytes(u8()));                        // SHORT_BINBYTES
                case 0x8e, 0x96 -> push(bytes(len64()));               // BINBYTES8, BYTEARRAY8
                case 0x5d -> push(new ArrayList<>());                  // EMPTY_LIST
                case 0x7d -> push(new LinkedHashMap<>());              // EMPTY_DICT
                case 0x29 -> push(new Tuple(List.of()));               // EMPTY_TUPLE
                case 0x8f -> push(new ArrayList<>());                  // EMPTY_SET (kept as a list)
                case 0x6c -> push(new ArrayList<>(popMark()));         // LIST
                case 0x74 -> push(new Tuple(popMark()));               // TUPLE
                case 0x85 -> { Object a = pop(); push(new Tuple(Arrays.asList(a))); }
                case 0x86 -> { Object b = pop(), a = pop(); push(new Tuple(Arrays.asList(a, b))); }
                case 0x87 -> { Object c = pop(), b = pop(), a = pop(); push(new Tuple(Arrays.asList(a, b, c))); }
                case 0x91 -> push(new ArrayList<>(popMark()));         // FROZENSET
                case 0x64 -> push(dictOf(popMark()));                  // DICT
                case 0x61 -> { Object v = pop(); list(peek()).add(v); } // APPEND
                case 0x65 -> { List<Object> items = popMark(); list(peek()).addAll(items); } // APPENDS
                case 0x90 -> { List<Object> items = popMark(); list(peek()).addAll(items); } // ADDITEMS
                case 0x73 -> { Object v = pop(), k = pop(); dict(peek()).put(key(k), v); } // SETITEM
                case 0x75 -> { List<Object> kv = popMark(); Map<Object, Object> d = dict(peek()); // SETITEMS
                    if (kv.size() % 2 != 0) throw fail("SETITEMS with an odd number of items");
                    for (int i = 0; i < kv.size(); i += 2) d.put(key(kv.get(i)), kv.get(i + 1)); }
                case 0x71 -> memoPut(u8());                            // BINPUT
                case 0x72 -> memoPut(i32());                      // LONG_BINPUT
                case 0x70 -> memoPut(memoIndex(line()));               // PUT
                case 0x94 -> memoPut(memo.size());                     // MEMOIZE
                case 0x68 -> push(memoGet(u8()));                      // BINGET
                case 0x6a -> push(memoGet(i32()));                // LONG_BINGET
                case 0x67 -> push(memoGet(memoIndex(line())));         // GET
                case 0x63 -> push(new Global(line(), line()));         // GLOBAL
                case 0x93 -> { Object name = pop(), module = pop();    // STACK_GLOBAL
                    if (!(name instanceof String n) || !(module instanceof String m)) throw fail("STACK_GLOBAL needs two strings");
                    push(new Global(m, n)); }
                case 0x51 -> push(persistentLoad.load(pop()));        // BINPERSID
                case 0x50 -> push(persistentLoad.load(line()));       // PERSID
                case 0x52 -> { Object args = pop(), fn = pop(); push(Calls.call(file, fn, args, this::key)); } // REDUCE
                case 0x81 -> { Object args = pop(), cls = pop(); push(Calls.newObject(file, cls, args)); } // NEWOBJ
                case 0x92 -> { pop(); Object args = pop(), cls = pop(); push(Calls.newObject(file, cls, args)); } // NEWOBJ_EX
                case 0x62 -> { Object state = pop(); Calls.build(peek(), state); } // BUILD
                case 0x69, 0x6f -> throw fail("refusing pickle opcode " + (op == 0x69 ? "INST" : "OBJ")
                        + " (instantiates a class by name); only tensors and plain containers are read");
                case 0x82, 0x83, 0x84 -> throw fail("refusing pickle extension-registry opcode (EXT*)");
                case 0x97, 0x98 -> throw fail("out-of-band pickle buffers are not supported");
                default -> throw fail(String.format("unknown pickle opcode 0x%02x at byte %d", op, pos - 1));
            }
        }
    }

    /** Checks a dict key as Python hashes it: refused when unhashable or too large to hash. */
    private Object key(Object k) throws CheckpointException {
        int[] budget = {limits.maxKeyNodes()};
        checkHashable(k, 0, budget);
        return k;
    }

    private void checkHashable(Object k, int depth, int[] budget) throws CheckpointException {
        if (--budget[0] < 0 || depth > limits.maxNesting())
            throw fail("a dict key nests or repeats more than " + limits.maxKeyNodes() + " values ("
                    + ReadLimits.howToRaise("maxKeyNodes") + ")");
        if (k instanceof Tuple t) {
            for (Object item : t.items()) checkHashable(item, depth + 1, budget);
        } else if (k instanceof List || k instanceof Map) {
            throw fail("unhashable dict key of type " + (k instanceof List ? "list" : "dict") + " (Python refuses it too)");
        }
    }

    private static final java.util.regex.Pattern NUMBER_TEXT = java.util.regex.Pattern.compile("\\s*[-+]?[0-9_.eEinfINFaAL]*\\s*");

    /** The text of INT, LONG and FLOAT, capped before it is parsed: parsing long numbers is quadratic. */
    private String numberLine() throws CheckpointException {
        int start = pos;
        int max = limits.maxIntDigits() + 8;
        while (pos < in.length && in[pos] != '\n') {
            if (pos - start > max) throw fail("integer literal at byte " + start + " exceeds " + limits.maxIntDigits()
                    + " digits (" + ReadLimits.howToRaise("maxIntDigits") + "; Python caps them too)");
            pos++;
        }
        pos = start;
        String s = line();
        if (!NUMBER_TEXT.matcher(s).matches()) throw fail("malformed number '" + dev.mien.engine.io.Printable.clip(s, 40) + "' at byte " + start);
        return s;
    }

    private int memoIndex(String text) throws CheckpointException {
        try {
            return Integer.parseInt(text.strip());
        } catch (NumberFormatException e) {
            throw fail("malformed memo index '" + dev.mien.engine.io.Printable.clip(text, 40) + "' at byte " + pos);
        }
    }

    private Object floatText(String s) throws CheckpointException {
        try {
            return Double.parseDouble(s.strip());
        } catch (NumberFormatException e) {
            throw fail("malformed float '" + dev.mien.engine.io.Printable.clip(s, 40) + "' at byte " + pos);
        }
    }

    // ---- stack and memo -----------------------------------------------------------------

    private void push(Object o) throws CheckpointException {
        if (stack.size() >= limits.maxPickleMemo())
            throw fail("pickle stack exceeds " + limits.maxPickleMemo() + " entries (" + ReadLimits.howToRaise("maxPickleMemo") + ")");
        stack.add(o);
    }

    private Object pop() throws CheckpointException {
        if (stack.isEmpty() || (!marks.isEmpty() && stack.size() <= marks.get(marks.size() - 1)))
            throw fail("pickle stack underflow at byte " + pos);
        return stack.remove(stack.size() - 1);
    }

    private Object peek() throws CheckpointException {
        if (stack.isEmpty()) throw fail("pickle stack underflow at byte " + pos);
        return stack.get(stack.size() - 1);
    }

    private List<Object> popMark() throws CheckpointException {
        if (marks.isEmpty()) throw fail("pickle MARK missing at byte " + pos);
        int m = marks.remove(marks.size() - 1);
        List<Object> items = new ArrayList<>(stack.subList(m, stack.size()));
        stack.subList(m, stack.size()).clear();
        return items;
    }

    private void memoPut(int index) throws CheckpointException {
        if (index < 0 || index >= limits.maxPickleMemo())
            throw fail("pickle memo index " + index + " out of range (" + ReadLimits.howToRaise("maxPickleMemo") + ")");
        memo.put(index, peek());
    }

    private Object memoGet(int index) throws CheckpointException {
        if (!memo.containsKey(index)) throw fail("pickle refers to memo entry " + index + " that was never stored");
        return memo.get(index);
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object o) throws CheckpointException {
        if (o instanceof List<?> l) return (List<Object>) l;
        throw fail("APPEND to a " + describe(o));
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> dict(Object o) throws CheckpointException {
        if (o instanceof Map<?, ?> m) return (Map<Object, Object>) m;
        if (o instanceof Opaque op) { // dict subclasses of unknown classes: keep items inert in the state
            if (!(op.state instanceof Map)) op.state = new LinkedHashMap<>();
            return (Map<Object, Object>) op.state;
        }
        throw fail("SETITEM on a " + describe(o));
    }

    private Map<Object, Object> dictOf(List<Object> kv) throws CheckpointException {
        if (kv.size() % 2 != 0) throw fail("DICT with an odd number of items");
        Map<Object, Object> d = new LinkedHashMap<>();
        for (int i = 0; i < kv.size(); i += 2) d.put(key(kv.get(i)), kv.get(i + 1));
        return d;
    }

    static String describe(Object o) { return o == null ? "None" : o.getClass().getSimpleName(); }

    // ---- input ------------------------------------------------------------------------

    private void need(long n) throws CheckpointException {
        if (n < 0 || pos + n > in.length) throw fail("truncated pickle (needs " + n + " more bytes at byte " + pos + ", file has " + (in.length - pos) + ")");
    }

    private int u8() throws CheckpointException { need(1); return in[pos++] & 0xff; }
    private int u16() throws CheckpointException { need(2); int v = (in[pos] & 0xff) | (in[pos + 1] & 0xff) << 8; pos += 2; return v; }
    private int i32() throws CheckpointException {
        need(4);
        int v = (in[pos] & 0xff) | (in[pos + 1] & 0xff) << 8 | (in[pos + 2] & 0xff) << 16 | (in[pos + 3]) << 24;
        pos += 4;
        return v;
    }
    private long be64() throws CheckpointException {
        need(8);
        long v = 0;
        for (int i = 0; i < 8; i++) v = (v << 8) | (in[pos + i] & 0xff);
        pos += 8;
        return v;
    }
    private int len(int n) throws CheckpointException {
        if (n < 0) throw fail("negative length in pickle at byte " + pos);
        need(n);
        return n;
    }
    private int len64() throws CheckpointException {
        need(8);
        long v = 0;
        for (int i = 7; i >= 0; i--) v = (v << 8) | (in[pos + i] & 0xff);
        pos += 8;
        if (v < 0 || v > Integer.MAX_VALUE - 8) throw fail("length " + v + " in pickle exceeds the file");
        return len((int) v);
    }
    private void skip(int n) throws CheckpointException { need(n); pos += n; }
    private byte[] bytes(int n) throws CheckpointException { need(n); byte[] b = Arrays.copyOfRange(in, pos, pos + n); pos += n; return b; }
    private String utf8(int n) throws CheckpointException { need(n); String s = new String(in, pos, n, StandardCharsets.UTF_8); pos += n; return s; }
    private String latin1(int n) throws CheckpointException { need(n); String s = new String(in, pos, n, StandardCharsets.ISO_8859_1); pos += n; return s; }

    private String line() throws CheckpointException {
        int start = pos;
        while (pos < in.length && in[pos] != '\n') pos++;
        if (pos >= in.length) throw fail("truncated pickle (unterminated text at byte " + start + ")");
        return new String(in, start, pos++ - start, StandardCharsets.UTF_8);
    }

    private Object longN(int n) throws CheckpointException {
        need(n);
        if (n == 0) return 0L;
        byte[] be = new byte[n];
        for (int i = 0; i < n; i++) be[i] = in[pos + n - 1 - i];
        pos += n;
        BigInteger v = new BigInteger(be);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private Object intText(String s) throws CheckpointException {
        if (s.equals("00")) return Boolean.FALSE;
        if (s.equals("01")) return Boolean.TRUE;
        BigInteger v;
        try {
            v = new BigInteger(s.strip());
        } catch (NumberFormatException e) {
            throw fail("malformed integer '" + dev.mien.engine.io.Printable.clip(s, 40) + "' at byte " + pos);
        }
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private static String stripQuotes(String s) {
        return s.length() >= 2 && (s.charAt(0) == '\'' || s.charAt(0) == '"') ? s.substring(1, s.length() - 1) : s;
    }

    /** The interpreted calls: a closed list of pure constructors. */
    static final class Calls {
        private Calls() {}

        /** Checks a value about to become a dict key. */
        interface KeyCheck { Object check(Object key) throws CheckpointException; }

        static Object call(Path file, Object fn, Object args, KeyCheck keys) throws CheckpointException {
            if (!(fn instanceof Global g)) throw new CheckpointException(file, "refusing to call a " + describe(fn) + " (pickle REDUCE)");
            List<Object> a = args instanceof Tuple t ? t.items() : null;
            if (a == null) throw new CheckpointException(file, "refusing to call " + g + ": arguments are not a tuple");
            switch (g.qualified()) {
                case "collections.OrderedDict": {
                    Map<Object, Object> d = new LinkedHashMap<>();
                    if (!a.isEmpty() && a.get(0) instanceof List<?> pairs)
                        for (Object p : pairs) if (p instanceof Tuple kv && kv.size() == 2) d.put(keys.check(kv.get(0)), kv.get(1));
                    return d;
                }
                case "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor":
                    return tensor(file, g, a);
                case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state":
                    if (a.isEmpty()) throw new CheckpointException(file, g + " without arguments");
                    return a.get(0);
                case "_codecs.encode": {
                    if (a.isEmpty() || !(a.get(0) instanceof String s)) throw new CheckpointException(file, "_codecs.encode without a string");
                    return s.getBytes(StandardCharsets.ISO_8859_1);
                }
                case "torch.Size", "builtins.tuple":
                    return new Tuple(a.isEmpty() || !(a.get(0) instanceof List<?> l) ? List.of() : new ArrayList<>(l));
                case "builtins.set", "builtins.frozenset", "builtins.list":
                    return a.isEmpty() || !(a.get(0) instanceof List<?> l) ? new ArrayList<>() : new ArrayList<>(l);
                case "torch.device":
                    return "device(" + (a.isEmpty() ? "" : PickleObjects.brief(a.get(0))) + ")";
                case "numpy.core.multiarray._reconstruct", "numpy._core.multiarray._reconstruct",
                     "numpy.core.multiarray.scalar", "numpy._core.multiarray.scalar", "numpy.dtype":
                    return new Opaque(g, args); // numpy data: kept inert, never interpreted
                default:
                    throw new CheckpointException(file, "refusing to call " + g + " (pickle REDUCE); only tensors and plain containers are read");
            }
        }

        static Object newObject(Path file, Object cls, Object args) throws CheckpointException {
            if (!(cls instanceof Global g)) throw new CheckpointException(file, "refusing NEWOBJ on a " + describe(cls));
            if (g.qualified().equals("collections.OrderedDict")) return new LinkedHashMap<>();
            return new Opaque(g, args);
        }

        @SuppressWarnings("unchecked")
        static void build(Object target, Object state) {
            if (target instanceof Opaque o) o.state = state;
            // BUILD on an OrderedDict carries torch's _metadata: not needed, ignored.
        }

        private static TensorRef tensor(Path file, Global g, List<Object> a) throws CheckpointException {
            if (a.size() < 4 || !(a.get(0) instanceof StorageRef st))
                throw new CheckpointException(file, g + ": expected (storage, offset, size, stride, ...)");
            long offset = num(file, a.get(1));
            long[] size = longs(file, a.get(2)), stride = longs(file, a.get(3));
            if (size.length != stride.length) throw new CheckpointException(file, "tensor size and stride ranks differ");
            return new TensorRef(st, offset, size, stride);
        }

        static long num(Path file, Object o) throws CheckpointException {
            if (o instanceof Long l) return l;
            throw new CheckpointException(file, "expected an integer, got " + describe(o));
        }

        static long[] longs(Path file, Object o) throws CheckpointException {
            List<Object> l = o instanceof Tuple t ? t.items() : o instanceof List<?> x ? new ArrayList<>(x) : null;
            if (l == null) throw new CheckpointException(file, "expected a tuple of integers, got " + describe(o));
            long[] r = new long[l.size()];
            for (int i = 0; i < r.length; i++) {
                r[i] = num(file, l.get(i));
                if (r[i] < 0) throw new CheckpointException(file, "negative tensor dimension or stride");
            }
            return r;
        }
    }
}
