package dev.mien.engine.io;

import dev.mien.engine.Tensor;
import dev.mien.engine.ir.Attrs;
import dev.mien.engine.ir.Graph;
import dev.mien.engine.ir.Node;
import dev.mien.engine.ir.Op;
import dev.mien.engine.ir.ValueInfo;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Mien's own model file: one self-describing, memory-mappable file holding an optimised graph
 * and its weights. Layout (little-endian):
 * <pre>
 *   "MIEN" u32 version u32 headerBytes   header (graph, attributes, tensor table[, constants])
 *   zero padding to 64 bytes, then every weight tensor as raw fp32, each 64-byte aligned
 * </pre>
 * Tensor data offsets are absolute, so a reader can map the file and view weights in place.
 * After the node table the header may hold tagged sections (u32 tag, u32 length, bytes), each
 * written only when there is something to store: {@code CNST} the graph's constant tensors
 * (count, then name, shape and data offset each), and the {@link NetworkCardCodec#TAG CARD}
 * section storing the {@link dev.mien.engine.NetworkCard} typed. Readers skip tags they do not
 * know; files without a card (written before cards existed) get one derived from their string
 * metadata.
 */
public final class ModelFile {
    private ModelFile() {}

    static final byte[] MAGIC = {'M', 'I', 'E', 'N'};
    static final int VERSION = 1;
    static final int ALIGN = 64;
    /** Tag of the header section holding the graph's constant tensors ("CNST"). */
    static final int CONSTANTS_TAG = 0x54534E43;

    public static void write(Path file, Graph g) throws IOException {
        HeaderWriter h = new HeaderWriter();
        List<Tensor> blobs = new ArrayList<>();
        h.map(g.metadata());
        h.i32(g.inputs().size());
        for (ValueInfo vi : g.inputs()) { h.str(vi.name()); h.ints(vi.sampleShape()); h.str(vi.layout()); }
        h.strs(g.outputs());
        h.i32(g.nodes().size());
        // Data offsets are only known once the header size is; record tensor slots and patch later.
        List<Integer> offsetSlots = new ArrayList<>();
        for (Node n : g.nodes()) {
            h.str(n.name()); h.str(n.op().name()); h.strs(n.inputs()); h.strs(n.outputs());
            h.i32(n.attrs().asMap().size());
            for (var e : n.attrs().asMap().entrySet()) { h.str(e.getKey()); h.attr(e.getValue()); }
            h.i32(n.params().size());
            for (var e : n.params().entrySet()) {
                h.str(e.getKey()); h.ints(e.getValue().shape());
                offsetSlots.add(h.position());
                h.i64(0);
                blobs.add(e.getValue());
            }
        }
        if (!g.constants().isEmpty()) {
            h.i32(CONSTANTS_TAG);
            int lengthAt = h.position();
            h.i32(0);
            h.i32(g.constants().size());
            for (var e : g.constants().entrySet()) {
                h.str(e.getKey()); h.ints(e.getValue().shape());
                offsetSlots.add(h.position());
                h.i64(0);
                blobs.add(e.getValue());
            }
            h.i32At(lengthAt, h.position() - lengthAt - 4);
        }
        // A graph without inputs or outputs (a fragment) has no card to derive; it is stored without one.
        if (g.hasCard() || (!g.inputs().isEmpty() && !g.outputs().isEmpty())) {
            byte[] card = NetworkCardCodec.encode(g.card());
            h.i32(NetworkCardCodec.TAG);
            h.i32(card.length);
            h.raw(card);
        }
        byte[] header = h.bytes();
        long dataStart = align(12L + header.length);
        long[] offsets = new long[blobs.size()];
        long pos = dataStart;
        for (int i = 0; i < blobs.size(); i++) { offsets[i] = pos; pos = align(pos + 4L * blobs.get(i).size()); }
        ByteBuffer hb = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < offsets.length; i++) hb.putLong(offsetSlots.get(i), offsets[i]);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            ByteBuffer pre = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
            pre.put(MAGIC).putInt(VERSION).putInt(header.length).flip();
            writeFully(ch, pre);
            writeFully(ch, ByteBuffer.wrap(header));
            for (int i = 0; i < blobs.size(); i++) {
                ch.position(offsets[i]);
                float[] d = blobs.get(i).data();
                ByteBuffer bb = ByteBuffer.allocate(4 * d.length).order(ByteOrder.LITTLE_ENDIAN);
                bb.asFloatBuffer().put(d);
                writeFully(ch, bb);
            }
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException { while (b.hasRemaining()) ch.write(b); }

    static long align(long p) { return (p + ALIGN - 1) / ALIGN * ALIGN; }

    /** True when the file starts with Mien's magic bytes. */
    public static boolean looksLike(Path file) {
        try (var in = Files.newInputStream(file)) {
            byte[] b = in.readNBytes(4);
            return java.util.Arrays.equals(b, MAGIC);
        } catch (IOException e) {
            return false;
        }
    }

    public static Graph read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 12) throw new ModelFileException(file, "too short to be a Mien model (" + size + " bytes)");
            if (size > Integer.MAX_VALUE) throw new ModelFileException(file, "larger than 2 GiB, not supported");
            MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
            map.order(ByteOrder.LITTLE_ENDIAN);
            byte[] magic = new byte[4];
            map.get(magic);
            if (!java.util.Arrays.equals(magic, MAGIC)) throw new ModelFileException(file, "not a Mien model (bad magic)");
            int version = map.getInt();
            if (version != VERSION) throw new ModelFileException(file, "unsupported Mien model version " + version + " (this build reads " + VERSION + ")");
            int headerLen = map.getInt();
            if (headerLen < 0 || 12L + headerLen > size) throw new ModelFileException(file, "truncated: header of " + headerLen + " bytes does not fit");
            HeaderReader h = new HeaderReader(file, map.slice(12, headerLen).order(ByteOrder.LITTLE_ENDIAN));
            Map<String, String> meta = h.map();
            int nIn = h.count(8);
            List<ValueInfo> inputs = new ArrayList<>();
            for (int i = 0; i < nIn; i++) inputs.add(new ValueInfo(h.str(), h.ints(), h.str()));
            List<String> outputs = h.strs();
            int nNodes = h.count(16);
            List<Node> nodes = new ArrayList<>(nNodes);
            for (int i = 0; i < nNodes; i++) {
                String name = h.str();
                String opName = h.str();
                Op op;
                try { op = Op.valueOf(opName); } catch (IllegalArgumentException e) {
                    throw new ModelFileException(file, "node " + Printable.clip(name) + " has unknown op " + Printable.clip(opName) + " (written by a newer Mien?)");
                }
                List<String> ins = h.strs(), outs = h.strs();
                Attrs attrs = new Attrs();
                int nAttr = h.count(5);
                for (int k = 0; k < nAttr; k++) attrs.set(h.str(), h.attr());
                Map<String, Tensor> params = new LinkedHashMap<>();
                int nParam = h.count(16);
                for (int k = 0; k < nParam; k++) {
                    String key = h.str();
                    params.put(key, tensor(file, map, size, h, name + "." + key));
                }
                nodes.add(new Node(name, op, ins, outs, attrs, params));
            }
            return h.sections(new Graph(inputs, nodes, outputs, meta), map, size);
        } catch (java.nio.BufferUnderflowException | IndexOutOfBoundsException | IllegalArgumentException | NegativeArraySizeException e) {
            throw new ModelFileException(file, "corrupt header (" + Printable.clip(String.valueOf(e.getMessage()), 160) + ")");
        }
    }

    /** One tensor entry of the header (shape, data offset), its data copied out of the mapped file. */
    private static Tensor tensor(Path file, MappedByteBuffer map, long size, HeaderReader h, String what) throws ModelFileException {
        what = Printable.clip(what);
        int[] shape = h.ints();
        long off = h.i64();
        long count = 1;
        for (int d : shape) {
            count *= d;
            if (count > size) throw new ModelFileException(file, "corrupt: weights " + what + " larger than the file");
        }
        if (off < 0 || off % 4 != 0 || count > (size - Math.max(off, 0)) / 4 || off + 4 * count > size)
            throw new ModelFileException(file, "truncated or corrupt: weights " + what + " lie outside the file");
        // Weights never share bytes in a file Mien writes; refusing overlaps bounds what a file can
        // make us allocate by its size (no one region copied many times).
        if (count > 0) {
            var below = h.weightRanges.floorEntry(off);
            var above = h.weightRanges.ceilingEntry(off);
            if ((below != null && below.getValue() > off) || (above != null && above.getKey() < off + 4 * count))
                throw new ModelFileException(file, "corrupt: weights " + what + " overlap other weights");
            h.weightRanges.put(off, off + 4 * count);
        }
        return new Tensor(shape, DType.F32.decode(map, (int) off, (int) count, ByteOrder.LITTLE_ENDIAN));
    }

    /** A Mien model file that cannot be read; the message names the file. */
    public static final class ModelFileException extends IOException {
        public ModelFileException(Path file, String problem) { super(file + ": " + problem); }
    }

    private static final byte T_INT = 1, T_FLOAT = 2, T_BOOL = 3, T_STR = 4, T_INTS = 5, T_FLOATS = 6;

    private static final class HeaderWriter {
        private ByteBuffer b = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);

        private void room(int n) {
            if (b.remaining() >= n) return;
            ByteBuffer nb = ByteBuffer.allocate(Math.max(b.capacity() * 2, b.position() + n)).order(ByteOrder.LITTLE_ENDIAN);
            b.flip();
            nb.put(b);
            b = nb;
        }

        int position() { return b.position(); }
        void i32(int v) { room(4); b.putInt(v); }
        void i64(long v) { room(8); b.putLong(v); }
        void i32At(int pos, int v) { b.putInt(pos, v); }
        void raw(byte[] a) { room(a.length); b.put(a); }
        void str(String s) { byte[] u = s.getBytes(StandardCharsets.UTF_8); i32(u.length); room(u.length); b.put(u); }
        void strs(List<String> l) { i32(l.size()); l.forEach(this::str); }
        void ints(int[] a) { i32(a.length); for (int v : a) i32(v); }
        void map(Map<String, String> m) { i32(m.size()); m.forEach((k, v) -> { str(k); str(v); }); }
        void attr(Object v) {
            room(1);
            if (v instanceof Integer i) { b.put(T_INT); i32(i); }
            else if (v instanceof Float f) { b.put(T_FLOAT); room(4); b.putFloat(f); }
            else if (v instanceof Boolean z) { b.put(T_BOOL); room(1); b.put((byte) (z ? 1 : 0)); }
            else if (v instanceof String s) { b.put(T_STR); str(s); }
            else if (v instanceof int[] a) { b.put(T_INTS); ints(a); }
            else if (v instanceof float[] f) { b.put(T_FLOATS); i32(f.length); room(4 * f.length); for (float x : f) b.putFloat(x); }
            else throw new IllegalArgumentException("unsupported attribute " + v);
        }
        byte[] bytes() { byte[] out = new byte[b.position()]; b.flip(); b.get(out); return out; }
    }

    private static final class HeaderReader {
        private final Path file;
        private final ByteBuffer b;
        /** Byte ranges [start, end) of the weights read so far, by start. */
        final java.util.TreeMap<Long, Long> weightRanges = new java.util.TreeMap<>();

        HeaderReader(Path file, ByteBuffer b) { this.file = file; this.b = b; }

        /** A count whose elements take at least {@code minBytes} each must fit in what is left. */
        int count(int minBytes) throws ModelFileException {
            int n = b.getInt();
            if (n < 0 || (long) n * minBytes > b.remaining()) throw new ModelFileException(file, "corrupt header: count " + n + " exceeds the header");
            return n;
        }
        long i64() { return b.getLong(); }

        /** The tagged sections after the node table: constants and the card, attached to {@code g}. */
        Graph sections(Graph g, MappedByteBuffer map, long size) throws ModelFileException {
            while (b.remaining() >= 8) {
                int tag = b.getInt();
                int len = count(1);
                int end = b.position() + len;
                if (tag == CONSTANTS_TAG) {
                    Map<String, Tensor> constants = new LinkedHashMap<>();
                    int n = count(16);
                    for (int k = 0; k < n; k++) {
                        String name = str();
                        if (constants.put(name, tensor(file, map, size, this, "constant " + name)) != null)
                            throw new ModelFileException(file, "corrupt header: constant " + name + " appears twice");
                    }
                    if (b.position() != end) throw new ModelFileException(file, "corrupt header: constants section length " + len);
                    g = g.withConstants(constants);
                } else if (tag == NetworkCardCodec.TAG) {
                    ByteBuffer body = b.slice(b.position(), len);
                    try {
                        dev.mien.engine.NetworkCard card = NetworkCardCodec.decode(body);
                        if (!g.outputs().contains(card.output()))
                            throw new ModelFileException(file, "the card names output " + card.output() + ", which the graph does not have");
                        g = g.withCard(card);
                    } catch (NetworkCardCodec.CardException e) {
                        throw new ModelFileException(file, e.getMessage());
                    }
                }
                b.position(end);
            }
            return g;
        }

        String str() throws ModelFileException {
            int n = count(1);
            byte[] u = new byte[n];
            b.get(u);
            return new String(u, StandardCharsets.UTF_8);
        }
        List<String> strs() throws ModelFileException {
            int n = count(4);
            List<String> l = new ArrayList<>(n);
            for (int i = 0; i < n; i++) l.add(str());
            return l;
        }
        int[] ints() throws ModelFileException {
            int n = count(4);
            int[] a = new int[n];
            for (int i = 0; i < n; i++) {
                a[i] = b.getInt();
                if (a[i] < 0) throw new ModelFileException(file, "corrupt header: negative dimension");
            }
            return a;
        }
        Map<String, String> map() throws ModelFileException {
            int n = count(8);
            Map<String, String> m = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) m.put(str(), str());
            return m;
        }
        Object attr() throws ModelFileException {
            byte t = b.get();
            return switch (t) {
                case T_INT -> b.getInt();
                case T_FLOAT -> b.getFloat();
                case T_BOOL -> b.get() != 0;
                case T_STR -> str();
                case T_INTS -> { int n = count(4); int[] a = new int[n]; for (int i = 0; i < n; i++) a[i] = b.getInt(); yield a; }
                case T_FLOATS -> { int n = count(4); float[] a = new float[n]; for (int i = 0; i < n; i++) a[i] = b.getFloat(); yield a; }
                default -> throw new ModelFileException(file, "corrupt header: unknown attribute type " + t);
            };
        }
    }
}
