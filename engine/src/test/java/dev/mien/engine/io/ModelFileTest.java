package dev.mien.engine.io;

import dev.mien.engine.GraphBuilder;
import dev.mien.engine.Model;
import dev.mien.engine.Tensor;
import dev.mien.engine.ir.Attrs;
import dev.mien.engine.ir.Graph;
import dev.mien.engine.ir.Node;
import dev.mien.engine.ir.Op;
import dev.mien.kernels.KernelRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class ModelFileTest {
    @TempDir Path dir;

    Graph sample() {
        GraphBuilder b = new GraphBuilder(31);
        String x = b.input("x", 6, 6, 3);
        String c = b.conv(x, 3, 5, 3, 1, 1, 1, "relu", true);
        String p = b.node(Op.AVG_POOL2D, c, new Attrs().set("kernel", new int[]{2, 2}).set("ceil_mode", true)
                .set("count_include_pad", false));
        String g = b.node(Op.GLOBAL_MAX_POOL, p, new Attrs().set("keepdims", false));
        String s = b.node(Op.SCALE_SHIFT, List.of(g), new Attrs().set("activation", "leaky_relu").set("alpha", 0.1f),
                Map.of("scale", b.random(5), "shift", b.random(5)));
        Graph graph = b.build(s);
        return graph.withMetadata("architecture", "test").withMetadata("classes", "a,b,c,d,e");
    }

    @Test
    void roundTripKeepsGraphWeightsAndResults() throws IOException {
        Graph g = sample();
        Path f = dir.resolve("m.mien");
        ModelFile.write(f, g);
        assertTrue(ModelFile.looksLike(f));
        Graph r = ModelFile.read(f);
        assertEquals(g.metadata(), r.metadata());
        assertEquals(g.inputs(), r.inputs());
        assertEquals(g.outputs(), r.outputs());
        assertEquals(g.nodes().size(), r.nodes().size());
        for (int i = 0; i < g.nodes().size(); i++) {
            Node a = g.nodes().get(i), b = r.nodes().get(i);
            assertEquals(a.toString(), b.toString());
            for (String k : a.params().keySet()) {
                assertArrayEquals(a.param(k).shape(), b.param(k).shape());
                assertArrayEquals(a.param(k).data(), b.param(k).data());
            }
        }
        Tensor in = new GraphBuilder(5).random(2, 6, 6, 3);
        var be = KernelRegistry.create("scalar", 1);
        assertArrayEquals(new Model(g, be).run(Map.of("x", in)).get(g.outputs().get(0)).data(),
                new Model(r, be).run(Map.of("x", in)).get(r.outputs().get(0)).data());
    }

    /** A name in the header with terminal escapes (the fuzzer's attribute "\\u001b...on") is quoted escaped, never raw. */
    @Test
    void namesFromTheHeaderAreQuotedPrintable() throws IOException {
        Path f = dir.resolve("m.mien");
        ModelFile.write(f, sample());
        byte[] bytes = Files.readAllBytes(f);
        byte[] from = "ceil_mode".getBytes(java.nio.charset.StandardCharsets.US_ASCII), to = "\u001b[1m_mode".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        assertEquals(from.length, to.length);
        int at = -1;
        for (int i = 0; i + from.length <= bytes.length && at < 0; i++) if (Arrays.equals(bytes, i, i + from.length, from, 0, from.length)) at = i;
        assertTrue(at > 0, "the attribute's name is in the header");
        System.arraycopy(to, 0, bytes, at, to.length);
        Path evil = dir.resolve("evil.mien");
        Files.write(evil, bytes);
        Graph read = ModelFile.read(evil);   // the header is well formed; the node is not
        RuntimeException e = assertThrows(RuntimeException.class, () -> dev.mien.engine.ops.ShapeInference.infer(read, 1));
        assertTrue(e.getMessage().contains("unknown attribute '\\u001b[1m_mode'"), e.getMessage());
        assertTrue(e.getMessage().chars().noneMatch(c -> c < 0x20), "no control character: " + e.getMessage());
    }

    @Test
    void truncatedAndCorruptFilesGiveClearErrors() throws IOException {
        Path f = dir.resolve("m.mien");
        ModelFile.write(f, sample());
        byte[] bytes = Files.readAllBytes(f);
        for (int cut : new int[]{0, 3, 11, 40, bytes.length / 2, bytes.length - 1}) {
            Path t = dir.resolve("cut" + cut + ".mien");
            Files.write(t, Arrays.copyOf(bytes, cut));
            IOException e = assertThrows(IOException.class, () -> ModelFile.read(t), "cut at " + cut);
            assertTrue(e.getMessage().contains(t.toString()), e.getMessage());
        }
        byte[] bad = bytes.clone();
        bad[0] = 'X';
        Path b = dir.resolve("magic.mien");
        Files.write(b, bad);
        assertTrue(assertThrows(IOException.class, () -> ModelFile.read(b)).getMessage().contains("magic"));
        byte[] ver = bytes.clone();
        ver[4] = 99;
        Path v = dir.resolve("ver.mien");
        Files.write(v, ver);
        assertTrue(assertThrows(IOException.class, () -> ModelFile.read(v)).getMessage().contains("version"));
        // Two weights pointing at the same bytes: refused (a file could otherwise copy one region many times).
        java.nio.ByteBuffer hb = java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        int headerEnd = 12 + hb.getInt(8);
        List<Integer> slots = new java.util.ArrayList<>();
        for (int i = 12; i + 8 <= headerEnd; i++) {
            long at = hb.getLong(i);
            if (at > 0 && at % 64 == 0 && at >= headerEnd && at < bytes.length) { slots.add(i); i += 7; }
        }
        assertTrue(slots.size() >= 2, "weight offsets found: " + slots);
        byte[] overlap = bytes.clone();
        java.nio.ByteBuffer.wrap(overlap).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(slots.get(1), hb.getLong(slots.get(0)));
        Path o = dir.resolve("overlap.mien");
        Files.write(o, overlap);
        IOException oe = assertThrows(IOException.class, () -> ModelFile.read(o));
        assertTrue(oe.getMessage().contains("overlap"), oe.getMessage());
        // Random corruption of the header must never escape as anything but an IOException.
        java.util.Random rnd = new java.util.Random(7);
        for (int i = 0; i < 200; i++) {
            byte[] c = bytes.clone();
            for (int k = 0; k < 4; k++) c[12 + rnd.nextInt(Math.min(400, c.length - 12))] = (byte) rnd.nextInt(256);
            Path p = dir.resolve("c.mien");
            Files.write(p, c);
            try {
                ModelFile.read(p);
            } catch (IOException expected) {
                assertTrue(expected.getMessage().contains(p.toString()));
            }
        }
    }
}
