package dev.mien.tools.serve;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** The page at {@code GET /}: plain HTML and JavaScript, kept as a resource beside this class. */
final class Page {
    private Page() {}

    static byte[] html() {
        try (InputStream in = Page.class.getResourceAsStream("index.html")) {
            if (in == null) throw new IllegalStateException("index.html is missing from the class path");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
