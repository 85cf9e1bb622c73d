package dev.mien.formats;

import dev.mien.engine.io.Printable;
import dev.mien.engine.io.ReadLimits;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Reads one member of a zip archive from an untrusted file: the memory it takes is bounded
 * before anything is allocated (by the caller's limit, by the archive's real size for stored
 * members and by {@link ReadLimits#maxInflateRatio} for compressed ones), the bytes must be
 * exactly as many as the archive declares, and their CRC-32 must match, so a flipped byte in a
 * weight is an error rather than different weights. (java.util.zip.ZipFile checks neither.)
 */
public final class ZipMembers {
    private ZipMembers() {}

    /** Why a member cannot be read; the caller adds the file name. */
    public static final class BadMember extends IOException {
        public BadMember(String problem) { super(problem); }
    }

    /**
     * The bytes of {@code e}, at most {@code max} of them.
     *
     * @param archiveBytes the size of the archive file (a stored member cannot be larger)
     */
    public static byte[] read(ZipFile zip, ZipEntry e, long max, long archiveBytes, ReadLimits limits) throws BadMember {
        String name = Printable.clip(e.getName(), 120);
        long size = e.getSize(), csize = e.getCompressedSize();
        long bound = Math.min(max, Integer.MAX_VALUE - 16L);
        if (csize > archiveBytes)
            throw new BadMember("zip member " + name + " claims " + csize + " compressed bytes but the archive has only " + archiveBytes);
        if (e.getMethod() == ZipEntry.STORED) bound = Math.min(bound, archiveBytes);
        else if (csize >= 0) {
            long inflate = limits.maxInflatedBytes(csize);
            if (size > inflate)
                throw new BadMember("zip member " + name + " claims to expand from " + csize + " to " + size
                        + " bytes, beyond the inflate ratio (" + ReadLimits.howToRaise("maxInflateRatio") + ")");
            bound = Math.min(bound, inflate);
        }
        if (size > bound)
            throw new BadMember("zip member " + name + " is too large (" + size + " bytes, at most " + bound + " allowed here)");
        CRC32 crc = new CRC32();
        byte[] out;
        try (InputStream in = zip.getInputStream(e)) {
            if (size >= 0) {
                out = new byte[(int) size];
                int got = in.readNBytes(out, 0, out.length);
                if (got < out.length)
                    throw new BadMember("zip member " + name + " is truncated (" + got + " of " + size + " bytes)");
                if (in.read() >= 0) throw new BadMember("zip member " + name + " expands beyond its declared " + size + " bytes");
            } else {
                ByteArrayOutputStream buf = new ByteArrayOutputStream();
                byte[] chunk = new byte[1 << 16];
                long total = 0;
                for (int n; (n = in.read(chunk)) > 0; ) {
                    total += n;
                    if (total > bound) throw new BadMember("zip member " + name + " expands beyond " + bound + " bytes");
                    buf.write(chunk, 0, n);
                }
                out = buf.toByteArray();
            }
        } catch (BadMember x) {
            throw x;
        } catch (IOException | RuntimeException x) {
            throw new BadMember("zip member " + name + " is corrupt or truncated (" + Printable.reason(x, 120) + ")");
        }
        crc.update(out);
        if (e.getCrc() != -1 && crc.getValue() != e.getCrc())
            throw new BadMember(String.format("zip member %s is corrupt: CRC-32 %08x, the archive says %08x", name, crc.getValue(), e.getCrc()));
        return out;
    }
}
