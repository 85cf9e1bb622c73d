package dev.mien.formats.onnx;

import dev.mien.engine.io.Printable;
import dev.mien.engine.io.ReadLimits;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads an ONNX ModelProto with {@link ProtoReader}. Everything a file can make it allocate is
 * bounded before allocation: tensor elements by {@link ReadLimits#maxTensorElements()}, message
 * nesting by {@link ReadLimits#maxNesting()}, nodes, initializers, attributes and dims by
 * {@link #MAX_GRAPH_ITEMS} / {@link #MAX_RANK}; every length is checked against the bytes that
 * are really there. Fields Mien does not use are skipped, not stored.
 */
public final class OnnxReader {
    /** Nodes, initializers, inputs, outputs or attribute values per graph / attribute; raise with -Dmien.limits.maxGraphItems. */
    public static final int MAX_GRAPH_ITEMS_DEFAULT = 1 << 20;
    /** Dims of one tensor (ONNX has no limit; real models stay under 8). */
    public static final int MAX_RANK = 32;
    /** A protobuf message is at most 2 GiB; larger models keep their weights in external data. */
    static final long MAX_FILE_BYTES = Integer.MAX_VALUE - 16;

    private final String source;
    private final ReadLimits limits;
    private final int maxItems;

    private OnnxReader(String source, ReadLimits limits) {
        this.source = source;
        this.limits = limits;
        this.maxItems = maxGraphItems();
    }

    static int maxGraphItems() {
        String v = System.getProperty("mien.limits.maxGraphItems");
        if (v == null || v.isBlank()) return MAX_GRAPH_ITEMS_DEFAULT;
        try {
            int x = Integer.parseInt(v.strip().replace("_", ""));
            if (x < 1) throw new NumberFormatException();
            return x;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("system property mien.limits.maxGraphItems must be a positive integer, got '" + Printable.clip(v, 40) + "'");
        }
    }

    /** Reads {@code file} (its bytes stay referenced by the model's raw tensors). */
    public static OnnxModel read(Path file) throws IOException {
        long size = Files.size(file);
        if (size > MAX_FILE_BYTES)
            throw new OnnxFormatException(file.toString(), "an ONNX file of " + size + " bytes is larger than protobuf's 2 GiB; store the weights as external data");
        Path dir = file.toAbsolutePath().getParent();
        return read(Files.readAllBytes(file), file.toString(), ReadLimits.current(), dir);
    }

    /** Reads a model held in memory; external data is resolved against {@code baseDir} (null: refused). */
    public static OnnxModel read(byte[] bytes, String source, ReadLimits limits, Path baseDir) throws OnnxFormatException {
        return new OnnxReader(source, limits).model(ProtoReader.of(bytes, source, "ModelProto", limits.maxNesting()), bytes, baseDir);
    }

    /** True when {@code head} (the first bytes of a file) plausibly starts an ONNX ModelProto. */
    public static boolean looksLikeOnnx(byte[] head) {
        // ModelProto's first field is almost always ir_version (field 1, varint): tag 0x08, then
        // a small version (3..12). Exporters that order fields differently still start with a
        // tag of a ModelProto field; a full parse decides.
        return head.length >= 2 && (head[0] & 0xff) == 0x08 && head[1] >= 1 && head[1] <= 64;
    }

    private OnnxModel model(ProtoReader r, byte[] bytes, Path baseDir) throws OnnxFormatException {
        long ir = 0;
        Map<String, Long> opsets = new LinkedHashMap<>();
        String producer = "", producerVersion = "";
        OnnxModel.Graph graph = null;
        Map<String, String> metadata = new LinkedHashMap<>();
        while (r.next()) {
            switch (r.field()) {
                case 1 -> ir = r.int64();
                case 2 -> producer = r.string();
                case 3 -> producerVersion = r.string();
                case 7 -> {
                    if (graph != null) throw r.error("more than one graph");
                    graph = graph(r.message("graph"));
                }
                case 8 -> {
                    ProtoReader o = r.message("opset_import");
                    String domain = "";
                    long version = 0;
                    while (o.next()) {
                        switch (o.field()) {
                            case 1 -> domain = o.string();
                            case 2 -> version = o.int64();
                            default -> o.skip();
                        }
                    }
                    if (opsets.size() >= 1000) throw r.error("more than 1000 opset imports");
                    opsets.put(domain, version);
                }
                case 14 -> {
                    String[] kv = stringEntry(r.message("metadata_props"));
                    count(r, metadata.size(), "metadata entries");
                    if (kv[0] != null && kv[1] != null) metadata.put(kv[0], kv[1]);
                }
                default -> r.skip();
            }
        }
        if (graph == null) throw new OnnxFormatException(source, "not an ONNX model: no graph (is this an ONNX file?)");
        return new OnnxModel(source, bytes, baseDir, ir, opsets, (producer + " " + producerVersion).strip(), graph, metadata);
    }

    private OnnxModel.Graph graph(ProtoReader r) throws OnnxFormatException {
        String name = "";
        List<OnnxModel.Node> nodes = new ArrayList<>();
        List<OnnxTensor> inits = new ArrayList<>();
        List<OnnxModel.ValueInfo> inputs = new ArrayList<>(), outputs = new ArrayList<>();
        while (r.next()) {
            switch (r.field()) {
                case 1 -> nodes.add(node(r.message("node[" + count(r, nodes.size(), "nodes") + "]")));
                case 2 -> name = r.string();
                case 5 -> inits.add(tensor(r.message("initializer[" + count(r, inits.size(), "initializers") + "]")));
                case 11 -> inputs.add(valueInfo(r.message("input[" + count(r, inputs.size(), "inputs") + "]")));
                case 12 -> outputs.add(valueInfo(r.message("output[" + count(r, outputs.size(), "outputs") + "]")));
                case 15 -> throw r.error("sparse initializers are not supported");
                default -> r.skip();
            }
        }
        return new OnnxModel.Graph(name, nodes, inits, inputs, outputs);
    }

    private int count(ProtoReader r, int n, String what) throws OnnxFormatException {
        if (n >= maxItems) throw r.error("more than " + maxItems + " " + what + " (limit mien.limits.maxGraphItems; raise it with -Dmien.limits.maxGraphItems=N)");
        return n;
    }

    private OnnxModel.Node node(ProtoReader r) throws OnnxFormatException {
        List<String> in = new ArrayList<>(), out = new ArrayList<>();
        String name = "", op = "", domain = "";
        Map<String, OnnxModel.Attribute> attrs = new LinkedHashMap<>();
        while (r.next()) {
            switch (r.field()) {
                case 1 -> { count(r, in.size(), "node inputs"); in.add(r.string()); }
                case 2 -> { count(r, out.size(), "node outputs"); out.add(r.string()); }
                case 3 -> name = r.string();
                case 4 -> op = r.string();
                case 7 -> domain = r.string();
                case 5 -> {
                    OnnxModel.Attribute a = attribute(r.message("attribute[" + count(r, attrs.size(), "attributes") + "]"));
                    if (attrs.put(a.name(), a) != null) throw r.error("attribute '" + Printable.clip(a.name()) + "' given twice");
                }
                default -> r.skip();
            }
        }
        if (op.isEmpty()) throw r.error("node '" + Printable.clip(name) + "' without an op_type");
        return new OnnxModel.Node(name, op, domain, in, out, attrs);
    }

    private OnnxModel.Attribute attribute(ProtoReader r) throws OnnxFormatException {
        String name = "", s = null;
        int type = 0;
        float f = 0;
        long i = 0;
        OnnxTensor t = null;
        ProtoReader.FloatList floats = new ProtoReader.FloatList();
        ProtoReader.LongList ints = new ProtoReader.LongList();
        List<String> strings = new ArrayList<>();
        boolean sawFloats = false, sawInts = false;
        while (r.next()) {
            switch (r.field()) {
                case 1 -> name = r.string();
                case 20 -> type = r.int32();
                case 2 -> f = r.float32();
                case 3 -> i = r.int64();
                case 4 -> s = r.string();
                case 5 -> t = tensor(r.message("t"));
                case 6 -> graph(r.message("g"));   // validated (bounded) and dropped: no supported op takes a subgraph
                case 7 -> { sawFloats = true; r.floats(floats, maxItems, "attribute floats"); }
                case 8 -> { sawInts = true; r.int64s(ints, maxItems, "attribute ints"); }
                case 9 -> { count(r, strings.size(), "attribute strings"); strings.add(r.string()); }
                case 11 -> graph(r.message("graphs"));
                default -> r.skip();
            }
        }
        if (name.isEmpty()) throw r.error("attribute without a name");
        if (type == 0) {
            // IR version < 3 writers may omit the type: infer it from the member that is set.
            type = t != null ? OnnxModel.TENSOR : s != null ? OnnxModel.STRING : sawInts ? OnnxModel.INTS : sawFloats ? OnnxModel.FLOATS
                    : !strings.isEmpty() ? OnnxModel.STRINGS : OnnxModel.INT;
        }
        return new OnnxModel.Attribute(name, type, f, i, s, t, floats.toArray(), ints.toArray(), strings);
    }

    private OnnxModel.ValueInfo valueInfo(ProtoReader r) throws OnnxFormatException {
        String name = "";
        int elem = 0;
        long[] dims = null;
        String[] params = null;
        while (r.next()) {
            switch (r.field()) {
                case 1 -> name = r.string();
                case 2 -> {
                    ProtoReader type = r.message("type");
                    while (type.next()) {
                        if (type.field() != 1) { type.skip(); continue; }
                        ProtoReader tt = type.message("tensor_type");
                        while (tt.next()) {
                            switch (tt.field()) {
                                case 1 -> elem = tt.int32();
                                case 2 -> {
                                    List<Long> d = new ArrayList<>();
                                    List<String> p = new ArrayList<>();
                                    ProtoReader shape = tt.message("shape");
                                    while (shape.next()) {
                                        if (shape.field() != 1) { shape.skip(); continue; }
                                        if (d.size() >= MAX_RANK) throw shape.error("more than " + MAX_RANK + " dims");
                                        ProtoReader dim = shape.message("dim");
                                        long v = -1;
                                        String param = null;
                                        while (dim.next()) {
                                            switch (dim.field()) {
                                                case 1 -> v = dim.int64();
                                                case 2 -> param = dim.string();
                                                default -> dim.skip();
                                            }
                                        }
                                        d.add(v < 0 ? -1 : v);
                                        p.add(param);
                                    }
                                    dims = d.stream().mapToLong(Long::longValue).toArray();
                                    params = p.toArray(String[]::new);
                                }
                                default -> tt.skip();
                            }
                        }
                    }
                }
                default -> r.skip();
            }
        }
        return new OnnxModel.ValueInfo(name, elem, dims, params);
    }

    private OnnxTensor tensor(ProtoReader r) throws OnnxFormatException {
        ProtoReader.LongList dims = new ProtoReader.LongList();
        int type = 0;
        String name = "";
        int[] raw = null;
        ProtoReader.FloatList floats = null;
        ProtoReader.LongList longs = null;
        String location = null;
        long offset = 0, length = -1;
        boolean external = false;
        long maxElements = Math.min(Integer.MAX_VALUE - 16, limits.maxTensorElements());
        int maxValues = (int) maxElements;
        while (r.next()) {
            switch (r.field()) {
                case 1 -> r.int64s(dims, MAX_RANK, "tensor dims");
                case 2 -> type = r.int32();
                case 8 -> name = r.string();
                case 9 -> raw = r.span();
                case 4, 10 -> {
                    if (floats == null) floats = new ProtoReader.FloatList();
                    if (r.field() == 4) r.floats(floats, maxValues, "float_data"); else r.doubles(floats, maxValues, "double_data");
                }
                case 5, 7, 11 -> {
                    if (longs == null) longs = new ProtoReader.LongList();
                    r.int64s(longs, maxValues, "integer data");
                }
                case 13 -> {
                    String[] kv = stringEntry(r.message("external_data"));
                    String k = kv[0], v = kv[1];
                    if (k == null || v == null) throw r.error("external_data entry without key or value");
                    switch (k) {
                        case "location" -> location = v;
                        case "offset" -> offset = parseLong(r, k, v);
                        case "length" -> length = parseLong(r, k, v);
                        default -> { }   // "checksum" and unknown keys: not used
                    }
                }
                case 14 -> external = r.int32() == 1;
                case 6 -> throw r.error("string tensors are not supported");
                default -> r.skip();
            }
        }
        long[] d = dims.toArray();
        long count = 1;
        for (long x : d) {
            if (x < 0) throw r.error("tensor '" + Printable.clip(name) + "' has a negative dim " + x);
            if (x > 0 && count > maxElements / x)
                throw r.error("tensor '" + Printable.clip(name) + "' has more than " + maxElements + " elements ("
                        + ReadLimits.howToRaise("maxTensorElements") + ")");
            count *= x;
        }
        int size = OnnxTensor.elementBytes(type);
        if (size == 0) throw r.error("tensor '" + Printable.clip(name) + "' has unsupported element type " + OnnxTensor.typeName(type));
        if (external) {
            if (location == null) throw r.error("tensor '" + Printable.clip(name) + "' is external but names no location");
            return new OnnxTensor(name, type, d, null, new OnnxTensor.External(location, offset, length), null, null);
        }
        int stores = (raw != null ? 1 : 0) + (floats != null ? 1 : 0) + (longs != null ? 1 : 0);
        if (stores > 1) throw r.error("tensor '" + Printable.clip(name) + "' stores its values twice");
        if (raw != null) {
            if ((long) raw[1] != count * size)
                throw r.error("tensor '" + Printable.clip(name) + "' " + java.util.Arrays.toString(d) + " " + OnnxTensor.typeName(type)
                        + " needs " + count * size + " bytes, raw_data has " + raw[1]);
            return new OnnxTensor(name, type, d, raw, null, null, null);
        }
        int n = floats != null ? floats.n : longs != null ? longs.n : 0;
        if (n != count)
            throw r.error("tensor '" + Printable.clip(name) + "' " + java.util.Arrays.toString(d) + " needs " + count + " values, has " + n);
        if (floats != null && !OnnxTensor.isFloatType(type) || longs != null && OnnxTensor.isFloatType(type) && type != OnnxTensor.FLOAT16 && type != OnnxTensor.BFLOAT16)
            throw r.error("tensor '" + Printable.clip(name) + "' stores " + OnnxTensor.typeName(type) + " values in the wrong field");
        if (floats == null && longs == null)   // no values at all: only an empty tensor (n == count == 0)
            return OnnxTensor.isFloatType(type) ? new OnnxTensor(name, type, d, null, null, new float[0], null)
                    : new OnnxTensor(name, type, d, null, null, null, new long[0]);
        return new OnnxTensor(name, type, d, null, null, floats == null ? null : floats.toArray(), longs == null ? null : longs.toArray());
    }

    /** A StringStringEntryProto (model metadata, external-data location): {key, value}, either may be null. */
    private static String[] stringEntry(ProtoReader e) throws OnnxFormatException {
        String k = null, v = null;
        while (e.next()) {
            switch (e.field()) {
                case 1 -> k = e.string();
                case 2 -> v = e.string();
                default -> e.skip();
            }
        }
        return new String[] {k, v};
    }

    private static long parseLong(ProtoReader r, String key, String v) throws OnnxFormatException {
        try {
            long x = Long.parseLong(v);
            if (x < 0) throw new NumberFormatException();
            return x;
        } catch (NumberFormatException e) {
            throw r.error("external_data " + key + " '" + Printable.clip(v, 40) + "' is not a non-negative integer");
        }
    }
}
