package dev.mien.tools.serve;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads a request body into memory, never more than a limit: a declared Content-Length over
 * the limit is refused before a byte is read, and a body without one (chunked) is counted
 * while it streams in and refused as soon as it passes the limit. Either way the server holds
 * at most {@code limit} bytes per request.
 */
final class BoundedBody {
    private BoundedBody() {}

    /** Checks a Content-Length header (null: none) against the limit. */
    static long declaredLength(String header, long limit) throws HttpError {
        if (header == null) return -1;
        long n;
        try {
            n = Long.parseLong(header.strip());
        } catch (NumberFormatException e) {
            throw new HttpError(400, "bad_request", "malformed Content-Length");
        }
        if (n < 0) throw new HttpError(400, "bad_request", "malformed Content-Length");
        if (n > limit) throw HttpError.bodyTooLarge(limit);
        return n;
    }

    /** The whole body, at most {@code limit} bytes. */
    static byte[] read(InputStream in, long declared, long limit) throws HttpError, IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(declared >= 0 ? (int) Math.min(declared, 1 << 20) : 64 << 10);
        byte[] buf = new byte[64 << 10];
        long total = 0;
        for (int n; (n = in.read(buf)) > 0; ) {
            total += n;
            if (total > limit) throw HttpError.bodyTooLarge(limit);
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }
}
