package dev.mien.engine.io;

import dev.mien.engine.GraphBuilder;
import dev.mien.engine.Model;
import dev.mien.engine.Tensor;
import dev.mien.engine.ir.Attrs;
import dev.mien.engine.ir.Graph;
import dev.mien.engine.ir.Node;
import dev.mien.engine.ir.Op;
import dev.mien.engine.runtime.PackedModelWeights;
import dev.mien.kernels.Backend;
import dev.mien.kernels.KernelRegistry;
import dev.mien.kernels.PackedWeights;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Weights held once: a model built from a graph keeps only packed weights; a {@code .mien}
 * file stores them packed and a model loaded from it reads them from the mapping (no heap
 * copy); a file packed for another backend is repacked and computes the same bits; files of
 * the first format still load.
 */
class MappedModelTest {
    @TempDir Path dir;
    static final Backend VEC = KernelRegistry.create("vector", 2), REF = KernelRegistry.create("scalar", 1);

    /** Dense conv, depthwise conv, grouped 1x1 and a dense layer: every packed kind. */
    static Graph sample() {
        GraphBuilder b = new GraphBuilder(41);
        String x = b.input("x", 9, 9, 8);
        String c = b.conv(x, 8, 40, 3, 1, 1, 1, "relu", true);
        String d = b.conv(c, 40, 40, 3, 2, 1, 40, "relu6", true);
        String e = b.conv(d, 40, 32, 1, 1, 0, 2, "none", false);
        String g = b.node(Op.GLOBAL_AVG_POOL, e, new Attrs().set("keepdims", false));
        String y = b.node(Op.DENSE, List.of(g), new Attrs().set("activation", "none"), Map.of("weight", b.random(32, 7), "bias", b.random(7)));
        return b.build(y);
    }

    static float[] run(Model m, Tensor x) { return m.run(Map.of("x", x)).get(m.outputNames().get(0)).data(); }

    @Test
    void aModelKeepsOnlyPackedWeights() {
        Graph g = sample();
        Model m = new Model(g, VEC);
        long packs = g.nodes().stream().filter(PackedModelWeights::packs).count();
        assertEquals(packs, m.packedWeights().size());
        for (Node n : m.graph().nodes()) {
            if (n.op() == Op.CONV2D || n.op() == Op.DENSE) {
                assertNull(n.param("weight"), n.name() + " still holds its raw weight");
                assertTrue(n.attrs().has(PackedModelWeights.WEIGHT_SHAPE));
            }
        }
        assertEquals(g.parameterCount(), m.graph().parameterCount());
        // The caller's graph is not changed.
        assertTrue(g.nodes().stream().filter(PackedModelWeights::packs).allMatch(n -> n.param("weight") != null));
    }

    @Test
    void mappedModelReadsWeightsInPlaceAndComputesTheSameBits() throws IOException {
        Graph g = sample();
        Path f = dir.resolve("m.mien");
        ModelFile.write(f, g, VEC);
        Tensor x = new GraphBuilder(3).random(2, 9, 9, 8);
        float[] expected = run(new Model(g, VEC), x);
        Model m = Model.load(f, VEC);
        try (m) {
            assertArrayEquals(expected, run(m, x));
            for (Map.Entry<String, PackedWeights> e : m.packedWeights().entrySet())
                assertTrue(e.getValue().segment().isMapped(), e.getKey() + " was copied off the mapping");
            for (Node n : m.graph().nodes()) if (PackedModelWeights.packs(n)) assertNull(n.param("weight"));
        }
        // The mapping is released: the model cannot run any more, and says so before any kernel reads it.
        assertTrue(assertThrows(IllegalStateException.class, () -> run(m, x)).getMessage().contains("closed"));
    }

    @Test
    void weightsPackedForAnotherBackendAreRepackedWithIdenticalResults() throws IOException {
        Graph g = sample();
        Tensor x = new GraphBuilder(4).random(1, 9, 9, 8);
        Path scalarFile = dir.resolve("scalar.mien"), vectorFile = dir.resolve("vector.mien");
        ModelFile.write(scalarFile, g, REF);     // HWIO layout
        ModelFile.write(vectorFile, g, VEC);     // blocked layout
        try (Model a = Model.load(scalarFile, VEC); Model b = Model.load(vectorFile, REF)) {
            assertArrayEquals(run(new Model(g, VEC), x), run(a, x));
            assertArrayEquals(run(new Model(g, REF), x), run(b, x));
            // Only the depthwise layer, whose vector layout is HWIO too, stays on the mapping.
            assertEquals(1, a.packedWeights().values().stream().filter(p -> p.segment().isMapped()).count());
            assertTrue(b.packedWeights().values().stream().noneMatch(p -> p.segment().isMapped()));
        }
        // Reading for inspection unpacks to the original weights.
        Graph r = ModelFile.read(vectorFile);
        for (int i = 0; i < g.nodes().size(); i++)
            for (String k : g.nodes().get(i).params().keySet())
                assertArrayEquals(g.nodes().get(i).param(k).data(), r.nodes().get(i).param(k).data(), g.nodes().get(i).name() + "." + k);
    }

    @Test
    void aBuiltModelWritesItsPackedWeightsAsTheyAre() throws IOException {
        Graph g = sample();
        Model m = new Model(g, VEC);
        Path f = dir.resolve("from-model.mien");
        ModelFile.write(f, m);
        Tensor x = new GraphBuilder(5).random(1, 9, 9, 8);
        try (Model l = Model.load(f, VEC)) {
            assertArrayEquals(run(m, x), run(l, x));
        }
    }

    @Test
    void unknownLayoutIsRefusedWithAClearMessage() throws IOException {
        Path f = dir.resolve("m.mien");
        ModelFile.write(f, sample(), VEC);
        byte[] bytes = Files.readAllBytes(f);
        int at = indexOf(bytes, "blocked-cb".getBytes(StandardCharsets.UTF_8));
        assertTrue(at > 0);
        bytes[at] = 'X';
        Files.write(f, bytes);
        IOException e = assertThrows(IOException.class, () -> Model.load(f, VEC));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("layout"), e.getMessage());
    }

    @Test
    void firstFormatFilesStillLoad() throws IOException {
        Graph g = sample();
        Path f = dir.resolve("v1.mien");
        writeVersion1(f, g);
        Tensor x = new GraphBuilder(6).random(2, 9, 9, 8);
        try (Model m = Model.load(f, VEC)) {
            assertArrayEquals(run(new Model(g, VEC), x), run(m, x));
        }
    }

    private static int indexOf(byte[] a, byte[] b) {
        outer:
        for (int i = 0; i + b.length <= a.length; i++) {
            for (int k = 0; k < b.length; k++) if (a[i + k] != b[k]) continue outer;
            return i;
        }
        return -1;
    }

    /** The first file format, as the first writer laid it out: raw fp32 tensors, entries {name, shape, offset}. */
    private static void writeVersion1(Path file, Graph g) throws IOException {
        ByteBuffer h = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(g.metadata().size());
        g.metadata().forEach((k, v) -> { str(h, k); str(h, v); });
        h.putInt(g.inputs().size());
        for (var in : g.inputs()) { str(h, in.name()); ints(h, in.sampleShape()); str(h, in.layout()); }
        strs(h, g.outputs());
        h.putInt(g.nodes().size());
        List<Tensor> blobs = new java.util.ArrayList<>();
        List<Integer> slots = new java.util.ArrayList<>();
        for (Node n : g.nodes()) {
            str(h, n.name()); str(h, n.op().name()); strs(h, n.inputs()); strs(h, n.outputs());
            h.putInt(n.attrs().asMap().size());
            for (var e : n.attrs().asMap().entrySet()) {
                str(h, e.getKey());
                Object v = e.getValue();
                if (v instanceof Integer i) { h.put((byte) 1); h.putInt(i); }
                else if (v instanceof Float fl) { h.put((byte) 2); h.putFloat(fl); }
                else if (v instanceof Boolean z) { h.put((byte) 3); h.put((byte) (z ? 1 : 0)); }
                else if (v instanceof String s) { h.put((byte) 4); str(h, s); }
                else if (v instanceof int[] a) { h.put((byte) 5); ints(h, a); }
                else throw new IllegalStateException("attribute " + v);
            }
            h.putInt(n.params().size());
            for (var e : n.params().entrySet()) {
                str(h, e.getKey()); ints(h, e.getValue().shape());
                slots.add(h.position());
                h.putLong(0);
                blobs.add(e.getValue());
            }
        }
        int headerLen = h.position();
        long pos = (12L + headerLen + 63) / 64 * 64;
        long[] offsets = new long[blobs.size()];
        for (int i = 0; i < blobs.size(); i++) { offsets[i] = pos; pos = (pos + 4L * blobs.get(i).size() + 63) / 64 * 64; }
        for (int i = 0; i < offsets.length; i++) h.putLong(slots.get(i), offsets[i]);
        ByteBuffer out = ByteBuffer.allocate((int) pos).order(ByteOrder.LITTLE_ENDIAN);
        out.put(new byte[]{'M', 'I', 'E', 'N'}).putInt(1).putInt(headerLen);
        out.put(h.array(), 0, headerLen);
        for (int i = 0; i < blobs.size(); i++) {
            out.position((int) offsets[i]);
            for (float v : blobs.get(i).data()) out.putFloat(v);
        }
        Files.write(file, out.array());
    }

    private static void str(ByteBuffer b, String s) { byte[] u = s.getBytes(StandardCharsets.UTF_8); b.putInt(u.length); b.put(u); }
    private static void strs(ByteBuffer b, List<String> l) { b.putInt(l.size()); l.forEach(s -> str(b, s)); }
    private static void ints(ByteBuffer b, int[] a) { b.putInt(a.length); for (int v : a) b.putInt(v); }
}
