package dev.mien.formats.torch;

import dev.mien.engine.Tensor;
import dev.mien.formats.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.*;

class TorchCheckpointTest {
    @TempDir Path dir;

    /** A zip checkpoint with the given pickle and storages, under an arbitrary archive folder. */
    Path zip(String name, String folder, byte[] pickle, Map<String, byte[]> storages) throws IOException {
        Path p = dir.resolve(name);
        try (OutputStream os = Files.newOutputStream(p); ZipOutputStream z = new ZipOutputStream(os)) {
            z.setMethod(ZipOutputStream.STORED);
            put(z, folder + "/data.pkl", pickle);
            for (var e : storages.entrySet()) put(z, folder + "/data/" + e.getKey(), e.getValue());
            put(z, folder + "/version", "3\n".getBytes());
        }
        return p;
    }

    static void put(ZipOutputStream z, String name, byte[] data) throws IOException {
        ZipEntry e = new ZipEntry(name);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setSize(data.length);
        e.setCompressedSize(data.length);
        e.setCrc(crc.getValue());
        z.putNextEntry(e);
        z.write(data);
        z.closeEntry();
    }

    static byte[] floats(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) b.putFloat(f);
        return b.array();
    }

    @Test
    void zipCheckpointWithViewsStridesSharedStoragesAndDtypes() throws IOException {
        PickleWriter w = new PickleWriter().proto(2).emptyDict().put(0);
        w.str("epoch").integer(3).setitem();
        w.str("state_dict").global("collections", "OrderedDict").mark().tuple().reduce().put(1);
        // a 2x3 matrix, its transpose as a strided view on the same storage, and a slice with an offset
        w.str("module.a").tensor("FloatStorage", "0", 6, 0, new int[]{2, 3}, new int[]{3, 1}).setitem();
        w.str("module.at").tensor("FloatStorage", "0", 6, 0, new int[]{3, 2}, new int[]{1, 3}).setitem();
        w.str("module.tail").tensor("FloatStorage", "0", 6, 4, new int[]{2}, new int[]{1}).setitem();
        w.str("module.h").tensor("HalfStorage", "1", 2, 0, new int[]{2}, new int[]{1}).setitem();
        w.str("module.bf").tensor("BFloat16Storage", "2", 1, 0, new int[]{}, new int[]{}).setitem();
        w.str("module.d").tensor("DoubleStorage", "3", 1, 0, new int[]{1}, new int[]{1}).setitem();
        w.str("module.n").tensor("LongStorage", "4", 1, 0, new int[]{}, new int[]{}).setitem();
        w.setitem().stop();
        Map<String, byte[]> st = new LinkedHashMap<>();
        st.put("0", floats(1, 2, 3, 4, 5, 6));
        ByteBuffer h = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putShort(Float.floatToFloat16(1.5f)).putShort(Float.floatToFloat16(-2f));
        st.put("1", h.array());
        st.put("2", ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort((short) (Float.floatToIntBits(0.75f) >>> 16)).array());
        st.put("3", ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putDouble(2.25).array());
        st.put("4", ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(7).array());
        Path f = zip("ckpt.pth.tar", "any-folder-name", w.bytes(), st);
        LinkedHashMap<String, Tensor> sd = TorchCheckpoint.loadStateDict(f);
        assertEquals(java.util.List.of("a", "at", "tail", "h", "bf", "d", "n"), java.util.List.copyOf(sd.keySet()));
        assertArrayEquals(new float[]{1, 2, 3, 4, 5, 6}, sd.get("a").data());
        assertArrayEquals(new float[]{1, 4, 2, 5, 3, 6}, sd.get("at").data());
        assertArrayEquals(new int[]{3, 2}, sd.get("at").shape());
        assertArrayEquals(new float[]{5, 6}, sd.get("tail").data());
        assertArrayEquals(new float[]{1.5f, -2f}, sd.get("h").data());
        assertArrayEquals(new int[0], sd.get("bf").shape());
        assertEquals(0.75f, sd.get("bf").data()[0]);
        assertEquals(2.25f, sd.get("d").data()[0]);
        assertEquals(7f, sd.get("n").data()[0]);
        assertEquals(java.util.List.of("epoch", "state_dict"), TorchCheckpoint.read(f).topLevelKeys());
    }

    byte[] malicious(boolean stackGlobal, String module, String name) {
        PickleWriter w = new PickleWriter().proto(stackGlobal ? 4 : 2);
        if (stackGlobal) w.stackGlobal(module, name); else w.global(module, name);
        return w.mark().str("touch " + dir.resolve("pwned")).tuple().reduce().stop().bytes();
    }

    @Test
    void maliciousPicklesRunNothing() throws IOException {
        String[][] targets = {{"os", "system"}, {"posix", "system"}, {"builtins", "eval"}, {"builtins", "exec"},
                {"subprocess", "Popen"}, {"builtins", "getattr"}, {"__builtin__", "__import__"}};
        for (String[] t : targets) for (boolean sg : new boolean[]{false, true}) {
            Path f = zip("evil.pth", "archive", malicious(sg, t[0], t[1]), Map.of());
            CheckpointException e = assertThrows(CheckpointException.class, () -> TorchCheckpoint.loadStateDict(f));
            assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
            assertTrue(e.getMessage().contains("refusing to call " + t[0] + "." + t[1]), e.getMessage());
        }
        // an inert object (NEWOBJ of an unknown class) used as a callable is refused too
        byte[] p = new PickleWriter().proto(2).global("__main__", "Evil").mark().tuple().op(0x81)
                .mark().str("x").tuple().reduce().stop().bytes();
        Path f = zip("evil2.pth", "archive", p, Map.of());
        assertTrue(assertThrows(CheckpointException.class, () -> TorchCheckpoint.read(f)).getMessage().contains("refusing"));
        byte[] inst = new PickleWriter().proto(2).mark().str("id").op('i').raw("os\nsystem\n".getBytes()).stop().bytes();
        Path g = zip("evil3.pth", "archive", inst, Map.of());
        assertTrue(assertThrows(CheckpointException.class, () -> TorchCheckpoint.read(g)).getMessage().contains("INST"));
        assertFalse(Files.exists(dir.resolve("pwned")), "nothing ran");
    }

    @Test
    void truncatedCorruptAndForeignFiles() throws IOException {
        Path empty = dir.resolve("empty.pth");
        Files.write(empty, new byte[0]);
        Path text = dir.resolve("text.pth");
        Files.writeString(text, "hello");
        Path noPkl = zip("nopkl.pth", "x", new byte[0], Map.of());
        Files.delete(noPkl);
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(noPkl))) {
            z.setMethod(ZipOutputStream.STORED);
            put(z, "x/other", new byte[]{1});
        }
        for (Path p : new Path[]{empty, text, noPkl}) {
            CheckpointException e = assertThrows(CheckpointException.class, () -> TorchCheckpoint.loadStateDict(p));
            assertTrue(e.getMessage().startsWith(p.toString()), e.getMessage());
        }
        // oversized element count and a storage record shorter than declared
        PickleWriter w = new PickleWriter().proto(2).emptyDict().str("w").tensor("FloatStorage", "0", 1 << 30, 0, new int[]{1}, new int[]{1}).setitem().stop();
        Path big = zip("big.pth", "a", w.bytes(), Map.of("0", floats(1)));
        assertThrows(CheckpointException.class, () -> TorchCheckpoint.loadStateDict(big));
        PickleWriter w2 = new PickleWriter().proto(2).emptyDict().str("w").tensor("FloatStorage", "0", 4, 2, new int[]{4}, new int[]{1}).setitem().stop();
        Path past = zip("past.pth", "a", w2.bytes(), Map.of("0", floats(1, 2, 3, 4)));
        assertTrue(assertThrows(CheckpointException.class, () -> TorchCheckpoint.loadStateDict(past)).getMessage().contains("past its storage"));
        // truncation of a real pickle at every byte: always a CheckpointException, never a hang or a raw exception
        PickleWriter ok = new PickleWriter().proto(2).emptyDict().str("w").tensor("FloatStorage", "0", 2, 0, new int[]{2}, new int[]{1}).setitem().stop();
        byte[] full = ok.bytes();
        for (int cut = 0; cut < full.length; cut++) {
            Path p = zip("cut.pth", "a", Arrays.copyOf(full, cut), Map.of("0", floats(1, 2)));
            assertThrows(CheckpointException.class, () -> TorchCheckpoint.loadStateDict(p), "cut at " + cut);
        }
        // random bytes after a protocol header
        java.util.Random r = new java.util.Random(5);
        for (int i = 0; i < 300; i++) {
            byte[] junk = new byte[1 + r.nextInt(200)];
            r.nextBytes(junk);
            junk[0] = (byte) 0x80;
            Path p = dir.resolve("junk.pth");
            Files.write(p, junk);
            assertThrows(IOException.class, () -> TorchCheckpoint.loadStateDict(p));
        }
    }

    @Test
    void maNetFixtureCheckpointsAgree() throws IOException {
        Path d = Fixtures.dir("manet");
        LinkedHashMap<String, Tensor> zip = TorchCheckpoint.loadStateDict(d.resolve("manet-small.pth.tar"));
        LinkedHashMap<String, Tensor> legacy = TorchCheckpoint.loadStateDict(d.resolve("manet-small-legacy.pth.tar"));
        LinkedHashMap<String, Tensor> plain = TorchCheckpoint.loadStateDict(d.resolve("manet-small-state-dict.pth"));
        assertEquals(692, zip.size());
        assertEquals(zip.keySet(), legacy.keySet());
        assertEquals(zip.keySet(), plain.keySet());
        assertArrayEquals(new int[]{8, 3, 7, 7}, zip.get("conv1.weight").shape());
        assertArrayEquals(new int[0], zip.get("bn1.num_batches_tracked").shape());
        for (String k : zip.keySet()) {
            assertArrayEquals(zip.get(k).shape(), legacy.get(k).shape(), k);
            assertArrayEquals(zip.get(k).data(), legacy.get(k).data(), k);
            assertArrayEquals(zip.get(k).data(), plain.get(k).data(), k);
        }
        TorchCheckpoint full = TorchCheckpoint.read(d.resolve("manet-small.pth.tar"));
        assertTrue(full.topLevelKeys().containsAll(java.util.List.of("epoch", "state_dict", "best_acc", "optimizer", "recorder")));
        Map<?, ?> root = (Map<?, ?>) full.root();
        assertEquals(5L, root.get("epoch"));
        assertEquals(88.73328399658203, full.materialise("best_acc", (PickleObjects.TensorRef) root.get("best_acc")).data()[0], 1e-5);
        assertTrue(String.valueOf(root.get("recorder")).contains("RecorderMeter"), "custom class kept inert");
        // every truncation of the real checkpoint fails cleanly
        byte[] bytes = Files.readAllBytes(d.resolve("manet-small.pth.tar"));
        for (int cut : new int[]{10, 1000, bytes.length / 3, bytes.length - 100}) {
            Path p = dir.resolve("cut-" + cut + ".pth.tar");
            Files.write(p, Arrays.copyOf(bytes, cut));
            assertThrows(CheckpointException.class, () -> TorchCheckpoint.loadStateDict(p), "cut " + cut);
        }
        byte[] legacyBytes = Files.readAllBytes(d.resolve("manet-small-legacy.pth.tar"));
        for (int cut : new int[]{5, 300, legacyBytes.length / 2, legacyBytes.length - 10}) {
            Path p = dir.resolve("lcut-" + cut + ".pth.tar");
            Files.write(p, Arrays.copyOf(legacyBytes, cut));
            assertThrows(CheckpointException.class, () -> TorchCheckpoint.loadStateDict(p), "legacy cut " + cut);
        }
    }
}
