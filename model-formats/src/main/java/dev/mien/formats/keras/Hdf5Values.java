package dev.mien.formats.keras;

import dev.mien.engine.Tensor;
import io.jhdf.api.Attribute;
import io.jhdf.api.Dataset;

import java.lang.reflect.Array;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Reading HDF5 attributes and datasets (through jHDF) as strings and fp32 tensors. */
final class Hdf5Values {
    private Hdf5Values() {}

    /** A string attribute stored fixed- or variable-length, as a scalar, a one-element array or bytes. */
    static String string(Attribute a) {
        Object d = a.getData();
        if (d instanceof String s) return s;
        if (d instanceof byte[] b) return new String(b, StandardCharsets.UTF_8);
        if (d != null && d.getClass().isArray() && Array.getLength(d) > 0) return String.valueOf(Array.get(d, 0));
        return String.valueOf(d);
    }

    /** A string-array attribute (layer_names, weight_names). */
    static List<String> strings(Attribute a) {
        Object d = a.getData();
        List<String> out = new ArrayList<>();
        if (d instanceof String s) out.add(s);
        else if (d != null && d.getClass().isArray())
            for (int i = 0; i < Array.getLength(d); i++) {
                Object e = Array.get(d, i);
                out.add(e instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(e));
            }
        return out;
    }

    /** A numeric dataset of any rank as fp32. */
    static Tensor tensor(Dataset d) {
        int[] shape = d.getDimensions();
        Object flat = d.getDataFlat();
        long n = Tensor.sizeOf(shape);
        float[] f = new float[(int) n];
        if (flat instanceof float[] a) {
            System.arraycopy(a, 0, f, 0, f.length);
        } else if (flat != null && flat.getClass().isArray()) {
            for (int i = 0; i < f.length; i++) f[i] = ((Number) Array.get(flat, i)).floatValue();
        } else if (flat instanceof Number num) {
            f[0] = num.floatValue();
        } else {
            throw new IllegalArgumentException("dataset " + d.getPath() + " is not numeric");
        }
        return new Tensor(shape, f);
    }
}
