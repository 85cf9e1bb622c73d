package dev.mien.tools.serve;

/**
 * A request the server refuses: the HTTP status, a short cause for the metrics
 * ({@code mien_errors_total{cause=...}}) and the message the client gets as
 * {@code {"error": message}}.
 */
class HttpError extends Exception {
    final int status;
    final String cause;

    HttpError(int status, String cause, String message) {
        super(message, null, false, false);
        this.status = status;
        this.cause = cause;
    }

    static HttpError bodyTooLarge(long limit) {
        return new HttpError(413, "body_too_large", "request body exceeds the server's limit of " + limit + " bytes (--max-body)");
    }
}
