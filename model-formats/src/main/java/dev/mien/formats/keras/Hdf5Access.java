package dev.mien.formats.keras;

import dev.mien.engine.Tensor;
import dev.mien.engine.io.Printable;
import dev.mien.engine.io.ReadLimits;
import io.jhdf.HdfFile;
import io.jhdf.api.Attribute;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;

import java.lang.reflect.Array;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The subset of HDF5 that Keras files need, read through jHDF with every failure turned into a
 * {@link KerasFormatException} naming the file. jHDF reports corrupt input with its own runtime
 * exceptions (and, for looping structures, deep recursion), so every call into it goes
 * through {@link #guard}.
 */
final class Hdf5Access {
    /** Largest tensor a Java float[] holds, with room to spare; {@link ReadLimits#maxTensorElements} is usually lower. */
    private static final long MAX_ELEMENTS = Integer.MAX_VALUE - 64;

    private final String source;
    private final long fileLength;

    Hdf5Access(String source, long fileLength) {
        this.source = source;
        this.fileLength = fileLength;
    }

    String source() { return source; }

    /** Opens an HDF5 file on disk (jHDF finds the superblock after a user block too). */
    static HdfFile open(String source, java.nio.file.Path file) throws KerasFormatException {
        Hdf5Superblock.checkComplete(source, file);
        return guardStatic(source, "not a readable HDF5 file", () -> new HdfFile(file));
    }

    /** Opens HDF5 content held in memory (an archive entry, or a test's bytes). */
    static HdfFile open(String source, byte[] bytes) throws KerasFormatException {
        Hdf5Superblock.checkComplete(source, bytes);
        return guardStatic(source, "not a readable HDF5 file", () -> HdfFile.fromBytes(bytes));
    }

    @FunctionalInterface
    interface Action<T> { T run() throws Exception; }

    <T> T guard(String what, Action<T> action) throws KerasFormatException {
        return guardStatic(source, what, action::run);
    }

    private static <T> T guardStatic(String source, String what, Callable<T> action) throws KerasFormatException {
        try {
            return action.call();
        } catch (KerasFormatException e) {
            throw e;
        } catch (Exception | StackOverflowError e) {
            throw new KerasFormatException(source, what + " (corrupt or truncated HDF5: " + describe(e) + ")", e);
        } catch (OutOfMemoryError e) {
            throw new KerasFormatException(source, what + " (HDF5 structure claims more data than fits in memory)", e);
        }
    }

    private static String describe(Throwable e) {
        // The problem in words (the HDF5 library's own exception class means nothing to a user).
        String d = Printable.reason(e, 160);
        // jHDF wraps the real problem (a checksum mismatch, a bad address) in generic exceptions.
        Throwable root = e;
        for (int i = 0; i < 8 && root.getCause() != null && root.getCause() != root; i++) root = root.getCause();
        if (root != e && root.getMessage() != null) d += " <- " + Printable.clip(root.getMessage(), 160);
        return d;
    }

    /** Child group {@code name} of {@code group}, or null when absent; error when it is not a group. */
    Group childGroup(Group group, String name) throws KerasFormatException {
        Node child = guard("cannot read group " + group.getPath(), () -> group.getChildren().get(name));
        if (child == null) return null;
        if (!(child instanceof Group g)) throw new KerasFormatException(source, child.getPath() + " is not a group");
        return g;
    }

    /** Node at a '/'-separated path below {@code group}, or null when some part is absent. */
    Node nodeAt(Group group, String relPath) throws KerasFormatException {
        Node at = group;
        for (String part : relPath.split("/")) {
            if (part.isEmpty()) continue;
            if (!(at instanceof Group g)) return null;
            Node cur = at;
            at = guard("cannot read group " + cur.getPath(), () -> g.getChildren().get(part));
            if (at == null) return null;
        }
        return at;
    }

    boolean hasAttribute(Node node, String name) throws KerasFormatException {
        return guard("cannot read attributes of " + node.getPath(), () -> node.getAttributes().containsKey(name));
    }

    /** A string attribute (fixed or variable length, or bytes), or null when absent. */
    String stringAttribute(Node node, String name) throws KerasFormatException {
        if (!hasAttribute(node, name)) return null;
        Object data = guard("cannot read attribute " + name + " of " + node.getPath(),
                () -> node.getAttribute(name).getData());
        String s = asString(data);
        if (s == null)
            throw new KerasFormatException(source, "attribute " + name + " of " + node.getPath()
                    + " is not a string (" + typeName(data) + ")");
        return s;
    }

    /**
     * A string-list attribute, or null when absent. Keras splits long lists over
     * {@code name0, name1, ...} when they exceed the HDF5 object-header limit; those are joined.
     * An empty numeric array (how h5py stores an empty list) reads as an empty list.
     */
    List<String> stringListAttribute(Node node, String name) throws KerasFormatException {
        if (hasAttribute(node, name)) return readStringList(node, name);
        if (!hasAttribute(node, name + "0")) return null;
        List<String> all = new ArrayList<>();
        for (int chunk = 0; hasAttribute(node, name + chunk); chunk++) all.addAll(readStringList(node, name + chunk));
        return all;
    }

    private List<String> readStringList(Node node, String name) throws KerasFormatException {
        Attribute attr = guard("cannot read attribute " + name + " of " + node.getPath(), () -> node.getAttribute(name));
        Object data = guard("cannot read attribute " + name + " of " + node.getPath(), () -> {
            if (attr.isEmpty() || attr.getSize() == 0) return null;
            return attr.getData();
        });
        if (data == null) return List.of();
        String single = asString(data);
        if (single != null && !(data instanceof byte[])) return List.of(single);
        List<String> out = new ArrayList<>();
        if (data.getClass().isArray()) {
            int n = Array.getLength(data);
            for (int i = 0; i < n; i++) {
                String s = asString(Array.get(data, i));
                if (s == null) {
                    throw new KerasFormatException(source, "attribute " + name + " of " + node.getPath()
                            + " is not a list of strings (" + typeName(data) + ")");
                }
                out.add(s);
            }
            return out;
        }
        throw new KerasFormatException(source, "attribute " + name + " of " + node.getPath()
                + " is not a list of strings (" + typeName(data) + ")");
    }

    /** Strings as jHDF hands them back: String, or raw bytes (fixed-length, possibly NUL padded). */
    private static String asString(Object o) {
        if (o instanceof String s) return stripNuls(s);
        if (o instanceof byte[] b) return stripNuls(new String(b, StandardCharsets.UTF_8));
        return null;
    }

    private static String stripNuls(String s) {
        int end = s.length();
        while (end > 0 && s.charAt(end - 1) == '\0') end--;
        return s.substring(0, end);
    }

    private static String typeName(Object o) {
        return o == null ? "empty" : o.getClass().getSimpleName();
    }

    /** A numeric dataset as an fp32 tensor with the stored shape (a scalar has shape []). */
    Tensor readTensor(Dataset ds) throws KerasFormatException {
        String path = ds.getPath();
        String what = "cannot read dataset " + path;
        int[] shape = guard(what, ds::getDimensions);
        ReadLimits limits = ReadLimits.current();
        long maxElements = Math.min(MAX_ELEMENTS, limits.maxTensorElements());
        long elements = 1;
        for (int d : shape) {
            if (d < 0) throw new KerasFormatException(source, "dataset " + path + " has a negative dimension");
            elements *= d;
            if (elements > maxElements)
                throw new KerasFormatException(source, "dataset " + path + " is too large: " + Arrays.toString(shape)
                        + " (" + ReadLimits.howToRaise("maxTensorElements") + ")");
        }
        boolean compound = guard(what, ds::isCompound);
        boolean vlen = guard(what, ds::isVariableLength);
        Class<?> type = guard(what, ds::getJavaType);
        if (compound || vlen || !(type.isPrimitive() || Number.class.isAssignableFrom(type)) || type == boolean.class)
            throw new KerasFormatException(source, "dataset " + path + " is not numeric (" + type.getSimpleName() + ")");
        long bytes = guard(what, ds::getSizeInBytes);
        boolean filtered = !guard(what, ds::getFilters).isEmpty();
        // Compressed (filtered) data may expand only by the inflate ratio over the whole file.
        long limit = filtered ? limits.maxInflatedBytes(Math.max(fileLength, 1)) : fileLength;
        if (bytes > limit)
            throw new KerasFormatException(source, "dataset " + path + " claims " + bytes
                    + " bytes, more than the file can hold (truncated or corrupt"
                    + (filtered ? ", or beyond the " + ReadLimits.howToRaise("maxInflateRatio") : "") + ")");
        if (elements == 0) return new Tensor(shape, new float[0]);
        Object flat = guard(what, ds::getDataFlat);
        float[] values = toFloats(flat, path);
        if (values.length != elements)
            throw new KerasFormatException(source, "dataset " + path + " holds " + values.length
                    + " values for shape " + Arrays.toString(shape));
        return new Tensor(shape, values);
    }

    private float[] toFloats(Object flat, String path) throws KerasFormatException {
        if (flat instanceof Number n) return new float[] {n.floatValue()};
        float[] widened = dev.mien.engine.io.DType.widen(flat);
        if (widened != null) return widened;
        throw new KerasFormatException(source, "dataset " + path + " has unsupported element type "
                + typeName(flat));
    }

    /** Closes jHDF's file, reporting (not throwing) nothing: we only read. */
    static void closeQuietly(HdfFile f) {
        if (f == null) return;
        try { f.close(); } catch (RuntimeException ignored) { /* read-only; nothing to lose */ }
    }
}
