package dev.mien.formats.torch;

import dev.mien.engine.Tensor;
import dev.mien.engine.io.Printable;
import dev.mien.engine.io.ReadLimits;
import dev.mien.formats.ZipMembers;
import dev.mien.formats.torch.PickleObjects.DType;
import dev.mien.formats.torch.PickleObjects.Global;
import dev.mien.formats.torch.PickleObjects.StorageRef;
import dev.mien.formats.torch.PickleObjects.TensorRef;
import dev.mien.formats.torch.PickleObjects.Tuple;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * A PyTorch checkpoint (torch.save): the zip format of torch >= 1.6 (records under any top
 * folder) and the legacy format before it. The pickle is read by {@link SafeUnpickler}, which
 * runs nothing; tensors are then materialised from their storages as fp32.
 */
public final class TorchCheckpoint {
    private static final BigInteger LEGACY_MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);
    /** Storages larger than this are refused rather than allocated (they are held in one array). */
    private static final long MAX_STORAGE_BYTES = Integer.MAX_VALUE - 16;
    /** Where a state dict may sit below the checkpoint's top (checkpoint['model']['state_dict'] ...). */
    private static final int MAX_STATE_DICT_DEPTH = 8;

    private final Path file;
    private final Object root;
    private final Map<String, ByteBuffer> storages;

    private TorchCheckpoint(Path file, Object root, Map<String, ByteBuffer> storages) {
        this.file = file;
        this.root = root;
        this.storages = storages;
    }

    /** The unpickled object tree (maps, lists, tuples, numbers, strings, tensors as {@link TensorRef}, inert objects). */
    public Object root() { return root; }

    /** Top-level keys when the checkpoint is a dict (epoch, best_acc, state_dict, ...). */
    public List<String> topLevelKeys() {
        List<String> keys = new ArrayList<>();
        if (root instanceof Map<?, ?> m) for (Object k : m.keySet()) keys.add(keyText(k));
        return keys;
    }

    public static TorchCheckpoint read(Path file) throws IOException {
        long size = Files.size(file);
        if (size == 0) throw new CheckpointException(file, "empty file");
        byte[] head;
        try (InputStream s = Files.newInputStream(file)) { head = s.readNBytes(4); }
        if (head.length >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) return readZip(file);
        if (head.length >= 2 && (head[0] & 0xff) == 0x80) return readLegacy(file);
        throw new CheckpointException(file, "not a PyTorch checkpoint (neither a zip archive nor a pickle)");
    }

    /** The model weights: the dict of tensors at the top, or under state_dict/model/..., without DataParallel's "module." prefix. */
    public static LinkedHashMap<String, Tensor> loadStateDict(Path file) throws IOException {
        return read(file).stateDict();
    }

    public LinkedHashMap<String, Tensor> stateDict() throws CheckpointException {
        Map<?, ?> dict = findStateDict(root, 0);
        if (dict == null) throw new CheckpointException(file, "no state_dict found (expected a dict of tensors, or one under 'state_dict')");
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : dict.entrySet()) {
            if (!(e.getValue() instanceof TensorRef t)) continue;
            String key = keyText(e.getKey());
            if (key.startsWith("module.")) key = key.substring("module.".length());
            if (out.put(key, materialise(key, t)) != null) throw new CheckpointException(file, "duplicate key " + key + " after removing 'module.'");
        }
        return out;
    }

    /** A dict key as a parameter name: strings as they are (made printable), anything else briefly. */
    private static String keyText(Object k) {
        return k instanceof String s ? Printable.clip(s, 512) : PickleObjects.brief(k);
    }

    /** Depth-bounded: a pickle can make a dict contain itself. */
    private static Map<?, ?> findStateDict(Object o, int depth) {
        if (!(o instanceof Map<?, ?> m) || depth > MAX_STATE_DICT_DEPTH) return null;
        if (!m.isEmpty() && m.values().stream().anyMatch(v -> v instanceof TensorRef)
                && m.values().stream().allMatch(v -> v instanceof TensorRef || v instanceof Map)) return m;
        for (String k : new String[]{"state_dict", "model_state_dict", "model", "net", "module"}) {
            Map<?, ?> inner = findStateDict(m.get(k), depth + 1);
            if (inner != null) return inner;
        }
        return null;
    }

    /** Copies a tensor view out of its storage as fp32, honouring offset and strides. */
    Tensor materialise(String name, TensorRef t) throws CheckpointException {
        ByteBuffer st = storages.get(t.storage().key());
        if (st == null) throw new CheckpointException(file, "tensor " + name + ": storage " + t.storage().key() + " is missing");
        DType dt = t.storage().dtype();
        long available = st.capacity() / dt.bytes;
        long numel = numel(t);
        if (numel < 0) throw new CheckpointException(file, "tensor " + name + " has more elements than a long counts");
        int[] shape = new int[t.size().length];
        for (int i = 0; i < shape.length; i++) {
            if (t.size()[i] > Integer.MAX_VALUE) throw new CheckpointException(file, "tensor " + name + " has a dimension of " + t.size()[i]);
            shape[i] = (int) t.size()[i];
        }
        // A view is copied only within its storage: a stride-0 (expanded) view promising far more
        // elements than the storage holds would make a small file allocate without bound.
        if (numel > available)
            throw new CheckpointException(file, "tensor " + name + " is a view of " + numel + " elements on a storage of "
                    + available + "; expanded views larger than their storage are not materialised");
        if (numel > Math.min(ReadLimits.current().maxTensorElements(), Integer.MAX_VALUE - 16))
            throw new CheckpointException(file, "tensor " + name + " has " + numel + " elements ("
                    + ReadLimits.howToRaise("maxTensorElements") + ")");
        // The furthest element the view touches must lie inside the storage.
        long last = t.offset();
        for (int i = 0; i < shape.length && numel > 0; i++) last = addExact(last, multiplyExact(shape[i] - 1L, t.stride()[i]));
        if (numel > 0 && (t.offset() < 0 || last >= available))
            throw new CheckpointException(file, "tensor " + name + " reads past its storage (" + available + " elements)");
        float[] out = new float[(int) numel];
        int rank = shape.length;
        int[] idx = new int[rank];
        for (int i = 0; i < out.length; i++) {
            long e = t.offset();
            for (int d = 0; d < rank; d++) e += idx[d] * t.stride()[d];
            out[i] = dt.decoded.element(st, (int) e);
            for (int d = rank - 1; d >= 0; d--) { if (++idx[d] < shape[d]) break; idx[d] = 0; }
        }
        return new Tensor(shape, out);
    }

    /** Element count, or -1 when it overflows a long. */
    private static long numel(TensorRef t) {
        long n = 1;
        for (long s : t.size()) {
            if (s == 0) return 0;
            if (n > Long.MAX_VALUE / s) n = -1;
            else if (n >= 0) n *= s;
        }
        return n;
    }

    private static long multiplyExact(long a, long b) {
        try { return Math.multiplyExact(a, b); } catch (ArithmeticException e) { return Long.MAX_VALUE; }
    }

    private static long addExact(long a, long b) {
        try { return Math.addExact(a, b); } catch (ArithmeticException e) { return Long.MAX_VALUE; }
    }

    // ---- containers ---------------------------------------------------------------------

    private static TorchCheckpoint readZip(Path file) throws IOException {
        long archiveBytes = Files.size(file);
        ReadLimits limits = ReadLimits.current();
        try (ZipFile zip = new ZipFile(file.toFile())) {
            String prefix = null;
            for (var en = zip.entries(); en.hasMoreElements(); ) {
                String n = en.nextElement().getName();
                if (n.equals("data.pkl")) { prefix = ""; break; }
                if (n.endsWith("/data.pkl") && n.indexOf('/') == n.length() - "/data.pkl".length()) { prefix = n.substring(0, n.length() - "data.pkl".length()); break; }
            }
            if (prefix == null) throw new CheckpointException(file, "zip archive without data.pkl: not a PyTorch checkpoint");
            ByteOrder order = ByteOrder.LITTLE_ENDIAN;
            ZipEntry bo = zip.getEntry(prefix + "byteorder");
            if (bo != null && new String(readEntry(file, zip, bo, 16, archiveBytes, limits)).trim().equals("big")) order = ByteOrder.BIG_ENDIAN;
            byte[] pkl = readEntry(file, zip, zip.getEntry(prefix + "data.pkl"), MAX_STORAGE_BYTES, archiveBytes, limits);
            Map<String, StorageRef> refs = new LinkedHashMap<>();
            Object root = new SafeUnpickler(file, pkl, 0, pid -> storageRef(file, pid, refs, false)).load();
            Map<String, ByteBuffer> storages = new HashMap<>();
            for (StorageRef r : refs.values()) {
                ZipEntry e = zip.getEntry(prefix + "data/" + r.key());
                if (e == null) throw new CheckpointException(file, "storage record data/" + r.key() + " is missing");
                long need = r.numel() * r.dtype().bytes;
                if (e.getSize() >= 0 && e.getSize() < need)
                    throw new CheckpointException(file, "storage data/" + r.key() + " is truncated (" + e.getSize() + " of " + need + " bytes)");
                byte[] data = readEntry(file, zip, e, MAX_STORAGE_BYTES, archiveBytes, limits);
                if (data.length < need) throw new CheckpointException(file, "storage data/" + r.key() + " is truncated (" + data.length + " of " + need + " bytes)");
                storages.put(r.key(), ByteBuffer.wrap(data).order(order));
            }
            return new TorchCheckpoint(file, root, storages);
        } catch (java.util.zip.ZipException e) {
            throw new CheckpointException(file, "corrupt or truncated zip archive (" + Printable.reason(e, Printable.EXCERPT) + ")");
        }
    }

    /** A record, bounded and CRC-checked ({@link ZipMembers}). */
    private static byte[] readEntry(Path file, ZipFile zip, ZipEntry e, long max, long archiveBytes, ReadLimits limits) throws IOException {
        try {
            return ZipMembers.read(zip, e, max, archiveBytes, limits);
        } catch (ZipMembers.BadMember ex) {
            throw new CheckpointException(file, ex.getMessage());
        }
    }

    private static TorchCheckpoint readLegacy(Path file) throws IOException {
        long size = Files.size(file);
        if (size > Integer.MAX_VALUE - 8) throw new CheckpointException(file, "legacy checkpoints over 2 GiB are not supported");
        byte[] all = Files.readAllBytes(file);
        SafeUnpickler magic = new SafeUnpickler(file, all, 0, pid -> { throw new CheckpointException(file, "unexpected storage in header"); });
        Object m = magic.load();
        if (!(m instanceof BigInteger b && b.equals(LEGACY_MAGIC)) && !(m instanceof Long))
            throw new CheckpointException(file, "a pickle, but not a PyTorch checkpoint (no torch magic number)");
        if (m instanceof Long) throw new CheckpointException(file, "a pickle, but not a PyTorch checkpoint (wrong magic number)");
        SafeUnpickler version = new SafeUnpickler(file, all, magic.position(), pid -> null);
        Object v = version.load();
        if (!(v instanceof Long pv) || pv != 1001) throw new CheckpointException(file, "unsupported legacy protocol version " + PickleObjects.brief(v));
        SafeUnpickler sys = new SafeUnpickler(file, all, version.position(), pid -> null);
        Object sysInfo = sys.load();
        if (sysInfo instanceof Map<?, ?> si && Boolean.FALSE.equals(si.get("little_endian")))
            throw new CheckpointException(file, "big-endian legacy checkpoints are not supported");
        Map<String, StorageRef> refs = new LinkedHashMap<>();
        SafeUnpickler main = new SafeUnpickler(file, all, sys.position(), pid -> storageRef(file, pid, refs, true));
        Object root = main.load();
        SafeUnpickler keysP = new SafeUnpickler(file, all, main.position(), pid -> null);
        Object keys = keysP.load();
        if (!(keys instanceof List<?> keyList)) throw new CheckpointException(file, "legacy storage key list missing");
        ByteBuffer buf = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        int pos = keysP.position();
        Map<String, ByteBuffer> storages = new HashMap<>();
        for (Object k : keyList) {
            StorageRef r = refs.get(String.valueOf(k));
            if (pos + 8 > all.length) throw new CheckpointException(file, "truncated: storage " + PickleObjects.brief(k) + " is missing");
            long count = buf.getLong(pos);
            pos += 8;
            if (r == null) throw new CheckpointException(file, "storage " + PickleObjects.brief(k) + " listed but never referenced");
            if (count < 0 || count > (all.length - pos) / r.dtype().bytes)
                throw new CheckpointException(file, "truncated: storage " + PickleObjects.brief(k) + " claims " + count + " elements, more than the file holds");
            long bytes = count * r.dtype().bytes;
            storages.put(r.key(), ByteBuffer.wrap(all, pos, (int) bytes).slice().order(ByteOrder.LITTLE_ENDIAN));
            pos += (int) bytes;
        }
        return new TorchCheckpoint(file, root, storages);
    }

    /** ('storage', torch.FloatStorage, key, location, numel[, view_metadata]) -> a storage reference. */
    private static StorageRef storageRef(Path file, Object pid, Map<String, StorageRef> refs, boolean legacy) throws CheckpointException {
        if (!(pid instanceof Tuple t) || t.size() < 5 || !"storage".equals(t.get(0)))
            throw new CheckpointException(file, "unsupported persistent id " + PickleObjects.brief(pid) + " (only tensor storages are read)");
        if (!(t.get(1) instanceof Global g) || !g.module().equals("torch"))
            throw new CheckpointException(file, "unsupported storage type " + PickleObjects.brief(t.get(1)));
        DType dt = DType.ofStorage(g.name());
        if (dt == null) throw new CheckpointException(file, "unsupported storage type " + g + " (only float, double, half, bfloat16 and integer storages)");
        if (!(t.get(2) instanceof String key) || key.length() > 256)
            throw new CheckpointException(file, "storage key " + PickleObjects.brief(t.get(2)) + " is not a short string");
        key = Printable.clip(key, 256);
        long maxElements = Math.min(MAX_STORAGE_BYTES / dt.bytes, ReadLimits.current().maxTensorElements());
        if (!(t.get(4) instanceof Long numel) || numel < 0 || numel > maxElements)
            throw new CheckpointException(file, "storage " + key + " has an invalid or oversized element count "
                    + PickleObjects.brief(t.get(4)) + " (at most " + maxElements + "; " + ReadLimits.howToRaise("maxTensorElements") + ")");
        if (legacy && t.size() > 5 && t.get(5) != null)
            throw new CheckpointException(file, "legacy storage views are not supported");
        StorageRef r = new StorageRef(key, dt, numel);
        StorageRef prev = refs.putIfAbsent(key, r);
        if (prev != null && (prev.dtype() != dt || prev.numel() != numel))
            throw new CheckpointException(file, "storage " + key + " is described twice with different types");
        return prev != null ? prev : r;
    }
}
