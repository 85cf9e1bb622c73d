package dev.mien.engine.image;

/**
 * Why {@link ImageLoader#decode} did not decode an image, as a kind its callers word for their
 * own users (the CLI names the file and the limit's property; the server answers with a status
 * and its own option), plus what the kind needs: the refusal's text, the declared size, or the
 * decoder's failure as the cause (a JDK decoder's exception class means nothing to a user, so
 * it stays out of the words and in the cause for {@code --verbose}).
 */
public final class ImageRefusal extends Exception {
    public enum Kind {
        /** No decoder recognises the bytes. */
        NOT_AN_IMAGE,
        /** A format or variant Mien does not decode ({@link #detail()} says which and why). */
        REFUSED,
        /** The header declares a width or height of zero or less. */
        BAD_SIZE,
        /** The declared width x height is over the caller's pixel limit. */
        TOO_MANY_PIXELS,
        /** The decoder stopped inside on invalid data (corrupt or truncated). */
        CORRUPT,
        /** The decoder reported a read error ({@link #detail()}: its reason) or returned no image. */
        UNREADABLE,
        /** Decoding needed more memory than the JVM had. */
        OUT_OF_MEMORY
    }

    private final Kind kind;
    private final String detail;
    private final long width, height;

    ImageRefusal(Kind kind, String detail, long width, long height, Throwable cause) {
        super(kind + (detail == null ? "" : ": " + detail), cause);
        this.kind = kind;
        this.detail = detail;
        this.width = width;
        this.height = height;
    }

    public Kind kind() { return kind; }

    /** The refusal's own text (REFUSED) or the read error's reason (UNREADABLE), else null. */
    public String detail() { return detail; }

    /** The declared width (BAD_SIZE, TOO_MANY_PIXELS), else 0. */
    public long width() { return width; }

    /** The declared height (BAD_SIZE, TOO_MANY_PIXELS), else 0. */
    public long height() { return height; }
}
