package dev.mien.formats.keras;

import dev.mien.engine.io.Printable;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The few superblock fields Mien checks before handing an HDF5 file to the reader: where the
 * superblock is (offset 0, or after a user block of 512, 1024, 2048, ... bytes) and where the
 * file says it ends. A file shorter than its recorded end is truncated; HDF5 readers otherwise
 * notice that only when they reach the missing part, if they reach it at all (the last bytes of
 * a Keras file are often heap or B-tree data that opening does not touch).
 */
final class Hdf5Superblock {
    static final byte[] SIGNATURE = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

    private Hdf5Superblock() {}

    /** Reads {@code len} bytes at {@code offset}, fewer at the end of the content. */
    @FunctionalInterface
    interface Source { byte[] read(long offset, int len) throws IOException; }

    /** Reads from an open channel of {@code size} bytes. */
    static Source of(SeekableByteChannel ch, long size) {
        return (offset, len) -> {
            ByteBuffer b = ByteBuffer.allocate((int) Math.max(0, Math.min(len, size - offset)));
            ch.position(offset);
            while (b.hasRemaining() && ch.read(b) > 0) { /* fill */ }
            return Arrays.copyOf(b.array(), b.position());
        };
    }

    static void checkComplete(String source, Path file) throws KerasFormatException {
        try (SeekableByteChannel ch = Files.newByteChannel(file)) {
            checkComplete(source, ch.size(), of(ch, ch.size()));
        } catch (IOException e) {
            throw readError(source, e);
        }
    }

    static void checkComplete(String source, byte[] content) throws KerasFormatException {
        try {
            checkComplete(source, content.length, (offset, len) ->
                    Arrays.copyOfRange(content, (int) offset, (int) Math.min(content.length, offset + len)));
        } catch (IOException e) {
            throw readError(source, e);
        }
    }

    /** The problem found (a KerasFormatException already names the file), or an I/O failure. */
    private static KerasFormatException readError(String source, IOException e) {
        return e instanceof KerasFormatException k ? k : new KerasFormatException(source, "cannot read: " + Printable.reason(e, 160), e);
    }

    static void checkComplete(String source, long size, Source in) throws IOException, KerasFormatException {
        long at = find(size, in);
        if (at < 0) throw new KerasFormatException(source, "no HDF5 superblock signature (not an HDF5 file)");
        byte[] sb = in.read(at, 64);
        if (sb.length < 12) throw new KerasFormatException(source, "truncated HDF5 superblock (the file has " + size + " bytes)");
        int version = sb[8] & 0xff;
        int offsets, fields;      // size of an address, and where the base address starts
        switch (version) {
            case 0 -> { offsets = sb[13] & 0xff; fields = 24; }
            case 1 -> { offsets = sb[13] & 0xff; fields = 28; }
            case 2, 3 -> { offsets = sb[9] & 0xff; fields = 12; }
            default -> throw new KerasFormatException(source, "unsupported HDF5 superblock version " + version);
        }
        if (offsets != 2 && offsets != 4 && offsets != 8)
            throw new KerasFormatException(source, "corrupt HDF5 superblock (address size " + offsets + ")");
        // v0/v1: base, free-space info, end of file, driver info; v2/v3: base, extension, end of file, root.
        int eofField = fields + 2 * offsets;
        if (sb.length < eofField + offsets)
            throw new KerasFormatException(source, "truncated HDF5 superblock (the file has " + size + " bytes)");
        long base = address(sb, fields, offsets), eof = address(sb, eofField, offsets);
        if (base == -1 || eof == -1) return;   // "undefined address": nothing recorded to check against
        if (base + eof > size)
            throw new KerasFormatException(source, "truncated HDF5 file: its superblock says it ends at byte " + (base + eof)
                    + ", but the file has " + size + " bytes");
    }

    /** Offset of the superblock signature, or -1. */
    static long find(long size, Source in) throws IOException {
        for (long offset = 0; offset + SIGNATURE.length <= size; offset = offset == 0 ? 512 : offset * 2)
            if (Arrays.equals(in.read(offset, SIGNATURE.length), SIGNATURE)) return offset;
        return -1;
    }

    /** Little-endian unsigned address of {@code n} bytes; all-ones is HDF5's undefined address (-1). */
    private static long address(byte[] b, int at, int n) {
        ByteBuffer buf = ByteBuffer.wrap(b, at, n).order(ByteOrder.LITTLE_ENDIAN);
        long v = switch (n) {
            case 2 -> buf.getShort() & 0xffffL;
            case 4 -> buf.getInt() & 0xffffffffL;
            default -> buf.getLong();
        };
        boolean undefined = n == 8 ? v == -1 : v == (1L << (8 * n)) - 1;
        return undefined ? -1 : v;
    }
}
