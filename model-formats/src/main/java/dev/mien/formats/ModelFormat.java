package dev.mien.formats;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipFile;

/** The container formats Mien reads, recognised by content rather than by file extension. */
public enum ModelFormat {
    MIEN("Mien model file"),
    PYTORCH_ZIP("PyTorch checkpoint (zip, torch >= 1.6)"),
    PYTORCH_LEGACY("PyTorch checkpoint (legacy pre-1.6 pickle)"),
    SAFETENSORS("safetensors"),
    KERAS_H5("Keras HDF5 (.h5)"),
    KERAS_ARCHIVE("Keras 3 archive (.keras)");

    public final String description;

    ModelFormat(String description) { this.description = description; }

    private static final byte[] HDF5 = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

    /** Detects the format of {@code file}; throws naming the file when it is none of them. */
    public static ModelFormat detect(Path file) throws IOException {
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) { head = in.readNBytes(16); }
        if (head.length == 0) throw new IOException(file + ": empty file");
        if (startsWith(head, new byte[]{'M', 'I', 'E', 'N'})) return MIEN;
        if (startsWith(head, HDF5)) return KERAS_H5;
        if (startsWith(head, new byte[]{'P', 'K', 3, 4})) {
            try (ZipFile z = new ZipFile(file.toFile())) {
                if (z.getEntry("config.json") != null && z.getEntry("model.weights.h5") != null) return KERAS_ARCHIVE;
                boolean pickle = z.stream().anyMatch(e -> e.getName().endsWith("/data.pkl") || e.getName().equals("data.pkl"));
                if (pickle) return PYTORCH_ZIP;
            } catch (IOException e) {
                throw new IOException(file + ": corrupt zip archive (" + dev.mien.engine.io.Printable.clip(String.valueOf(e.getMessage()), 160) + ")");
            }
            throw new IOException(file + ": a zip archive that is neither a PyTorch checkpoint (no data.pkl) nor a Keras archive (no config.json + model.weights.h5)");
        }
        if ((head[0] & 0xff) == 0x80 && head.length > 1 && head[1] >= 2 && head[1] <= 5) return PYTORCH_LEGACY;
        if (head.length >= 9 && head[8] == '{') {
            long len = 0;
            for (int i = 7; i >= 0; i--) len = (len << 8) | (head[i] & 0xff);
            if (len > 1 && len < Files.size(file)) return SAFETENSORS;
        }
        // HDF5 allows a user block (512, 1024, ... bytes) before the superblock.
        if (dev.mien.formats.keras.KerasFiles.isHdf5(file)) return KERAS_H5;
        String start = new String(head, StandardCharsets.ISO_8859_1).replaceAll("[^\\x20-\\x7e]", "?");
        throw new IOException(file + ": unrecognised model format (starts with \"" + start + "\"); expected a PyTorch checkpoint, "
                + "safetensors, Keras .h5/.keras or a Mien model file");
    }

    private static boolean startsWith(byte[] a, byte[] prefix) {
        if (a.length < prefix.length) return false;
        for (int i = 0; i < prefix.length; i++) if (a[i] != prefix[i]) return false;
        return true;
    }
}
