package dev.mien.engine.io;

/**
 * The resource limits every reader of untrusted files honours. A file can only make a reader
 * allocate what it really holds, or up to these explicit limits; each limit is checked before
 * the allocation it guards, and a file beyond one is refused with one line naming the file and
 * the limit (never an OutOfMemoryError, a hang or a silently different result).
 *
 * <p>Defaults fit any published FER network many times over. Raise one with the system property
 * {@code mien.limits.<name>} (e.g. {@code -Dmien.limits.maxTensorElements=1000000000}, or
 * {@code MIEN_JAVA_OPTS} for the CLI); {@link #current()} reads them at every call, so a
 * long-running JVM sees a change. docs/LIMITS.md lists them.
 *
 * @param maxTensorElements elements of one tensor or storage (weights, .npy, .mien): 2^28 = 1 GiB of fp32
 * @param maxImagePixels    width x height of an input image, checked from its header before decoding
 * @param maxInflateRatio   decompressed size of a zip member over its compressed size (members of
 *                          at most 1 MiB are always allowed): a zip bomb stops here
 * @param maxPickleMemo     entries of a pickle's memo (and its MARK and value stacks)
 * @param maxIntDigits      digits of a decimal integer literal in a pickle (Python's own default: 4300)
 * @param maxNesting        nesting depth walked in a pickled object tree or a dict key
 * @param maxKeyNodes       values visited to hash or compare one dict key (tuples of tuples ...)
 */
public record ReadLimits(long maxTensorElements, long maxImagePixels, long maxInflateRatio,
                         int maxPickleMemo, int maxIntDigits, int maxNesting, int maxKeyNodes) {

    public static final ReadLimits DEFAULT = new ReadLimits(1L << 28, 50_000_000L, 100, 1 << 22, 4300, 1000, 10_000);

    /** Smallest zip member size to which {@link #maxInflateRatio} does not apply. */
    public static final long INFLATE_FLOOR_BYTES = 1L << 20;

    public ReadLimits {
        if (maxTensorElements < 1 || maxImagePixels < 1 || maxInflateRatio < 1 || maxPickleMemo < 1
                || maxIntDigits < 1 || maxNesting < 1 || maxKeyNodes < 1)
            throw new IllegalArgumentException("read limits must be positive");
    }

    /** The defaults with every {@code mien.limits.*} system property applied. */
    public static ReadLimits current() {
        ReadLimits d = DEFAULT;
        return new ReadLimits(
                prop("maxTensorElements", d.maxTensorElements),
                prop("maxImagePixels", d.maxImagePixels),
                prop("maxInflateRatio", d.maxInflateRatio),
                (int) Math.min(Integer.MAX_VALUE, prop("maxPickleMemo", d.maxPickleMemo)),
                (int) Math.min(Integer.MAX_VALUE, prop("maxIntDigits", d.maxIntDigits)),
                (int) Math.min(Integer.MAX_VALUE, prop("maxNesting", d.maxNesting)),
                (int) Math.min(Integer.MAX_VALUE, prop("maxKeyNodes", d.maxKeyNodes)));
    }

    /** Bytes a zip member of {@code compressed} bytes may expand to. */
    public long maxInflatedBytes(long compressed) {
        long byRatio = compressed > Long.MAX_VALUE / maxInflateRatio ? Long.MAX_VALUE : compressed * maxInflateRatio;
        return Math.max(INFLATE_FLOOR_BYTES, byRatio);
    }

    /** The text telling a user how to raise limit {@code name}. */
    public static String howToRaise(String name) {
        return "limit mien.limits." + name + "; raise it with -Dmien.limits." + name + "=N";
    }

    private static long prop(String name, long dflt) {
        String v = System.getProperty("mien.limits." + name);
        if (v == null || v.isBlank()) return dflt;
        try {
            long x = Long.parseLong(v.strip().replace("_", ""));
            if (x < 1) throw new NumberFormatException();
            return x;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("system property mien.limits." + name + " must be a positive integer, got '"
                    + Printable.clip(v, 40) + "'");
        }
    }
}
