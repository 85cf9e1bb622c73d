package dev.mien.engine.io;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Enumeration;
import java.util.List;
import java.util.TreeSet;

/**
 * Models shipped on the class path and named {@code builtin:NAME} wherever a model is accepted.
 * They are {@code .mien} files under {@value #RESOURCE_DIR} (the {@code mien-default-models}
 * artifact ships BlazeFace and the FER2013 emotion network); each jar that carries some lists
 * them, one name a line, in {@value #INDEX}, because class loaders cannot list a directory
 * inside a jar. The engine does not depend on that artifact: without it on the class path,
 * every builtin name is refused with a message saying what to add.
 */
public final class BuiltinModels {
    private BuiltinModels() {}

    /** How a builtin model is named where a path is expected, e.g. {@code builtin:emotion}. */
    public static final String PREFIX = "builtin:";
    /** Class-path folder of the builtin {@code .mien} files. */
    public static final String RESOURCE_DIR = "dev/mien/models/";
    /** Class-path index listing the builtin names (one a line, '#' comments). */
    public static final String INDEX = RESOURCE_DIR + "builtin-models.txt";

    /** Whether {@code spec} names a builtin model ({@code builtin:NAME}). */
    public static boolean isBuiltin(String spec) { return spec != null && spec.startsWith(PREFIX); }

    /** The builtin names on the class path of this class's loader, sorted; empty when none ships. */
    public static List<String> names() throws IOException { return names(loader()); }

    public static List<String> names(ClassLoader loader) throws IOException {
        TreeSet<String> names = new TreeSet<>();
        Enumeration<URL> indexes = loader.getResources(INDEX);
        while (indexes.hasMoreElements()) {
            URL u = indexes.nextElement();
            try (InputStream in = u.openStream();
                 BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                int lines = 0;
                while ((line = r.readLine()) != null && lines++ < 10_000) {
                    String s = line.strip();
                    if (!s.isEmpty() && !s.startsWith("#") && validName(s)) names.add(s);
                }
            }
        }
        return List.copyOf(names);
    }

    /**
     * The builtin model {@code name} (with or without the {@code builtin:} prefix) as a
     * class-path source; one line listing the available names when it is unknown or when no
     * builtin models are on the class path.
     */
    public static ModelSource source(String name) throws IOException { return source(loader(), name); }

    public static ModelSource source(ClassLoader loader, String name) throws IOException {
        String n = isBuiltin(name) ? name.substring(PREFIX.length()) : name;
        List<String> known = names(loader);
        if (known.isEmpty())
            throw new IOException(PREFIX + Printable.clip(n) + ": no builtin models on the class path (add the dev.mien:mien-default-models artifact)");
        if (!validName(n) || !known.contains(n))
            throw new IOException(PREFIX + Printable.clip(n) + ": unknown builtin model; available: " + String.join(", ", known));
        String resource = RESOURCE_DIR + n + ".mien";
        if (loader.getResource(resource) == null)
            throw new IOException(PREFIX + n + ": listed in " + INDEX + " but " + resource + " is missing from the class path");
        return ModelSource.resource(loader, resource);
    }

    private static boolean validName(String s) { return s.matches("[a-z0-9][a-z0-9_.-]{0,63}") && !s.contains(".."); }

    private static ClassLoader loader() {
        ClassLoader l = Thread.currentThread().getContextClassLoader();
        return l != null ? l : BuiltinModels.class.getClassLoader();
    }
}
