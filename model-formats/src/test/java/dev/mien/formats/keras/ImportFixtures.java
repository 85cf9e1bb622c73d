package dev.mien.formats.keras;

import dev.mien.engine.Tensor;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipFile;

/** Fixture access for importer parity tests: .npy arrays, the container reader, raw configs. */
final class ImportFixtures {
    private ImportFixtures() {}

    /** float32 little-endian C-order .npy. */
    static Tensor npy(Path p) throws IOException {
        byte[] b = Files.readAllBytes(p);
        if (b.length < 10 || b[0] != (byte) 0x93 || b[1] != 'N') throw new IOException(p + ": not a .npy file");
        int major = b[6];
        int hlen = major == 1 ? (b[8] & 0xff) | (b[9] & 0xff) << 8 : ByteBuffer.wrap(b, 8, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        int off = major == 1 ? 10 : 12;
        String header = new String(b, off, hlen, StandardCharsets.ISO_8859_1);
        if (!header.contains("'<f4'") || header.contains("'fortran_order': True")) throw new IOException(p + ": only float32 C-order: " + header);
        String dims = header.substring(header.indexOf("'shape': (") + 10, header.indexOf(")", header.indexOf("'shape': (")));
        int[] shape = java.util.Arrays.stream(dims.split(",")).map(String::trim).filter(s -> !s.isEmpty()).mapToInt(Integer::parseInt).toArray();
        ByteBuffer bb = ByteBuffer.wrap(b, off + hlen, b.length - off - hlen).order(ByteOrder.LITTLE_ENDIAN);
        float[] f = new float[(int) Tensor.sizeOf(shape)];
        bb.asFloatBuffer().get(f);
        return new Tensor(shape, f);
    }

    /** Opens a Keras file with the container reader. */
    static KerasModelFile open(Path p) throws IOException { return KerasFiles.open(p); }

    /** config.json of a .keras archive. */
    static String kerasArchiveConfig(Path p) throws IOException {
        try (ZipFile z = new ZipFile(p.toFile())) {
            return new String(z.getInputStream(z.getEntry("config.json")).readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
