package dev.mien.formats.onnx;

import java.nio.charset.StandardCharsets;

/**
 * A reader of the protocol-buffers wire format over a byte array, for files that may be hostile:
 * every length is checked against what is left of its enclosing message before it is used, a
 * varint is at most ten bytes, nesting depth is bounded, and every error is one
 * {@link OnnxFormatException} naming the file and the field path (never an index exception).
 *
 * <p>Usage: {@code while (r.next()) switch (r.field()) { case 1 -> ...; default -> r.skip(); }}.
 */
final class ProtoReader {
    static final int VARINT = 0, I64 = 1, LEN = 2, SGROUP = 3, EGROUP = 4, I32 = 5;

    private final byte[] buf;
    private final String source;
    private final String path;
    private final int depth;
    private final int maxDepth;
    private int pos;
    private final int limit;
    private int field;
    private int wireType;

    private ProtoReader(byte[] buf, int pos, int limit, String source, String path, int depth, int maxDepth) {
        this.buf = buf;
        this.pos = pos;
        this.limit = limit;
        this.source = source;
        this.path = path;
        this.depth = depth;
        this.maxDepth = maxDepth;
    }

    /** A reader of the whole buffer as one message called {@code path}. */
    static ProtoReader of(byte[] buf, String source, String path, int maxDepth) {
        return new ProtoReader(buf, 0, buf.length, source, path, 0, maxDepth);
    }

    String path() { return path; }
    String source() { return source; }
    byte[] buffer() { return buf; }

    /** Advances to the next field; false at the end of this message. */
    boolean next() throws OnnxFormatException {
        if (pos >= limit) return false;
        long tag = varint();
        if (tag >>> 32 != 0 || (tag >>> 3) == 0) throw error("bad field tag " + tag);
        field = (int) (tag >>> 3);
        wireType = (int) (tag & 7);
        if (wireType == SGROUP || wireType == EGROUP || wireType > I32)
            throw error("field " + field + " has unsupported wire type " + wireType);
        return true;
    }

    int field() { return field; }
    int wireType() { return wireType; }

    /** Skips the current field's value. */
    void skip() throws OnnxFormatException {
        switch (wireType) {
            case VARINT -> varint();
            case I64 -> advance(8);
            case I32 -> advance(4);
            case LEN -> advance(length());
            default -> throw error("field " + field + " has unsupported wire type " + wireType);
        }
    }

    long int64() throws OnnxFormatException {
        expect(VARINT);
        return varint();
    }

    int int32() throws OnnxFormatException {
        expect(VARINT);
        // int32 fields are written sign-extended to 64 bits: a value outside int range is a lie.
        long v = varint();
        if (v != (int) v) throw error("field " + field + " value " + v + " does not fit an int32");
        return (int) v;
    }

    float float32() throws OnnxFormatException {
        expect(I32);
        return Float.intBitsToFloat(fixed32());
    }

    String string() throws OnnxFormatException {
        int n = lengthOf(LEN);
        String s = new String(buf, pos, n, StandardCharsets.UTF_8);
        pos += n;
        return s;
    }

    /** The current length-delimited field's bytes as [offset, length) in {@link #buffer()}. */
    int[] span() throws OnnxFormatException {
        int n = lengthOf(LEN);
        int[] s = {pos, n};
        pos += n;
        return s;
    }

    /** A reader of the current length-delimited field as an embedded message named {@code name}. */
    ProtoReader message(String name) throws OnnxFormatException {
        int n = lengthOf(LEN);
        if (depth + 1 > maxDepth)
            throw error("messages nested deeper than " + maxDepth + " (" + dev.mien.engine.io.ReadLimits.howToRaise("maxNesting") + ")");
        ProtoReader r = new ProtoReader(buf, pos, pos + n, source, path + "." + name, depth + 1, maxDepth);
        pos += n;
        return r;
    }

    /**
     * Appends a repeated int64 field's value(s) to {@code out}: packed (one length-delimited run) or
     * not (one varint per occurrence), as the writer chose. At most {@code max} values in all.
     */
    void int64s(LongList out, int max, String what) throws OnnxFormatException {
        if (wireType == VARINT) {
            out.add(varint(), max, this, what);
            return;
        }
        int n = lengthOf(LEN);
        int end = pos + n;
        while (pos < end) {
            long v = varintBefore(end);
            out.add(v, max, this, what);
        }
    }

    /** Appends a repeated float field's values (packed or not); at most {@code max} values. */
    void floats(FloatList out, int max, String what) throws OnnxFormatException {
        if (wireType == I32) {
            out.add(Float.intBitsToFloat(fixed32()), max, this, what);
            return;
        }
        int n = lengthOf(LEN);
        if (n % 4 != 0) throw error(what + ": packed floats of " + n + " bytes (not a multiple of 4)");
        for (int end = pos + n; pos < end; pos += 4) out.add(Float.intBitsToFloat(le32(pos)), max, this, what);
    }

    /** Appends a repeated double field's values (packed or not), narrowed to float. */
    void doubles(FloatList out, int max, String what) throws OnnxFormatException {
        if (wireType == I64) {
            out.add((float) Double.longBitsToDouble(fixed64()), max, this, what);
            return;
        }
        int n = lengthOf(LEN);
        if (n % 8 != 0) throw error(what + ": packed doubles of " + n + " bytes (not a multiple of 8)");
        for (int end = pos + n; pos < end; pos += 8)
            out.add((float) Double.longBitsToDouble((le32(pos) & 0xffffffffL) | ((long) le32(pos + 4) << 32)), max, this, what);
    }

    OnnxFormatException error(String problem) {
        // A deeply nested path runs to thousands of characters: keep its two ends, and the problem whole.
        String where = path.length() <= 200 ? path : path.substring(0, 80) + "..." + path.substring(path.length() - 100);
        return new OnnxFormatException(source, where + ": " + problem);
    }

    private void expect(int type) throws OnnxFormatException {
        if (wireType != type) throw error("field " + field + " has wire type " + wireType + ", expected " + type);
    }

    private int lengthOf(int type) throws OnnxFormatException {
        expect(type);
        return length();
    }

    private int length() throws OnnxFormatException {
        long n = varint();
        if (n < 0 || n > limit - pos)
            throw error("field " + field + " claims " + Long.toUnsignedString(n) + " bytes but only " + (limit - pos)
                    + " remain (truncated file or lying length)");
        return (int) n;
    }

    private void advance(int n) throws OnnxFormatException {
        if (n > limit - pos) throw error("field " + field + " runs past the end of its message (truncated file?)");
        pos += n;
    }

    private long varint() throws OnnxFormatException { return varintBefore(limit); }

    private long varintBefore(int end) throws OnnxFormatException {
        long v = 0;
        for (int shift = 0; shift < 70; shift += 7) {
            if (pos >= end) throw error("varint runs past the end of its message (truncated file?)");
            int b = buf[pos++] & 0xff;
            if (shift == 63 && b > 1) throw error("varint longer than 64 bits");
            v |= (long) (b & 0x7f) << shift;
            if (b < 0x80) return v;
        }
        throw error("varint longer than 10 bytes");
    }

    private int fixed32() throws OnnxFormatException {
        if (limit - pos < 4) throw error("field " + field + " runs past the end of its message (truncated file?)");
        int v = le32(pos);
        pos += 4;
        return v;
    }

    private long fixed64() throws OnnxFormatException {
        if (limit - pos < 8) throw error("field " + field + " runs past the end of its message (truncated file?)");
        long v = (le32(pos) & 0xffffffffL) | ((long) le32(pos + 4) << 32);
        pos += 8;
        return v;
    }

    private int le32(int at) {
        return (buf[at] & 0xff) | (buf[at + 1] & 0xff) << 8 | (buf[at + 2] & 0xff) << 16 | (buf[at + 3] & 0xff) << 24;
    }

    /** A growable long array bounded by a caller's maximum. */
    static final class LongList {
        long[] a = new long[8];
        int n;

        void add(long v, int max, ProtoReader r, String what) throws OnnxFormatException {
            if (n >= max) throw r.error(what + ": more than " + max + " values");
            if (n == a.length) a = java.util.Arrays.copyOf(a, Math.min(max, a.length * 2));
            a[n++] = v;
        }

        long[] toArray() { return java.util.Arrays.copyOf(a, n); }
    }

    /** A growable float array bounded by a caller's maximum. */
    static final class FloatList {
        float[] a = new float[8];
        int n;

        void add(float v, int max, ProtoReader r, String what) throws OnnxFormatException {
            if (n >= max) throw r.error(what + ": more than " + max + " values");
            if (n == a.length) a = java.util.Arrays.copyOf(a, (int) Math.min(max, a.length * 2L));
            a[n++] = v;
        }

        float[] toArray() { return java.util.Arrays.copyOf(a, n); }
    }
}
