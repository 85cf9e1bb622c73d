package dev.mien.engine.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a model comes from: a file, a directory (multi-file formats: a manifest plus weight
 * shards), bytes in memory, an input stream, or a class-path resource (a single file, or a
 * resource "directory" whose files are named relative to it). Formats are recognised by
 * content, never by name; {@link #name()} is only what error messages call the source.
 *
 * <p>Streams are read fully into memory, at most {@link #DEFAULT_STREAM_LIMIT} bytes unless a
 * limit is given, so a bad stream cannot exhaust the heap. Readers that need random access
 * (zip archives, HDF5, memory-mapped Mien files) get a real file from {@link #localFile()}:
 * the file itself, or a private temporary copy that closing the {@link LocalFile} deletes.
 */
public sealed interface ModelSource permits ModelSource.FileSource, ModelSource.DirectorySource,
        ModelSource.BytesSource, ModelSource.ResourceSource, ModelSource.ResourceDirectory {

    /** Streams larger than this (1 GiB) are refused unless a larger limit is passed. */
    long DEFAULT_STREAM_LIMIT = 1L << 30;

    /** What messages call this source: a path, {@code classpath:name}, or the caller's name. */
    String name();

    /** True for a directory-like source whose files {@link #resolve} names. */
    default boolean isDirectory() { return false; }

    /** The content of a single-file source; a directory source throws. */
    InputStream open() throws IOException;

    /** Up to {@code n} leading bytes, for recognising the format. */
    default byte[] head(int n) throws IOException {
        try (InputStream in = open()) { return in.readNBytes(n); }
    }

    /** The whole content, refused beyond {@code limit} bytes. */
    default byte[] readAllBytes(long limit) throws IOException {
        try (InputStream in = open()) { return readBounded(name(), in, limit); }
    }

    /** Whether a directory source holds the file {@code relative}; false for single files. */
    default boolean has(String relative) { return false; }

    /** The file {@code relative} inside a directory source; throws naming both when absent. */
    default ModelSource resolve(String relative) throws IOException {
        throw new IOException(name() + ": not a directory, so it holds no " + relative);
    }

    /** A file on disk with this source's content; close it when done (deletes any temporary copy). */
    default LocalFile localFile() throws IOException {
        if (isDirectory()) throw new IOException(name() + ": a directory, not a single model file");
        try (InputStream in = open()) { return LocalFile.copyOf(name(), in); }
    }

    // ---- factories --------------------------------------------------------------------

    /** A file or a directory, whichever {@code path} is; one message naming it when it is neither. */
    static ModelSource of(Path path) throws IOException {
        if (Files.isDirectory(path)) return new DirectorySource(path);
        if (Files.isRegularFile(path)) return new FileSource(path);
        throw new IOException(path + ": no such file or directory");
    }

    static ModelSource file(Path file) { return new FileSource(file); }

    static ModelSource directory(Path dir) { return new DirectorySource(dir); }

    /** Bytes already in memory; {@code name} is only used in messages. The array is not copied: do not change it. */
    static ModelSource bytes(String name, byte[] data) { return new BytesSource(name, data); }

    /** Reads {@code in} fully (up to {@link #DEFAULT_STREAM_LIMIT}); the caller closes {@code in}. */
    static ModelSource stream(String name, InputStream in) throws IOException { return stream(name, in, DEFAULT_STREAM_LIMIT); }

    /** Reads {@code in} fully, refusing more than {@code maxBytes}; the caller closes {@code in}. */
    static ModelSource stream(String name, InputStream in, long maxBytes) throws IOException {
        return new BytesSource(name, readBounded(name, in, maxBytes));
    }

    /** A class-path resource file, e.g. {@code "models/fer.mien"}, found through {@code loader}. */
    static ModelSource resource(ClassLoader loader, String name) { return new ResourceSource(loader, strip(name)); }

    /** A model shipped on the class path, {@code builtin:NAME} or NAME (see {@link BuiltinModels}). */
    static ModelSource builtin(String name) throws IOException { return BuiltinModels.source(name); }

    /** A class-path resource directory, e.g. {@code "models/fer-keras/"}: files are named relative to it. */
    static ModelSource resourceDirectory(ClassLoader loader, String name) {
        String s = strip(name);
        return new ResourceDirectory(loader, s.isEmpty() || s.endsWith("/") ? s : s + "/");
    }

    private static String strip(String name) { return name.startsWith("/") ? name.substring(1) : name; }

    /** Reads at most {@code limit} bytes; one byte more means the stream is too large. */
    static byte[] readBounded(String name, InputStream in, long limit) throws IOException {
        long cap = Math.min(limit, Integer.MAX_VALUE - 16L);
        byte[] all = in.readNBytes((int) Math.min(cap + 1, Integer.MAX_VALUE - 8L));
        if (all.length > cap)
            throw new IOException(name + ": larger than the " + cap + "-byte limit for models read into memory");
        return all;
    }

    /** Relative names inside a directory: no absolute paths, no "..", no backslashes. */
    static String checkRelative(ModelSource dir, String relative) throws IOException {
        boolean bad = relative.isEmpty() || relative.startsWith("/") || relative.indexOf('\\') >= 0 || relative.indexOf('\0') >= 0
                || (relative.length() > 1 && relative.charAt(1) == ':');
        for (String part : relative.split("/")) if (part.equals("..")) bad = true;
        if (bad) throw new IOException(dir.name() + ": refusing the file name '" + relative + "' (must stay inside the directory)");
        return relative;
    }

    // ---- kinds ------------------------------------------------------------------------

    record FileSource(Path path) implements ModelSource {
        public FileSource { Objects.requireNonNull(path); }
        @Override public String name() { return path.toString(); }
        @Override public InputStream open() throws IOException {
            if (!Files.isRegularFile(path)) throw new IOException(path + (Files.isDirectory(path) ? ": a directory, not a file" : ": no such file"));
            return Files.newInputStream(path);
        }
        @Override public LocalFile localFile() throws IOException {
            if (!Files.isRegularFile(path)) throw new IOException(path + (Files.isDirectory(path) ? ": a directory, not a file" : ": no such file"));
            return LocalFile.existing(path);
        }
    }

    record DirectorySource(Path path) implements ModelSource {
        public DirectorySource { Objects.requireNonNull(path); }
        @Override public String name() { return path.toString(); }
        @Override public boolean isDirectory() { return true; }
        @Override public InputStream open() throws IOException { throw new IOException(path + ": a directory, not a single model file"); }
        @Override public boolean has(String relative) {
            try { return Files.isRegularFile(path.resolve(checkRelative(this, relative))); } catch (IOException e) { return false; }
        }
        @Override public ModelSource resolve(String relative) throws IOException {
            Path p = path.resolve(checkRelative(this, relative));
            if (!Files.isRegularFile(p)) throw new IOException(path + ": no file " + relative + " in the model directory");
            return new FileSource(p);
        }
    }

    record BytesSource(String name, byte[] data) implements ModelSource {
        public BytesSource { Objects.requireNonNull(name); Objects.requireNonNull(data); }
        @Override public InputStream open() { return new java.io.ByteArrayInputStream(data); }
        @Override public byte[] readAllBytes(long limit) throws IOException {
            if (data.length > limit) throw new IOException(name + ": larger than the " + limit + "-byte limit");
            return data;
        }
    }

    record ResourceSource(ClassLoader loader, String resource) implements ModelSource {
        public ResourceSource { Objects.requireNonNull(loader); Objects.requireNonNull(resource); }
        @Override public String name() { return "classpath:" + resource; }
        @Override public InputStream open() throws IOException {
            InputStream in = loader.getResourceAsStream(resource);
            if (in == null) throw new IOException(name() + ": no such class-path resource");
            return in;
        }
        /** A resource that is a plain file (an exploded class path) is used in place; one inside a jar is copied. */
        @Override public LocalFile localFile() throws IOException {
            URL url = loader.getResource(resource);
            if (url == null) throw new IOException(name() + ": no such class-path resource");
            if ("file".equals(url.getProtocol())) {
                try {
                    Path p = Path.of(url.toURI());
                    if (Files.isRegularFile(p)) return LocalFile.existing(p);
                } catch (URISyntaxException | IllegalArgumentException e) {
                    // fall through to a copy
                }
            }
            try (InputStream in = open()) { return LocalFile.copyOf(name(), in); }
        }
    }

    /** Class loaders cannot list a directory inside a jar, so its files are found by name. */
    record ResourceDirectory(ClassLoader loader, String prefix) implements ModelSource {
        public ResourceDirectory { Objects.requireNonNull(loader); Objects.requireNonNull(prefix); }
        @Override public String name() { return "classpath:" + prefix; }
        @Override public boolean isDirectory() { return true; }
        @Override public InputStream open() throws IOException { throw new IOException(name() + ": a resource directory, not a single model file"); }
        @Override public boolean has(String relative) {
            try { return loader.getResource(prefix + checkRelative(this, relative)) != null; } catch (IOException e) { return false; }
        }
        @Override public ModelSource resolve(String relative) throws IOException {
            String r = prefix + checkRelative(this, relative);
            if (loader.getResource(r) == null) throw new IOException(name() + ": no file " + relative + " in the resource directory");
            return new ResourceSource(loader, r);
        }
    }

    /**
     * A model on disk for readers that need random access. {@link #close()} deletes it when it
     * is a temporary copy; {@link #rename} puts the source's name back into a reader's message
     * that names the copy.
     */
    final class LocalFile implements AutoCloseable {
        private final Path path;
        private final String sourceName;
        private final boolean temporary;

        private LocalFile(Path path, String sourceName, boolean temporary) {
            this.path = path;
            this.sourceName = sourceName;
            this.temporary = temporary;
        }

        static LocalFile existing(Path p) { return new LocalFile(p, p.toString(), false); }

        static LocalFile copyOf(String sourceName, InputStream in) throws IOException {
            Path dir = Files.createTempDirectory("mien-source");
            Path p = dir.resolve("model");
            try {
                Files.copy(in, p);
            } catch (IOException | UncheckedIOException e) {
                Files.deleteIfExists(p);
                Files.deleteIfExists(dir);
                throw new IOException(sourceName + ": cannot copy to a temporary file (" + e.getMessage() + ")", e);
            }
            return new LocalFile(p, sourceName, true);
        }

        public Path path() { return path; }
        public boolean temporary() { return temporary; }

        /** {@code e} with every mention of the temporary copy replaced by the source's name. */
        public IOException rename(IOException e) {
            String m = e.getMessage();
            if (!temporary || m == null || !m.contains(path.toString())) return e;
            return new IOException(m.replace(path.toString(), sourceName), e);
        }

        /** The message of {@code e} naming the source instead of a temporary copy. */
        public String rename(String message) {
            return !temporary || message == null ? message : message.replace(path.toString(), sourceName);
        }

        @Override public void close() throws IOException {
            if (!temporary) return;
            Files.deleteIfExists(path);
            Files.deleteIfExists(path.getParent());
        }
    }
}
