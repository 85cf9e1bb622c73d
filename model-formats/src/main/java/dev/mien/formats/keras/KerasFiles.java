package dev.mien.formats.keras;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Opens a Keras model file of either kind, recognised by its content. */
public final class KerasFiles {
    private KerasFiles() {}

    private static final byte[] HDF5 = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

    public static KerasModelFile open(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new KerasFormatException(file.toString(), "no such file");
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) { head = in.readNBytes(8); }
        if (java.util.Arrays.equals(head, HDF5)) return new KerasH5File(file);
        if (head.length >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) return new KerasArchiveFile(file);
        throw new KerasFormatException(file.toString(), "neither an HDF5 file nor a .keras archive");
    }
}
