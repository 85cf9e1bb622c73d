package dev.mien.formats.hostile;

import dev.mien.formats.torch.PickleWriter;
import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Generators of hostile and broken input files, written at test time so the repository stays
 * small: bombs are a few hundred KB of deflated zeros here and nothing on disk in git. Each
 * reproduces one way an adversarial user broke (or could break) a reader.
 */
final class HostileFiles {
    private HostileFiles() {}

    /** The content of one zip member: bytes, or that many zero bytes streamed (never held). */
    record Member(String name, byte[] bytes, long zeros, boolean deflated) {
        static Member stored(String name, byte[] b) { return new Member(name, b, 0, false); }
        static Member deflated(String name, byte[] b) { return new Member(name, b, 0, true); }
        static Member zeroBomb(String name, byte[] prefix, long zeros) { return new Member(name, prefix, zeros, true); }
    }

    static Path zip(Path file, Member... members) throws IOException {
        try (OutputStream os = Files.newOutputStream(file); ZipOutputStream z = new ZipOutputStream(os)) {
            z.setLevel(Deflater.DEFAULT_COMPRESSION);
            for (Member m : members) {
                ZipEntry e = new ZipEntry(m.name());
                if (!m.deflated()) {
                    CRC32 crc = new CRC32();
                    crc.update(m.bytes());
                    e.setMethod(ZipEntry.STORED);
                    e.setSize(m.bytes().length);
                    e.setCompressedSize(m.bytes().length);
                    e.setCrc(crc.getValue());
                }
                z.putNextEntry(e);
                z.write(m.bytes());
                byte[] chunk = new byte[1 << 20];
                for (long left = m.zeros(); left > 0; left -= chunk.length) z.write(chunk, 0, (int) Math.min(chunk.length, left));
                z.closeEntry();
            }
        }
        return file;
    }

    /** Rewrites the uncompressed size the central directory records for member {@code name}. */
    static void patchDeclaredSize(Path file, String name, long size) throws IOException {
        byte[] all = Files.readAllBytes(file);
        ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        byte[] want = name.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i + 46 <= all.length; i++) {
            if (b.getInt(i) != 0x02014b50) continue;
            int n = b.getShort(i + 28) & 0xffff;
            if (n == want.length && Arrays.equals(Arrays.copyOfRange(all, i + 46, i + 46 + n), want)) {
                b.putInt(i + 24, (int) size);
                Files.write(file, all);
                return;
            }
        }
        throw new IllegalStateException("no central directory entry " + name);
    }

    /** Flips one bit of the first occurrence of {@code pattern} in the file. */
    static void flipBitIn(Path file, byte[] pattern) throws IOException {
        byte[] all = Files.readAllBytes(file);
        for (int i = 0; i + pattern.length <= all.length; i++) {
            if (Arrays.equals(Arrays.copyOfRange(all, i, i + pattern.length), pattern)) {
                all[i + pattern.length - 1] ^= 0x01;
                Files.write(file, all);
                return;
            }
        }
        throw new IllegalStateException("pattern not found");
    }

    static byte[] floats(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) b.putFloat(f);
        return b.array();
    }

    // ---- pickles ---------------------------------------------------------------------------

    /** A dict whose one key is a list (or tuple) DAG: level i holds level i-1 twice; 2^depth paths. */
    static byte[] dagKeyPickle(boolean tuples, int depth) {
        PickleWriter w = new PickleWriter().proto(2).emptyDict();
        if (tuples) w.op(')'); else w.op(']');
        w.put(0).op('0');
        for (int i = 1; i <= depth; i++) {
            w.mark().get(i - 1).get(i - 1).op(tuples ? 't' : 'l').put(i);
            w.op('0'); // POP: keep only the memo copy
        }
        return w.get(depth).none().setitem().stop().bytes();
    }

    /** A decimal INT literal of {@code digits} digits (parsing it naively is quadratic). */
    static byte[] hugeIntPickle(int digits) {
        byte[] b = new byte[3 + 1 + digits + 2];
        b[0] = (byte) 0x80; b[1] = 2; b[2] = 'I';
        Arrays.fill(b, 3, 3 + digits, (byte) '7');
        b[3 + digits] = '\n';
        b[4 + digits] = '.';
        return Arrays.copyOf(b, 5 + digits);
    }

    /** A state dict whose tensor's persistent id is a tuple DAG of the given depth. */
    static byte[] persistentIdDagPickle(int depth) {
        PickleWriter w = new PickleWriter().proto(2).emptyDict().str("w");
        w.str("storage").put(0);
        for (int i = 1; i <= depth; i++) w.get(i - 1).get(i - 1).op(0x86).put(i).op('0');
        return w.get(depth).binpersid().setitem().stop().bytes();
    }

    /** {"w": tensor on storage "0"} with the given view. */
    static byte[] tensorPickle(int numel, int offset, int[] size, int[] stride) {
        PickleWriter w = new PickleWriter().proto(2).emptyDict();
        w.str("w").tensor("FloatStorage", "0", numel, offset, size, stride).setitem();
        return w.stop().bytes();
    }

    /** A dict that holds itself under "state_dict" (and under "model"). */
    static byte[] selfDictPickle() {
        PickleWriter w = new PickleWriter().proto(2).emptyDict().put(0);
        w.str("state_dict").get(0).setitem();
        w.str("model").get(0).setitem();
        return w.stop().bytes();
    }

    /** A call of a global whose name is 80 KB of terminal escape sequences. */
    static byte[] ansiGlobalPickle() {
        String evil = "\u001b[2J\u001b[31m".repeat(8_000);
        return new PickleWriter().proto(2).global("os", evil).mark().tuple().reduce().stop().bytes();
    }

    static Path checkpoint(Path file, byte[] pickle, Member... more) throws IOException {
        Member[] all = new Member[more.length + 1];
        all[0] = Member.stored("archive/data.pkl", pickle);
        System.arraycopy(more, 0, all, 1, more.length);
        return zip(file, all);
    }

    // ---- Keras -----------------------------------------------------------------------------

    static final String TINY_CONFIG = "{\"class_name\": \"Sequential\", \"config\": {\"name\": \"s\", \"layers\": []}}";
    static final float[] WEIGHT_VALUES = {1.25f, -2.5f, 3.75f, 4.125f};

    /** A readable Keras 3 archive with one dataset of {@link #WEIGHT_VALUES}, stored (not deflated). */
    static Path kerasArchive(Path dir, String name) throws IOException {
        return kerasArchive(dir, name, weightsH5(dir, name));
    }

    /** The weights file of {@link #kerasArchive}: jHDF writes superblock v2 and v2 object headers, which carry checksums. */
    static byte[] weightsH5(Path dir, String name) throws IOException {
        Path h5 = dir.resolve(name + ".weights.h5");
        try (WritableHdfFile f = HdfFile.write(h5)) {
            f.putGroup("layers").putGroup("dense").putGroup("vars").putDataset("0", WEIGHT_VALUES.clone());
        }
        return Files.readAllBytes(h5);
    }

    static Path kerasArchive(Path dir, String name, byte[] weightsH5) throws IOException {
        return zip(dir.resolve(name),
                Member.stored("metadata.json", "{\"keras_version\": \"3.10.0\"}".getBytes(StandardCharsets.UTF_8)),
                Member.stored("config.json", TINY_CONFIG.getBytes(StandardCharsets.UTF_8)),
                Member.stored("model.weights.h5", weightsH5));
    }

    /** Flips one bit of the first occurrence of {@code pattern} in {@code bytes}. */
    static byte[] flipBitIn(byte[] bytes, byte[] pattern) {
        byte[] all = bytes.clone();
        for (int i = 0; i + pattern.length <= all.length; i++) {
            if (Arrays.equals(Arrays.copyOfRange(all, i, i + pattern.length), pattern)) {
                all[i + pattern.length - 1] ^= 0x01;
                return all;
            }
        }
        throw new IllegalStateException("pattern not found");
    }

    // ---- images and arrays -----------------------------------------------------------------

    /** A PNG whose header declares width x height RGB pixels; its image data is one deflated row. */
    static byte[] pngDeclaring(int width, int height) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(width).putInt(height).put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
        chunk(out, "IHDR", ihdr.array());
        ByteArrayOutputStream z = new ByteArrayOutputStream();
        try (DeflaterOutputStream d = new DeflaterOutputStream(z)) { d.write(new byte[1 + 3 * Math.min(width, 1 << 16)]); }
        chunk(out, "IDAT", z.toByteArray());
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) throws IOException {
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        out.write(ByteBuffer.allocate(4).putInt(data.length).array());
        out.write(t);
        out.write(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.write(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    /** A .npy whose header text is {@code header} (version 2: 4-byte header length). */
    static byte[] npy(String header, int dataBytes) {
        byte[] h = header.getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocate(12 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0}).putInt(h.length).put(h);
        return b.array();
    }

    /** A safetensors file whose {@code n} tensors all claim the same {@code bytes}-byte range. */
    static byte[] overlappingSafetensors(int n, int bytes) {
        Map<String, String> t = new LinkedHashMap<>();
        StringBuilder json = new StringBuilder("{");
        for (int i = 0; i < n; i++) {
            if (i > 0) json.append(',');
            json.append("\"t").append(i).append("\":{\"dtype\":\"F32\",\"shape\":[").append(bytes / 4)
                    .append("],\"data_offsets\":[0,").append(bytes).append("]}");
        }
        json.append('}');
        byte[] h = json.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + bytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        return b.array();
    }
}
