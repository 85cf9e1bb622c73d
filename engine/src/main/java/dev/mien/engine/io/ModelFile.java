package dev.mien.engine.io;

import dev.mien.engine.Tensor;
import dev.mien.engine.ir.Attrs;
import dev.mien.engine.ir.Graph;
import dev.mien.engine.ir.Node;
import dev.mien.engine.ir.Op;
import dev.mien.engine.ir.ValueInfo;

import dev.mien.engine.Model;
import dev.mien.engine.runtime.PackedModelWeights;
import dev.mien.engine.runtime.SavedWeights;
import dev.mien.kernels.Backend;
import dev.mien.kernels.KernelRegistry;
import dev.mien.kernels.PackedLayouts;
import dev.mien.kernels.PackedWeights;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Mien's own model file: one self-describing, memory-mappable file holding an optimised graph
 * and its weights. Layout (little-endian):
 * <pre>
 *   "MIEN" u32 version u32 headerBytes   header (graph, attributes, tensor table[, constants])
 *   zero padding to 64 bytes, then every weight tensor's bytes, each 64-byte aligned
 * </pre>
 * Tensor data offsets are absolute, so a reader maps the file and uses weights in place.
 * Version 2 stores every convolution and dense weight already packed for a kernel backend,
 * under a layout id ({@link PackedLayouts}: backend layout, vector length, format version);
 * each tensor entry is {@code name, shape, layout, offset, bytes}. A backend whose layout
 * matches uses the mapped bytes as they are; any other backend unpacks and repacks them on
 * the heap. Version 1 files (raw fp32 weights; entries {@code name, shape, offset}) still load.
 * After the node table the header may hold tagged sections (u32 tag, u32 length, bytes), each
 * written only when there is something to store: {@code CNST} the graph's constant tensors
 * (count, then name, shape and data offset each; raw fp32 in both versions), and the
 * {@link NetworkCardCodec#TAG CARD} section storing the {@link dev.mien.engine.NetworkCard}
 * typed. Readers skip tags they do not know; files without a card (written before cards
 * existed) get one derived from their string metadata.
 */
public final class ModelFile {
    private ModelFile() {}

    static final byte[] MAGIC = {'M', 'I', 'E', 'N'};
    static final int VERSION = 2;
    /** The first format: raw HWIO weights, no layout ids. Still read. */
    static final int VERSION_RAW = 1;
    static final int ALIGN = 64;
    /** Tag of the header section holding the graph's constant tensors ("CNST"). */
    static final int CONSTANTS_TAG = 0x54534E43;

    /** Writes the graph with its conv and dense weights packed for the default backend ({@link KernelRegistry#auto}). */
    public static void write(Path file, Graph g) throws IOException {
        try (Backend backend = KernelRegistry.auto(1)) {
            write(file, g, backend);
        }
    }

    /** Writes the graph with its conv and dense weights packed for {@code backend} (its layout is recorded). */
    public static void write(Path file, Graph g, Backend backend) throws IOException {
        write(file, g, n -> {
            if (!PackedModelWeights.packs(n)) return null;
            Tensor w = n.param("weight");
            if (w == null) throw new IllegalArgumentException(n.name() + ": the weight was stripped by a Model; write the Model instead");
            return PackedModelWeights.pack(n, w.shape(), w.data(), backend);
        });
    }

    /** Writes a built model: its stripped graph and its packed weights as they are. */
    public static void write(Path file, Model model) throws IOException {
        Map<String, PackedWeights> packed = model.packedWeights();
        write(file, model.graph(), n -> packed.get(n.name()));
    }

    /** One tensor's bytes to write: raw fp32 or packed. */
    private record Blob(String layout, MemorySegment data) {}

    private static void write(Path file, Graph g, Function<Node, PackedWeights> packer) throws IOException {
        HeaderWriter h = new HeaderWriter();
        List<Blob> blobs = new ArrayList<>();
        h.map(g.metadata());
        h.i32(g.inputs().size());
        for (ValueInfo vi : g.inputs()) { h.str(vi.name()); h.ints(vi.sampleShape()); h.str(vi.layout()); }
        h.strs(g.outputs());
        h.i32(g.nodes().size());
        // Data offsets are only known once the header size is; record tensor slots and patch later.
        List<Integer> offsetSlots = new ArrayList<>();
        for (Node n : g.nodes()) {
            PackedWeights pw = packer.apply(n);
            Attrs attrs = n.attrs();
            if (pw != null && attrs.has(PackedModelWeights.WEIGHT_SHAPE)) {
                // Stripped by a Model: the weight goes back into the param table, the attribute away.
                attrs = new Attrs();
                for (var e : n.attrs().asMap().entrySet()) if (!e.getKey().equals(PackedModelWeights.WEIGHT_SHAPE)) attrs.set(e.getKey(), e.getValue());
            }
            h.str(n.name()); h.str(n.op().name()); h.strs(n.inputs()); h.strs(n.outputs());
            h.i32(attrs.asMap().size());
            for (var e : attrs.asMap().entrySet()) { h.str(e.getKey()); h.attr(e.getValue()); }
            List<Map.Entry<String, Blob>> entries = new ArrayList<>();
            if (pw != null) entries.add(Map.entry("weight", new Blob(pw.layout(), pw.segment())));
            for (var e : n.params().entrySet()) {
                if (pw != null && e.getKey().equals("weight")) continue;
                entries.add(Map.entry(e.getKey(), new Blob(PackedLayouts.HWIO, MemorySegment.ofArray(e.getValue().data()))));
            }
            h.i32(entries.size());
            for (var e : entries) {
                int[] shape = e.getKey().equals("weight") && pw != null ? PackedModelWeights.weightShape(n) : n.param(e.getKey()).shape();
                h.str(e.getKey()); h.ints(shape); h.str(e.getValue().layout());
                offsetSlots.add(h.position());
                h.i64(0);
                h.i64(e.getValue().data().byteSize());
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
                blobs.add(new Blob(PackedLayouts.HWIO, MemorySegment.ofArray(e.getValue().data())));
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
        for (int i = 0; i < blobs.size(); i++) { offsets[i] = pos; pos = align(pos + blobs.get(i).data().byteSize()); }
        ByteBuffer hb = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < offsets.length; i++) hb.putLong(offsetSlots.get(i), offsets[i]);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            ByteBuffer pre = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
            pre.put(MAGIC).putInt(VERSION).putInt(header.length).flip();
            writeFully(ch, pre);
            writeFully(ch, ByteBuffer.wrap(header));
            ByteBuffer chunk = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
            MemorySegment chunkSeg = MemorySegment.ofBuffer(chunk);
            for (int i = 0; i < blobs.size(); i++) {
                ch.position(offsets[i]);
                MemorySegment d = blobs.get(i).data();
                // Element-wise copy: raw tensors are float[] (native order), packed ones little-endian bytes.
                for (long at = 0; at < d.byteSize(); at += chunk.capacity()) {
                    long n = Math.min(chunk.capacity(), d.byteSize() - at);
                    MemorySegment.copy(d, elementLayout(d), at, chunkSeg, PackedLayouts.F32, 0, n / 4);
                    chunk.clear().limit((int) n);
                    writeFully(ch, chunk);
                }
            }
        }
    }

    /** How to read a blob's floats: a float[]-backed segment holds them in native order, packed byte segments little-endian. */
    private static java.lang.foreign.ValueLayout elementLayout(MemorySegment d) {
        return d.heapBase().map(b -> b instanceof float[]).orElse(false)
                ? java.lang.foreign.ValueLayout.JAVA_FLOAT : PackedLayouts.F32;
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

    /**
     * A model file opened for a {@link Model}: the graph with its conv and dense weights stripped
     * (see {@link PackedModelWeights}), those weights as slices of the mapped file, and the
     * arena that owns the mapping (the caller closes it).
     */
    public record Mapped(Graph graph, Map<String, SavedWeights> weights, Arena arena) {}

    /** The graph with every weight as a plain heap tensor (packed weights unpacked): for inspecting and converting. */
    public static Graph read(Path file) throws IOException {
        Mapped m = map(file);
        try {
            List<Node> nodes = new ArrayList<>();
            for (Node n : m.graph().nodes()) {
                SavedWeights s = m.weights().get(n.name());
                if (s == null) { nodes.add(n); continue; }
                int[] shape = PackedModelWeights.weightShape(n);
                float[] w;
                try {
                    w = PackedModelWeights.unpack(n, shape, s);
                } catch (RuntimeException e) {
                    throw new ModelFileException(file, "weights " + n.name() + ": " + e.getMessage());
                }
                Attrs attrs = new Attrs();
                for (var e : n.attrs().asMap().entrySet()) if (!e.getKey().equals(PackedModelWeights.WEIGHT_SHAPE)) attrs.set(e.getKey(), e.getValue());
                Map<String, Tensor> params = new LinkedHashMap<>();
                params.put("weight", new Tensor(shape, w));
                params.putAll(n.params());
                nodes.add(new Node(n.name(), n.op(), n.inputs(), n.outputs(), attrs, params));
            }
            return m.graph().withNodes(nodes);
        } finally {
            m.arena().close();
        }
    }

    /** Maps the file; conv and dense weights stay in the mapping, every other tensor (bias, scales) is read to the heap. */
    public static Mapped map(Path file) throws IOException {
        Arena arena = Arena.ofShared();
        try {
            Mapped m = map(file, arena);
            return m;
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static Mapped map(Path file, Arena arena) throws IOException {
        MemorySegment map;
        long size;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            size = ch.size();
            if (size < 12) throw new ModelFileException(file, "too short to be a Mien model (" + size + " bytes)");
            map = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
        }
        try {
            ByteBuffer pre = map.asSlice(0, 12).asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            byte[] magic = new byte[4];
            pre.get(magic);
            if (!java.util.Arrays.equals(magic, MAGIC)) throw new ModelFileException(file, "not a Mien model (bad magic)");
            int version = pre.getInt();
            if (version != VERSION && version != VERSION_RAW)
                throw new ModelFileException(file, "unsupported Mien model version " + version + " (this build reads " + VERSION_RAW + " and " + VERSION + ")");
            int headerLen = pre.getInt();
            if (headerLen < 0 || 12L + headerLen > size) throw new ModelFileException(file, "truncated: header of " + headerLen + " bytes does not fit");
            HeaderReader h = new HeaderReader(file, map.asSlice(12, headerLen).asByteBuffer().order(ByteOrder.LITTLE_ENDIAN));
            Map<String, String> meta = h.map();
            int nIn = h.count(8);
            List<ValueInfo> inputs = new ArrayList<>();
            for (int i = 0; i < nIn; i++) inputs.add(new ValueInfo(h.str(), h.ints(), h.str()));
            List<String> outputs = h.strs();
            int nNodes = h.count(16);
            List<Node> nodes = new ArrayList<>(nNodes);
            Map<String, SavedWeights> saved = new LinkedHashMap<>();
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
                    int[] shape = h.ints();
                    String layout = version == VERSION_RAW ? PackedLayouts.HWIO : h.str();
                    long off = h.i64();
                    long count = 1;
                    for (int d : shape) {
                        count *= d;
                        if (count > size) throw new ModelFileException(file, "corrupt: weights " + name + "." + key + " larger than the file");
                    }
                    long bytes = version == VERSION_RAW ? 4 * count : h.i64();
                    if (off < 0 || bytes < 0 || bytes > size || off > size - bytes)
                        throw new ModelFileException(file, "truncated or corrupt: weights " + Printable.clip(name + "." + key) + " lie outside the file");
                    claim(file, h, off, bytes, name + "." + key);
                    MemorySegment data = map.asSlice(off, bytes);
                    boolean packed = key.equals("weight") && (op == Op.CONV2D || op == Op.DENSE);
                    if (packed) {
                        Node probe = new Node(name, op, ins, outs, attrs, Map.of());
                        long need;
                        try {
                            need = PackedLayouts.floats(layout, PackedModelWeights.packShape(probe, shape));
                        } catch (RuntimeException e) {
                            throw new ModelFileException(file, "corrupt: weights " + name + "." + key + " (" + e.getMessage() + ")");
                        }
                        if (need < 0) throw new ModelFileException(file, "weights " + name + " use the packed layout '" + layout
                                + "', which this build does not know (written by a newer Mien? re-convert the model)");
                        if (4 * need != bytes) throw new ModelFileException(file, "corrupt: weights " + name + " have " + bytes
                                + " bytes, layout " + layout + " needs " + 4 * need);
                        saved.put(name, new SavedWeights(layout, data));
                        attrs.set(PackedModelWeights.WEIGHT_SHAPE, shape);
                        continue;
                    }
                    if (!PackedLayouts.HWIO.equals(layout) || bytes != 4 * count)
                        throw new ModelFileException(file, "corrupt: tensor " + name + "." + key + " is stored as " + layout + " with " + bytes + " bytes");
                    float[] values = new float[(int) count];
                    MemorySegment.copy(data, PackedLayouts.F32, 0, values, 0, values.length);
                    params.put(key, new Tensor(shape, values));
                }
                nodes.add(new Node(name, op, ins, outs, attrs, params));
            }
            Graph g = new Graph(inputs, nodes, outputs, meta);
            return new Mapped(h.sections(g, map, size), saved, arena);
        } catch (java.nio.BufferUnderflowException | IndexOutOfBoundsException | IllegalArgumentException | NegativeArraySizeException e) {
            throw new ModelFileException(file, "corrupt header (" + Printable.reason(e, 160) + ")");
        }
    }

    /**
     * Records that bytes [off, off + bytes) hold one tensor. Weights never share bytes in a file
     * Mien writes; refusing overlaps bounds what a file can make us allocate by its size (no one
     * region copied many times).
     */
    private static void claim(Path file, HeaderReader h, long off, long bytes, String what) throws ModelFileException {
        if (bytes <= 0) return;
        var below = h.weightRanges.floorEntry(off);
        var above = h.weightRanges.ceilingEntry(off);
        if ((below != null && below.getValue() > off) || (above != null && above.getKey() < off + bytes))
            throw new ModelFileException(file, "corrupt: weights " + Printable.clip(what) + " overlap other weights");
        h.weightRanges.put(off, off + bytes);
    }

    /** One tensor entry of the header (shape, data offset), its data copied out of the mapped file. */
    private static Tensor tensor(Path file, MemorySegment map, long size, HeaderReader h, String what) throws ModelFileException {
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
        claim(file, h, off, 4 * count, what);
        float[] values = new float[(int) count];
        MemorySegment.copy(map, PackedLayouts.F32, off, values, 0, values.length);
        return new Tensor(shape, values);
    }

    /** A Mien model file that cannot be read; the message names the file. */
    public static final class ModelFileException extends IOException {
        /** The problem may quote names from the file's header: made printable and cut here, once for every message. */
        public ModelFileException(Path file, String problem) { super(file + ": " + Printable.clip(problem, Printable.PROBLEM)); }
    }

    private static final byte T_INT = 1, T_FLOAT = 2, T_BOOL = 3, T_STR = 4, T_INTS = 5, T_FLOATS = 6;

    /** The header's own encodings (string maps, typed attributes) on top of {@link ByteSink}. */
    private static final class HeaderWriter extends ByteSink {
        HeaderWriter() { super(1 << 16); }

        void map(Map<String, String> m) { i32(m.size()); m.forEach((k, v) -> { str(k); str(v); }); }
        void attr(Object v) {
            if (v instanceof Integer i) { i8(T_INT); i32(i); }
            else if (v instanceof Float f) { i8(T_FLOAT); f32(f); }
            else if (v instanceof Boolean z) { i8(T_BOOL); i8((byte) (z ? 1 : 0)); }
            else if (v instanceof String s) { i8(T_STR); str(s); }
            else if (v instanceof int[] a) { i8(T_INTS); ints(a); }
            else if (v instanceof float[] f) { i8(T_FLOATS); i32(f.length); for (float x : f) f32(x); }
            else throw new IllegalArgumentException("unsupported attribute " + v);
        }
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
        Graph sections(Graph g, MemorySegment map, long size) throws ModelFileException {
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
