package dev.mien.formats.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mien.engine.Tensor;
import dev.mien.engine.io.DType;


import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors format: an 8-byte little-endian header length, a JSON header naming each
 * tensor's dtype, shape and byte range, then the raw data. Read as fp32; written as F32.
 */
public final class Safetensors {
    private Safetensors() {}

    private static final long MAX_HEADER = 100L << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    public static LinkedHashMap<String, Tensor> read(Path file) throws IOException {
        return readWithMetadata(file, null);
    }

    /** Reads the tensors; string metadata ({@code __metadata__}) goes into {@code metadata} when given. */
    public static LinkedHashMap<String, Tensor> readWithMetadata(Path file, Map<String, String> metadata) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) throw bad(file, "too short to be a safetensors file");
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long n = lenBuf.getLong(0);
            if (n < 2 || n > MAX_HEADER || 8 + n > size) throw bad(file, "invalid header length " + n + " (file has " + size + " bytes)");
            ByteBuffer hb = ByteBuffer.allocate((int) n);
            readFully(ch, hb, 8);
            JsonNode header;
            try {
                header = JSON.readTree(new String(hb.array(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw bad(file, "header is not valid JSON");
            }
            if (!header.isObject()) throw bad(file, "header is not a JSON object");
            long dataStart = 8 + n, dataLen = size - dataStart;
            LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
            List<long[]> ranges = new ArrayList<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals("__metadata__")) {
                    if (metadata != null) e.getValue().fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
                    continue;
                }
                JsonNode t = e.getValue();
                String dtype = t.path("dtype").asText("");
                DType type = DType.ofSafetensors(dtype);
                int width = type == null ? 0 : type.bytes;
                if (type == null) throw bad(file, "tensor " + e.getKey() + " has unsupported dtype '" + dtype + "'");
                JsonNode sh = t.path("shape"), off = t.path("data_offsets");
                if (!sh.isArray() || !off.isArray() || off.size() != 2) throw bad(file, "tensor " + e.getKey() + " lacks shape or data_offsets");
                int[] shape = new int[sh.size()];
                long count = 1;
                for (int i = 0; i < shape.length; i++) {
                    long d = sh.get(i).asLong(-1);
                    if (d < 0 || d > Integer.MAX_VALUE) throw bad(file, "tensor " + e.getKey() + " has an invalid shape");
                    shape[i] = (int) d;
                    count *= d;
                    if (count > Integer.MAX_VALUE - 8) throw bad(file, "tensor " + e.getKey() + " is too large");
                }
                long begin = off.get(0).asLong(-1), end = off.get(1).asLong(-1);
                if (begin < 0 || end < begin || end > dataLen) throw bad(file, "tensor " + e.getKey() + " lies outside the data (offsets " + begin + ".." + end + ")");
                if (end - begin != count * width) throw bad(file, "tensor " + e.getKey() + ": " + (end - begin) + " bytes for " + count + " " + dtype + " values");
                ranges.add(new long[]{begin, end});
                ByteBuffer data = ByteBuffer.allocate((int) (end - begin)).order(ByteOrder.LITTLE_ENDIAN);
                readFully(ch, data, dataStart + begin);
                data.rewind();
                out.put(e.getKey(), new Tensor(shape, type.decode(data, 0, (int) count, ByteOrder.LITTLE_ENDIAN)));
            }
            ranges.sort((a, b) -> Long.compare(a[0], b[0]));
            for (int i = 1; i < ranges.size(); i++)
                if (ranges.get(i)[0] < ranges.get(i - 1)[1]) throw bad(file, "tensor data ranges overlap");
            return out;
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        while (b.hasRemaining()) {
            int r = ch.read(b, pos + b.position());
            if (r < 0) throw new IOException("unexpected end of file");
        }
    }

    /** Writes every tensor as F32, in map order, with optional string metadata. */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        ObjectNode h = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode m = h.putObject("__metadata__");
            metadata.forEach(m::put);
        }
        long off = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            ObjectNode t = h.putObject(e.getKey());
            t.put("dtype", "F32");
            var sh = t.putArray("shape");
            for (int d : e.getValue().shape()) sh.add(d);
            var o = t.putArray("data_offsets");
            o.add(off);
            off += 4L * e.getValue().size();
            o.add(off);
        }
        byte[] json = JSON.writeValueAsBytes(h);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) head.put((byte) ' ');
        head.flip();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            while (head.hasRemaining()) ch.write(head);
            for (Tensor t : tensors.values()) {
                ByteBuffer b = ByteBuffer.allocate(4 * t.size()).order(ByteOrder.LITTLE_ENDIAN);
                b.asFloatBuffer().put(t.data());
                while (b.hasRemaining()) ch.write(b);
            }
        }
    }

    private static IOException bad(Path file, String problem) { return new IOException(file + ": " + problem); }
}
