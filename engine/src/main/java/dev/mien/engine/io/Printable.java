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

    public static String clip(CharSequence s) { return clip(s, EXCERPT); }

    public static String clip(CharSequence s, int max) {
        if (s == null) return "null";
        StringBuilder b = new StringBuilder(Math.min(s.length(), max) + 16);
        for (int i = 0; i < s.length(); i++) {
            if (b.length() >= max) {
                b.append("... (").append(s.length()).append(" chars)");
                break;
            }
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x7f) b.append(c);
            else if (c == '\n') b.append("\\n");
            else if (c == '\t') b.append("\\t");
            else b.append(String.format("\\u%04x", (int) c));
        }
        return b.toString();
    }

    /** Bytes as Latin-1 text, made printable and cut. */
    public static String clip(byte[] bytes, int off, int len, int max) {
        int n = Math.max(0, Math.min(len, Math.min(max + 1, bytes.length - off)));
        String s = new String(bytes, off, n, java.nio.charset.StandardCharsets.ISO_8859_1);
        String c = clip(s, max);
        return n < len && !c.endsWith(" chars)") ? c + "... (" + len + " bytes)" : c;
    }
}
