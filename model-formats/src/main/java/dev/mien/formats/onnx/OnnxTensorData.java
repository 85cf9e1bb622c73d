package dev.mien.formats.onnx;

import dev.mien.engine.io.DType;
import dev.mien.engine.io.Printable;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The values of an {@link OnnxTensor}: decoded from raw_data (little-endian, as ONNX specifies),
 * from the typed fields, or from an external-data file. External data is read only from a
 * regular file inside the model's folder: the location must be relative, may not climb out
 * ("..", absolute paths, drive letters) nor leave the folder through a symbolic link, and the
 * requested range must lie inside the file and be exactly the tensor's size.
 */
final class OnnxTensorData {
    private OnnxTensorData() {}

    /** The tensor's values as float32 (integers rounded like {@code (float) long}). */
    static float[] floats(OnnxModel m, OnnxTensor t) throws OnnxFormatException {
        if (t.floats() != null) return t.floats().clone();
        if (t.longs() != null) {
            long[] l = t.longs();
            float[] f = new float[l.length];
            for (int i = 0; i < l.length; i++)
                f[i] = switch (t.dataType()) {
                    case OnnxTensor.FLOAT16 -> Float.float16ToFloat((short) l[i]);
                    case OnnxTensor.BFLOAT16 -> DType.bf16((short) l[i]);
                    default -> (float) l[i];
                };
            return f;
        }
        ByteBuffer b = bytes(m, t);
        return dtype(m, t).decode(b, 0, (int) t.elementCount(), ByteOrder.LITTLE_ENDIAN);
    }

    /** The tensor's values as integers (float types refused: shapes and indices are integers). */
    static long[] longs(OnnxModel m, OnnxTensor t) throws OnnxFormatException {
        if (OnnxTensor.isFloatType(t.dataType()))
            throw new OnnxFormatException(m.source(), "tensor '" + Printable.clip(t.name()) + "' is " + OnnxTensor.typeName(t.dataType()) + ", expected integers");
        if (t.longs() != null) return t.longs().clone();
        ByteBuffer b = bytes(m, t).order(ByteOrder.LITTLE_ENDIAN);
        int n = (int) t.elementCount();
        long[] out = new long[n];
        for (int i = 0; i < n; i++)
            out[i] = switch (t.dataType()) {
                case OnnxTensor.INT64, OnnxTensor.UINT64 -> b.getLong(8 * i);
                case OnnxTensor.INT32 -> b.getInt(4 * i);
                case OnnxTensor.UINT32 -> b.getInt(4 * i) & 0xffffffffL;
                case OnnxTensor.INT16 -> b.getShort(2 * i);
                case OnnxTensor.UINT16 -> b.getShort(2 * i) & 0xffff;
                case OnnxTensor.INT8 -> b.get(i);
                case OnnxTensor.UINT8 -> b.get(i) & 0xff;
                case OnnxTensor.BOOL -> b.get(i) != 0 ? 1 : 0;
                default -> throw new OnnxFormatException(m.source(), "tensor '" + Printable.clip(t.name()) + "' has unsupported type " + OnnxTensor.typeName(t.dataType()));
            };
        return out;
    }

    private static DType dtype(OnnxModel m, OnnxTensor t) throws OnnxFormatException {
        return switch (t.dataType()) {
            case OnnxTensor.FLOAT -> DType.F32;
            case OnnxTensor.DOUBLE -> DType.F64;
            case OnnxTensor.FLOAT16 -> DType.F16;
            case OnnxTensor.BFLOAT16 -> DType.BF16;
            case OnnxTensor.INT8 -> DType.I8;
            case OnnxTensor.UINT8 -> DType.U8;
            case OnnxTensor.INT16 -> DType.I16;
            case OnnxTensor.UINT16 -> DType.U16;
            case OnnxTensor.INT32 -> DType.I32;
            case OnnxTensor.UINT32 -> DType.U32;
            case OnnxTensor.INT64 -> DType.I64;
            case OnnxTensor.UINT64 -> DType.U64;
            case OnnxTensor.BOOL -> DType.BOOL;
            default -> throw new OnnxFormatException(m.source(), "tensor '" + Printable.clip(t.name()) + "' has unsupported type " + OnnxTensor.typeName(t.dataType()));
        };
    }

    /** The tensor's stored bytes (exactly elementCount x element size; checked by the reader or here). */
    private static ByteBuffer bytes(OnnxModel m, OnnxTensor t) throws OnnxFormatException {
        if (t.raw() != null) return ByteBuffer.wrap(m.bytes(), t.raw()[0], t.raw()[1]).slice();
        if (t.external() != null) return external(m, t);
        throw new OnnxFormatException(m.source(), "tensor '" + Printable.clip(t.name()) + "' has no values");
    }

    private static ByteBuffer external(OnnxModel m, OnnxTensor t) throws OnnxFormatException {
        OnnxTensor.External e = t.external();
        String name = "tensor '" + Printable.clip(t.name()) + "' external data '" + Printable.clip(e.location()) + "'";
        if (m.baseDir() == null) throw new OnnxFormatException(m.source(), name + ": the model was not read from a file, so external data has no folder");
        Path file = resolveInside(m, name, e.location());
        long need = t.elementCount() * OnnxTensor.elementBytes(t.dataType());
        if (e.length() >= 0 && e.length() != need)
            throw new OnnxFormatException(m.source(), name + ": length " + e.length() + " but the tensor needs " + need + " bytes");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            long size = ch.size();
            if (e.offset() > size || need > size - e.offset())
                throw new OnnxFormatException(m.source(), name + ": bytes " + e.offset() + ".." + (e.offset() + need) + " lie outside the file (" + size + " bytes)");
            ByteBuffer b = ByteBuffer.allocate((int) need);
            while (b.hasRemaining()) {
                if (ch.read(b, e.offset() + b.position()) < 0) throw new OnnxFormatException(m.source(), name + ": file ended early");
            }
            return b.flip();
        } catch (OnnxFormatException x) {
            throw x;
        } catch (IOException x) {
            throw new OnnxFormatException(m.source(), name + ": " + Printable.reason(x, 160));
        }
    }

    /** The external file, refused unless it is a regular file inside the model's folder (after resolving links). */
    static Path resolveInside(OnnxModel m, String name, String location) throws OnnxFormatException {
        if (location.isEmpty() || location.indexOf('\0') >= 0 || location.startsWith("/") || location.startsWith("\\")
                || location.contains("\\") || (location.length() > 1 && location.charAt(1) == ':'))
            throw new OnnxFormatException(m.source(), name + ": the location must be a relative path inside the model's folder");
        for (String part : location.split("/"))
            if (part.equals("..")) throw new OnnxFormatException(m.source(), name + ": the location climbs out of the model's folder");
        try {
            Path dir = m.baseDir().toRealPath();
            Path p = dir.resolve(location).normalize();
            if (!p.startsWith(dir)) throw new OnnxFormatException(m.source(), name + ": the location lies outside the model's folder");
            if (!Files.exists(p)) throw new OnnxFormatException(m.source(), name + ": no such file beside the model");
            Path real = p.toRealPath();
            if (!real.startsWith(dir)) throw new OnnxFormatException(m.source(), name + ": the location links outside the model's folder");
            if (!Files.isRegularFile(real)) throw new OnnxFormatException(m.source(), name + ": not a regular file");
            return real;
        } catch (OnnxFormatException x) {
            throw x;
        } catch (IOException | RuntimeException x) {
            throw new OnnxFormatException(m.source(), name + ": " + Printable.reason(x, 160));
        }
    }
}
