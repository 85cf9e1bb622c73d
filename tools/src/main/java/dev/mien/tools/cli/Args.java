package dev.mien.tools.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A small GNU-style argument parser: {@code --name value}, {@code --name=value}, boolean
 * {@code --flag}, short aliases, and positionals. Unknown options are errors.
 */
public final class Args {
    private final Map<String, String> values = new HashMap<>();
    private final Set<String> flags = new HashSet<>();
    private final List<String> positionals = new ArrayList<>();

    /**
     * @param withValue options taking a value (names without dashes; "o" for -o)
     * @param booleans  options without a value
     */
    public static Args parse(String command, List<String> argv, Set<String> withValue, Set<String> booleans) {
        Args a = new Args();
        for (int i = 0; i < argv.size(); i++) {
            String s = argv.get(i);
            if (s.equals("--")) { a.positionals.addAll(argv.subList(i + 1, argv.size())); break; }
            if (s.startsWith("-") && s.length() > 1 && !isNumber(s)) {
                String name = s.startsWith("--") ? s.substring(2) : s.substring(1);
                String val = null;
                int eq = name.indexOf('=');
                if (eq >= 0) { val = name.substring(eq + 1); name = name.substring(0, eq); }
                if (booleans.contains(name)) {
                    if (val != null) throw new CliException(command + ": option --" + name + " takes no value");
                    a.flags.add(name);
                } else if (withValue.contains(name)) {
                    if (val == null) {
                        if (i + 1 >= argv.size()) throw new CliException(command + ": option " + s + " needs a value");
                        val = argv.get(++i);
                    }
                    a.values.put(name, val);
                } else {
                    throw new CliException(command + ": unknown option " + s + " (see 'mien help " + command + "')");
                }
            } else {
                a.positionals.add(s);
            }
        }
        return a;
    }

    private static boolean isNumber(String s) {
        try { Double.parseDouble(s); return true; } catch (NumberFormatException e) { return false; }
    }

    public boolean flag(String name) { return flags.contains(name); }
    public String get(String name) { return values.get(name); }
    public String get(String name, String dflt) { return values.getOrDefault(name, dflt); }
    public List<String> positionals() { return positionals; }

    public int intValue(String name, int dflt, int min, int max) {
        String v = values.get(name);
        if (v == null) return dflt;
        try {
            int n = Integer.parseInt(v);
            if (n < min || n > max) throw new CliException("--" + name + " must be between " + min + " and " + max + ", got " + v);
            return n;
        } catch (NumberFormatException e) {
            throw new CliException("--" + name + " must be an integer, got '" + v + "'");
        }
    }

    public float floatValue(String name, float dflt) {
        String v = values.get(name);
        if (v == null) return dflt;
        try { return Float.parseFloat(v); } catch (NumberFormatException e) {
            throw new CliException("--" + name + " must be a number, got '" + v + "'");
        }
    }

    /** An existing, readable regular file. */
    public static Path existingFile(String what, String p) {
        if (p == null) throw new CliException("missing " + what);
        if (BuiltinModelFiles.isBuiltin(p)) return BuiltinModelFiles.path(p);
        Path path = Path.of(p);
        if (!Files.exists(path)) throw new CliException(p + ": no such file");
        if (!Files.isRegularFile(path)) throw new CliException(p + ": not a regular file");
        if (!Files.isReadable(path)) throw new CliException(p + ": not readable");
        return path;
    }

    /** A model: a file, or a directory holding a multi-file model (manifest plus weights). */
    public static Path existingModel(String what, String p) {
        if (p == null) throw new CliException("missing " + what);
        if (BuiltinModelFiles.isBuiltin(p)) return BuiltinModelFiles.path(p);
        Path path = Path.of(p);
        if (Files.isDirectory(path)) {
            if (!Files.isReadable(path)) throw new CliException(p + ": not readable");
            return path;
        }
        return existingFile(what, p);
    }
}
