package dev.mien.engine.io;

import dev.mien.engine.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

class NpyTest {
    @TempDir Path dir;

    static byte[] npy(String descr, String shape, byte[] data, int version) {
        String h = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + shape + "), }";
        int pre = version == 1 ? 10 : 12;
        h += " ".repeat((64 - (pre + h.length() + 1) % 64) % 64) + "\n";
        byte[] hb = h.getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocate(pre + hb.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[]{(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) version, 0});
        if (version == 1) b.putShort((short) hb.length); else b.putInt(hb.length);
        return b.put(hb).put(data).array();
    }

    @Test
    void roundTripAndHeaderAlignment() throws IOException {
        Tensor t = new Tensor(new int[]{2, 3, 1}, new float[]{1, -2, 3.5f, 0, 1e-7f, Float.MAX_VALUE});
        Path f = dir.resolve("a.npy");
        Npy.write(f, t);
        Tensor r = Npy.read(f);
        assertArrayEquals(t.shape(), r.shape());
        assertArrayEquals(t.data(), r.data());
        assertEquals(0, (Files.size(f) - 4 * 6) % 64, "header padded to 64 bytes like numpy");
        Path v = dir.resolve("v.npy");
        Npy.write(v, new Tensor(new int[]{4}, new float[]{1, 2, 3, 4}));
        assertArrayEquals(new int[]{4}, Npy.read(v).shape());
        Path s = dir.resolve("s.npy");
        Npy.write(s, new Tensor(new int[0], new float[]{7}));
        assertEquals(7f, Npy.read(s).data()[0]);
    }

    @Test
    void readsOtherDtypesByteOrdersAndVersions() throws IOException {
        ByteBuffer d = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putDouble(1.5).putDouble(-2);
        Path f8 = dir.resolve("f8.npy");
        Files.write(f8, npy("<f8", "2,", d.array(), 2));
        assertArrayEquals(new float[]{1.5f, -2f}, Npy.read(f8).data());
        ByteBuffer be = ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN).putFloat(3f).putFloat(4f);
        Path bf = dir.resolve("be.npy");
        Files.write(bf, npy(">f4", "1, 2", be.array(), 1));
        assertArrayEquals(new float[]{3f, 4f}, Npy.read(bf).data());
        Path u8 = dir.resolve("u8.npy");
        Files.write(u8, npy("|u1", "3,", new byte[]{0, (byte) 200, 5}, 1));
        assertArrayEquals(new float[]{0, 200, 5}, Npy.read(u8).data());
        ByteBuffer l = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(-9);
        Path i8 = dir.resolve("i8.npy");
        Files.write(i8, npy("<i8", "1,", l.array(), 3));
        assertArrayEquals(new float[]{-9}, Npy.read(i8).data());
    }

    @Test
    void badFilesNameTheFileAndTheProblem() throws IOException {
        Path good = dir.resolve("g.npy");
        Npy.write(good, new Tensor(new int[]{4, 4}, new float[16]));
        byte[] bytes = Files.readAllBytes(good);
        String[][] cases = {
                {"empty", ""}, {"magic", "not numpy at all"},
        };
        for (String[] c : cases) {
            Path p = dir.resolve(c[0] + ".npy");
            Files.writeString(p, c[1]);
            IOException e = assertThrows(IOException.class, () -> Npy.read(p));
            assertTrue(e.getMessage().startsWith(p.toString()), e.getMessage());
        }
        for (int cut : new int[]{8, 20, bytes.length - 3}) {
            Path p = dir.resolve("cut" + cut + ".npy");
            Files.write(p, Arrays.copyOf(bytes, cut));
            IOException e = assertThrows(IOException.class, () -> Npy.read(p));
            assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        }
        Path fortran = dir.resolve("f.npy");
        Files.write(fortran, npy("<f4", "1,", new byte[4], 1).clone());
        byte[] fb = Files.readAllBytes(fortran);
        String s = new String(fb, StandardCharsets.ISO_8859_1).replace("'fortran_order': False", "'fortran_order': True ");
        Files.write(fortran, s.getBytes(StandardCharsets.ISO_8859_1));
        assertTrue(assertThrows(IOException.class, () -> Npy.read(fortran)).getMessage().contains("Fortran"));
        Path obj = dir.resolve("o.npy");
        Files.write(obj, npy("|O8", "1,", new byte[8], 1));
        assertThrows(IOException.class, () -> Npy.read(obj));
        Path huge = dir.resolve("h.npy");
        Files.write(huge, npy("<f4", "100000, 100000", new byte[4], 1));
        assertTrue(assertThrows(IOException.class, () -> Npy.read(huge)).getMessage().contains("large"));
    }
}
