package dev.mien.engine.io;

import dev.mien.engine.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NumPy {@code .npy} files (format 1.0 to 3.0). Reads every {@link DType} NumPy names (float16/32/64,
 * int8..64, uint8..64, bool) in either byte order as fp32; writes little-endian float32, C order.
 */
public final class Npy {
    private Npy() {}

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([<>|=])([a-z])(\\d+)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");
    /** Refuse headers beyond this: real ones are a few hundred bytes. */
    private static final int MAX_HEADER = 1 << 20;

    public static Tensor read(Path file) throws IOException {
        long size = Files.size(file);
        if (size > Integer.MAX_VALUE) throw bad(file, "larger than 2 GiB");
        byte[] all = Files.readAllBytes(file);
        if (all.length < 10) throw bad(file, "truncated or not a .npy file (" + all.length + " bytes)");
        for (int i = 0; i < MAGIC.length; i++) if (all[i] != MAGIC[i]) throw bad(file, "not a .npy file (bad magic)");
        int major = all[6] & 0xff;
        ByteBuffer bb = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        long headerLen;
        int start;
        if (major == 1) { headerLen = bb.getShort(8) & 0xffff; start = 10; }
        else if (major == 2 || major == 3) {
            if (all.length < 12) throw bad(file, "truncated header");
            headerLen = bb.getInt(8) & 0xffffffffL;
            start = 12;
        } else throw bad(file, "unsupported .npy format version " + major);
        if (headerLen > MAX_HEADER) throw bad(file, "header of " + headerLen + " bytes is too long");
        if (start + headerLen > all.length) throw bad(file, "truncated header");
        String header = new String(all, start, (int) headerLen, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Matcher d = DESCR.matcher(header), f = FORTRAN.matcher(header), s = SHAPE.matcher(header);
        if (!d.find() || !f.find() || !s.find()) throw bad(file, "malformed header " + header.strip());
        if (f.group(1).equals("True")) throw bad(file, "Fortran-order arrays are not supported (save with np.ascontiguousarray)");
        int[] shape = parseShape(file, s.group(1));
        char order = d.group(1).charAt(0), kind = d.group(2).charAt(0);
        int width = Integer.parseInt(d.group(3));
        DType dtype = DType.ofNumpy(kind, width);
        if (dtype == null) throw bad(file, "unsupported dtype '" + d.group(0).split(":")[1].trim() + "'");
        ByteOrder bo = order == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        long count = 1;
        for (int dim : shape) {
            count *= dim;
            if (count > Integer.MAX_VALUE) throw bad(file, "array too large");
        }
        int dataStart = start + (int) headerLen;
        if (count * width > all.length - dataStart)
            throw bad(file, "truncated data: shape " + java.util.Arrays.toString(shape) + " needs " + count * width
                    + " bytes, file has " + (all.length - dataStart));
        float[] out = dtype.decode(ByteBuffer.wrap(all), dataStart, (int) count, bo);
        return new Tensor(shape, out);
    }

    private static int[] parseShape(Path file, String body) throws IOException {
        List<Integer> dims = new ArrayList<>();
        for (String part : body.split(",")) {
            String t = part.strip();
            if (t.isEmpty()) continue;
            if (t.endsWith("L")) t = t.substring(0, t.length() - 1);
            try {
                int v = Integer.parseInt(t);
                if (v < 0) throw bad(file, "negative dimension in shape (" + body + ")");
                dims.add(v);
            } catch (NumberFormatException e) {
                throw bad(file, "bad shape (" + body + ")");
            }
        }
        return dims.stream().mapToInt(Integer::intValue).toArray();
    }

    public static void write(Path file, Tensor t) throws IOException {
        int[] shape = t.shape();
        StringBuilder sb = new StringBuilder("{'descr': '<f4', 'fortran_order': False, 'shape': (");
        for (int i = 0; i < shape.length; i++) sb.append(shape[i]).append(shape.length == 1 ? "," : i + 1 < shape.length ? ", " : "");
        sb.append("), }");
        // Pad with spaces so that magic + length + header + newline is a multiple of 64.
        int total = 10 + sb.length() + 1;
        int pad = (64 - total % 64) % 64;
        sb.append(" ".repeat(pad)).append('\n');
        byte[] header = sb.toString().getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer out = ByteBuffer.allocate(10 + header.length + 4 * t.size()).order(ByteOrder.LITTLE_ENDIAN);
        out.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) header.length).put(header);
        out.asFloatBuffer().put(t.data());
        Files.write(file, out.array());
    }

    private static IOException bad(Path file, String problem) { return new IOException(file + ": " + problem); }
}
