package dev.mien.engine.io;

/**
 * Text from a file made safe for a one-line message: control characters (ANSI escapes,
 * newlines) and non-ASCII shown as escapes, and cut to a length, so a hostile header can
 * neither flood a terminal nor drive it.
 */
public final class Printable {
    private Printable() {}

    /** Default length of an excerpt in an error message. */
    public static final int EXCERPT = 80;
    /**
     * Longest problem an exception about a file states: format exceptions clip theirs to this,
     * since their problems quote names from the file (layers, attributes, layouts).
     */
    public static final int PROBLEM = 1000;

    public static String clip(CharSequence s) { return clip(s, EXCERPT); }

    public static String clip(CharSequence s, int max) { return escaped(s, max, false); }

    /**
     * A message for one terminal line: every control or format character (escapes, newlines,
     * bidirectional overrides, separators) shown as an escape, other text, accents included,
     * kept as it is; cut to {@code max} characters. The last guard before a message is printed.
     */
    public static String line(CharSequence s, int max) { return escaped(s, max, true); }

    /** {@code s} cut to {@code max} characters, with what must not reach a terminal as escapes: all but printable ASCII, or with {@code letters} only what {@link #drivesATerminal} says. */
    private static String escaped(CharSequence s, int max, boolean letters) {
        if (s == null) return "null";
        StringBuilder b = new StringBuilder(Math.min(s.length(), max) + 16);
        for (int i = 0; i < s.length(); i++) {
            if (b.length() >= max) {
                b.append("... (").append(s.length()).append(" chars)");
                break;
            }
            char c = s.charAt(i);
            if (letters ? !drivesATerminal(s, i) : c >= 0x20 && c < 0x7f) b.append(c);
            else if (c == '\n') b.append("\\n");
            else if (c == '\t') b.append("\\t");
            else b.append(String.format("\\u%04x", (int) c));
        }
        return b.toString();
    }

    /** Whether character i of s is a control, format, separator, private or unassigned character, or half of a broken surrogate pair. */
    private static boolean drivesATerminal(CharSequence s, int i) {
        char c = s.charAt(i);
        int type = Character.getType(c);
        if (type == Character.SURROGATE)
            return !(Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))
                     || Character.isLowSurrogate(c) && i > 0 && Character.isHighSurrogate(s.charAt(i - 1)));
        return type == Character.CONTROL || type == Character.FORMAT || type == Character.LINE_SEPARATOR
               || type == Character.PARAGRAPH_SEPARATOR || type == Character.UNASSIGNED || type == Character.PRIVATE_USE;
    }

    /**
     * Why a read failed, for a one-line message: the exception's message made printable and cut
     * to {@code max}, or, where it has none (a buffer that ran out, an index outside an array),
     * what its kind means: never "null".
     */
    public static String reason(Throwable t, int max) {
        String m = t.getMessage();
        if (m != null && !m.isBlank()) return clip(m, max);
        if (t instanceof java.nio.BufferUnderflowException || t instanceof java.io.EOFException) return "the data ends early";
        if (t instanceof IndexOutOfBoundsException) return "an offset or length points outside the data";
        if (t instanceof NegativeArraySizeException) return "a negative size";
        if (t instanceof ArithmeticException) return "a size overflows";
        return clip(t.getClass().getSimpleName(), max);
    }

    /** Bytes as Latin-1 text, made printable and cut. */
    public static String clip(byte[] bytes, int off, int len, int max) {
        int n = Math.max(0, Math.min(len, Math.min(max + 1, bytes.length - off)));
        String s = new String(bytes, off, n, java.nio.charset.StandardCharsets.ISO_8859_1);
        String c = clip(s, max);
        return n < len && !c.endsWith(" chars)") ? c + "... (" + len + " bytes)" : c;
    }
}
