package dev.mien.formats.tfjs;

import dev.mien.engine.io.DType;
import dev.mien.engine.io.ModelSource;
import dev.mien.engine.io.Printable;
import dev.mien.engine.io.ReadLimits;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The values of a TF.js model's weights: each group's shards are read back to back and cut
 * into tensors in manifest order (which need not be the order of the graph's nodes). Shards
 * must hold exactly the bytes the manifest describes; uint8 / uint16 quantised weights are
 * dequantised as {@code q * scale + min} (in double, rounded once to float, as TF.js does),
 * float16 ones widened.
 */
final class TfjsWeights {
    private TfjsWeights() {}

    /** A weight's values: floats, or exact integers for int32 tensors (shapes, axes, paddings). */
    record Value(long[] shape, float[] floats, int[] ints) {
        boolean isInt() { return ints != null; }
        long size() { return floats != null ? floats.length : ints.length; }
    }

    static Map<String, Value> read(ModelSource dir, TfjsManifest m) throws IOException {
        ReadLimits limits = ReadLimits.current();
        Map<String, Value> out = new LinkedHashMap<>();
        for (TfjsManifest.WeightGroup g : m.weightGroups()) {
            long expected = 0;
            for (TfjsManifest.WeightSpec w : g.weights()) {
                long n = elements(m.source(), w, limits);
                expected = Math.addExact(expected, Math.multiplyExact(n, storedBytes(m.source(), w)));
            }
            if (expected > Integer.MAX_VALUE - 16L) throw new IOException(m.source() + ": a weight group of " + expected + " bytes is too large");
            if (g.paths().isEmpty() && expected > 0) throw new IOException(m.source() + ": a weight group with tensors but no shard paths");
            // Grows with the bytes the shards really hold, never with what the manifest claims.
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            for (String p : g.paths()) {
                ModelSource shard;
                try {
                    shard = dir.resolve(p);
                } catch (IOException e) {
                    throw new IOException(m.source() + ": weight shard '" + Printable.clip(p) + "': " + Printable.reason(e, 160));
                }
                long room = expected - all.size();
                byte[] b;
                try {
                    b = shard.readAllBytes(room);
                } catch (IOException e) {
                    throw new IOException(m.source() + ": weight shard '" + Printable.clip(p) + "' holds more bytes than the manifest describes ("
                            + expected + " in all)");
                }
                all.write(b, 0, b.length);
            }
            if (all.size() != expected)
                throw new IOException(m.source() + ": the weight shards " + g.paths().stream().map(Printable::clip).toList() + " hold " + all.size()
                        + " bytes, the manifest describes " + expected + " (truncated shard?)");
            ByteBuffer buf = ByteBuffer.wrap(all.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
            int at = 0;
            for (TfjsManifest.WeightSpec w : g.weights()) {
                int n = (int) elements(m.source(), w, limits);
                Value v = decode(m.source(), w, buf, at, n);
                if (out.put(w.name(), v) != null) throw new IOException(m.source() + ": weight '" + Printable.clip(w.name()) + "' listed twice in the manifest");
                at += n * storedBytes(m.source(), w);
            }
        }
        return out;
    }

    private static long elements(String source, TfjsManifest.WeightSpec w, ReadLimits limits) throws IOException {
        long n = 1;
        for (long d : w.shape()) {
            if (d > Integer.MAX_VALUE) throw new IOException(source + ": weight '" + Printable.clip(w.name()) + "' has a dimension of " + d);
            n = Math.multiplyExact(n, Math.max(d, 0));
            if (n > limits.maxTensorElements())
                throw new IOException(source + ": weight '" + Printable.clip(w.name()) + "' has more than " + limits.maxTensorElements()
                        + " elements; " + ReadLimits.howToRaise("maxTensorElements"));
        }
        return n;
    }

    private static int storedBytes(String source, TfjsManifest.WeightSpec w) throws IOException {
        if (w.quantization() != null) return switch (w.quantization().dtype()) {
            case "uint8" -> 1;
            case "uint16", "float16" -> 2;
            default -> throw new IOException(source + ": weight '" + Printable.clip(w.name()) + "' has unsupported quantization dtype '"
                    + Printable.clip(w.quantization().dtype()) + "' (supported: uint8, uint16, float16)");
        };
        return switch (w.dtype()) {
            case "float32", "int32" -> 4;
            case "bool" -> 1;
            default -> throw new IOException(source + ": weight '" + Printable.clip(w.name()) + "' has unsupported dtype '" + Printable.clip(w.dtype())
                    + "' (supported: float32, int32, bool)");
        };
    }

    private static Value decode(String source, TfjsManifest.WeightSpec w, ByteBuffer b, int at, int n) throws IOException {
        boolean integer = w.dtype().equals("int32") || w.dtype().equals("bool");
        float[] f;
        TfjsManifest.Quantization q = w.quantization();
        if (q == null) {
            if (w.dtype().equals("int32")) {
                int[] ints = new int[n];
                for (int i = 0; i < n; i++) ints[i] = b.getInt(at + 4 * i);
                return new Value(w.shape(), null, ints);
            }
            f = (w.dtype().equals("bool") ? DType.U8 : DType.F32).decode(b, at, n, ByteOrder.LITTLE_ENDIAN);
        } else if (q.dtype().equals("float16")) {
            f = DType.F16.decode(b, at, n, ByteOrder.LITTLE_ENDIAN);
        } else {
            f = (q.dtype().equals("uint8") ? DType.U8 : DType.U16).decode(b, at, n, ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < n; i++) f[i] = (float) (f[i] * q.scale() + q.min());
        }
        if (!integer) return new Value(w.shape(), f, null);
        int[] ints = new int[n];
        for (int i = 0; i < n; i++) {
            if (!Float.isFinite(f[i])) throw new IOException(source + ": int32 weight '" + Printable.clip(w.name()) + "' dequantises to " + f[i]);
            ints[i] = Math.round(f[i]);
        }
        return new Value(w.shape(), null, ints);
    }
}
