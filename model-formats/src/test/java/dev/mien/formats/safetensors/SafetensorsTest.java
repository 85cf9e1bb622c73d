package dev.mien.formats.safetensors;

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
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class SafetensorsTest {
    @TempDir Path dir;

    @Test
    void roundTripKeepsOrderShapesValuesAndMetadata() throws IOException {
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("b.weight", new Tensor(new int[]{2, 3}, new float[]{1, 2, 3, 4, 5, 6}));
        t.put("a.scalar", new Tensor(new int[0], new float[]{-1.5f}));
        Path f = dir.resolve("m.safetensors");
        Safetensors.write(f, t, Map.of("format", "pt"));
        Map<String, String> meta = new HashMap<>();
        LinkedHashMap<String, Tensor> r = Safetensors.readWithMetadata(f, meta);
        assertEquals(java.util.List.of("b.weight", "a.scalar"), java.util.List.copyOf(r.keySet()));
        assertArrayEquals(new int[]{2, 3}, r.get("b.weight").shape());
        assertArrayEquals(t.get("b.weight").data(), r.get("b.weight").data());
        assertEquals(-1.5f, r.get("a.scalar").data()[0]);
        assertEquals("pt", meta.get("format"));
        assertEquals(0, ByteBuffer.wrap(Files.readAllBytes(f), 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong() % 8);
    }

    static byte[] file(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).put(h).put(data).array();
    }

    @Test
    void readsHalfPrecisionAndRejectsBadFiles() throws IOException {
        ByteBuffer bf = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putShort(Float.floatToFloat16(0.5f)).putShort((short) (Float.floatToIntBits(3f) >>> 16));
        Path ok = dir.resolve("ok.safetensors");
        Files.write(ok, file("{\"h\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,2]},\"b\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[2,4]}}", bf.array()));
        var r = Safetensors.read(ok);
        assertEquals(0.5f, r.get("h").data()[0]);
        assertEquals(3f, r.get("b").data()[0]);
        String[] headers = {
                "not json", "[1,2]",
                "{\"x\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}",            // past the data
                "{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}",             // size mismatch
                "{\"x\":{\"dtype\":\"C64\",\"shape\":[1],\"data_offsets\":[0,4]}}",             // dtype
                "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"y\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", // overlap
        };
        for (String h : headers) {
            Path p = dir.resolve("bad.safetensors");
            Files.write(p, file(h, new byte[8]));
            IOException e = assertThrows(IOException.class, () -> Safetensors.read(p), h);
            assertTrue(e.getMessage().startsWith(p.toString()), e.getMessage());
        }
        Path huge = dir.resolve("huge.safetensors");
        Files.write(huge, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(Long.MAX_VALUE).array());
        assertThrows(IOException.class, () -> Safetensors.read(huge));
        byte[] good = Files.readAllBytes(ok);
        for (int cut : new int[]{0, 5, 20, good.length - 1}) {
            Path p = dir.resolve("cut.safetensors");
            Files.write(p, Arrays.copyOf(good, cut));
            assertThrows(IOException.class, () -> Safetensors.read(p), "cut " + cut);
        }
    }
}
