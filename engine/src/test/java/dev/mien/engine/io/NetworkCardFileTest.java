package dev.mien.engine.io;

import dev.mien.engine.GraphBuilder;
import dev.mien.engine.Model;
import dev.mien.engine.NetworkCard;
import dev.mien.engine.ir.Attrs;
import dev.mien.engine.ir.Graph;
import dev.mien.engine.ir.Op;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The network card through {@code .mien} files: typed round trip, older files, corrupt sections. */
class NetworkCardFileTest {
    @TempDir Path dir;

    /** A tiny classifier: conv, global pool, dense, softmax (as Keras importers emit it). */
    static Graph classifier() {
        GraphBuilder b = new GraphBuilder(3);
        String x = b.input("image", 8, 6, 1);
        String c = b.conv(x, 1, 4, 3, 1, 1, 1, "relu", true);
        String p = b.node(Op.GLOBAL_AVG_POOL, c, new Attrs().set("keepdims", false));
        String d = b.node(Op.DENSE, List.of(p), new Attrs().set("activation", "none"), Map.of("weight", b.random(4, 3), "bias", b.random(3)));
        String s = b.node(Op.SOFTMAX, d, new Attrs().set("axis", -1));
        return b.build(s);
    }

    static NetworkCard card(Graph g) {
        return NetworkCard.generic(g).withArchitecture("tiny").withPreprocessing("keras-gray-pm1")
                .withLabels(List.of("a,b", "c", "d")).withExtra("more", 1L << 40).withExtra("beta", 0.6f)
                .withExtra("num_classes", 3).withExtra("trained", true).withExtra("datasets", List.of("FER2013", "RAF-DB"))
                .withExtra("note", "héllo, wörld");
    }

    @Test
    void genericCardReadsTheGraph() {
        Graph g = classifier();
        NetworkCard c = NetworkCard.generic(g);
        assertEquals("generic", c.architecture());
        assertEquals("image", c.input());
        assertEquals(NetworkCard.Layout.NHWC, c.layout());
        assertArrayEquals(new int[]{8, 6, 1}, c.sampleShape());
        assertEquals(g.outputs().get(0), c.output());
        assertTrue(c.softmax(), "the output is a softmax");
        assertFalse(c.hasPreprocessing());
        assertEquals(List.of("class_0", "class_1", "class_2"), c.labelsFor(3));
        assertFalse(g.hasCard());
    }

    @Test
    void cardRoundTripsTypedThroughTheModelFile() throws IOException {
        Graph g = classifier();
        NetworkCard c = card(g);
        Path f = dir.resolve("m.mien");
        ModelFile.write(f, g.withCard(c));
        Graph r = ModelFile.read(f);
        assertTrue(r.hasCard());
        assertEquals(c, r.card());
        assertEquals(List.of("a,b", "c", "d"), r.card().labels(), "labels with commas survive: no joined strings");
        assertEquals(0.6, r.card().extra().get("beta"), "a float extra is stored as the number it prints as");
        assertEquals(3L, r.card().extra().get("num_classes"));
        assertEquals(1L << 40, r.card().extra().get("more"));
        assertEquals(Boolean.TRUE, r.card().extra().get("trained"));
        assertEquals(List.of("FER2013", "RAF-DB"), r.card().extra().get("datasets"));
        assertEquals("héllo, wörld", r.card().extra().get("note"));
        assertTrue(r.metadata().isEmpty(), "nothing went into string metadata");
        assertEquals(c, Model.of(r).card());
    }

    /** The file as a Mien build before cards wrote it: the same layout, the header ending at the node table. */
    static byte[] withoutCard(byte[] file) {
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        int headerLen = b.getInt(8);
        // The card is the last section: find its tag from the end of the header.
        for (int at = 12 + headerLen - 8; at >= 12; at--) {
            if (b.getInt(at) == NetworkCardCodec.TAG && at + 8 + b.getInt(at + 4) == 12 + headerLen) {
                byte[] out = file.clone();
                ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).putInt(8, at - 12);
                return out;
            }
        }
        throw new AssertionError("no card section");
    }

    @Test
    void olderFilesWithStringMetadataStillLoadWithADerivedCard() throws IOException {
        Graph g = classifier().withMetadata("architecture", "lanmsff").withMetadata("preprocessing", "lanmsff")
                .withMetadata("classes", "x,y,z").withMetadata("keras_version", "3.1");
        Path f = dir.resolve("new.mien");
        ModelFile.write(f, g);
        Path old = dir.resolve("old.mien");
        Files.write(old, withoutCard(Files.readAllBytes(f)));
        Graph r = ModelFile.read(old);
        assertFalse(r.hasCard());
        NetworkCard c = r.card();
        assertEquals("lanmsff", c.architecture());
        assertEquals("lanmsff", c.preprocessing());
        assertEquals(List.of("x", "y", "z"), c.labels());
        assertTrue(c.softmax());
        assertEquals(Map.of("keras_version", "3.1"), c.extra());
        assertEquals(g.metadata(), r.metadata());
    }

    @Test
    void aCorruptCardIsOneLineNamingTheFile() throws IOException {
        Graph g = classifier();
        Path f = dir.resolve("m.mien");
        ModelFile.write(f, g.withCard(card(g)));
        byte[] bytes = Files.readAllBytes(f);
        int headerLen = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getInt(8);
        int end = 12 + headerLen;
        // A card naming an output the graph lacks.
        Graph other = classifier();
        Path w = dir.resolve("wrong-output.mien");
        ModelFile.write(w, other.withCard(card(other).withOutput("nowhere", false)));
        IOException e = assertThrows(IOException.class, () -> ModelFile.read(w));
        assertTrue(e.getMessage().startsWith(w + ": ") && e.getMessage().contains("nowhere"), e.getMessage());
        // Every corruption of the card's bytes is an IOException naming the file, or a card that still validates.
        java.util.Random rnd = new java.util.Random(11);
        int cardStart = end - NetworkCardCodec.encode(card(g)).length;
        for (int i = 0; i < 100; i++) {
            byte[] c = bytes.clone();
            for (int k = 0; k < 3; k++) c[cardStart + rnd.nextInt(end - cardStart)] = (byte) rnd.nextInt(256);
            Path p = dir.resolve("c.mien");
            Files.write(p, c);
            try {
                assertNotNull(ModelFile.read(p).card());
            } catch (IOException expected) {
                assertTrue(expected.getMessage().startsWith(p + ": "), expected.getMessage());
                assertFalse(expected.getMessage().contains("\n"));
            }
        }
    }

    @Test
    void unknownSectionsFromNewerWritersAreSkipped() throws IOException {
        Graph g = classifier();
        // Vary the card's length until the padding before the weights has room for a 12-byte section.
        for (int pad = 0; pad < 64; pad++) {
            NetworkCard c = card(g).withExtra("pad", "p".repeat(pad));
            Path f = dir.resolve("m" + pad + ".mien");
            ModelFile.write(f, g.withCard(c));
            byte[] bytes = Files.readAllBytes(f);
            ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            int headerLen = b.getInt(8);
            if (ModelFile.align(12L + headerLen) - (12 + headerLen) < 12) continue;
            b.putInt(12 + headerLen, 0x5A5A5958).putInt(12 + headerLen + 4, 4).putInt(8, headerLen + 12);
            Path p = dir.resolve("future.mien");
            Files.write(p, bytes);
            assertEquals(c, ModelFile.read(p).card());
            return;
        }
        fail("no layout with room for an extra section");
    }

    @Test
    void extrasRefuseUntypedValues() {
        NetworkCard c = NetworkCard.generic(classifier());
        assertThrows(IllegalArgumentException.class, () -> c.withExtra("x", new Object()));
        assertThrows(IllegalArgumentException.class, () -> c.withExtra("x", List.of(1, 2)));
        assertThrows(IllegalArgumentException.class, () -> c.withExtra("", "v"));
    }
}
