package dev.mien.formats.onnx;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Evaluates nodes whose inputs are all known at import time, so that shape arithmetic
 * (Shape -> Gather -> Concat -> Reshape, ConstantOfShape, ...) disappears from the graph. The
 * results are bounded like any tensor of the file ({@code maxElements}).
 */
final class ConstantFolder {
    private ConstantFolder() {}

    static final Set<String> FOLDABLE = Set.of("Identity", "Cast", "Gather", "Unsqueeze", "Squeeze", "Concat", "Slice", "Reshape",
            "Flatten", "Transpose", "Add", "Sub", "Mul", "Div", "Max", "Min", "Neg", "Sqrt", "Floor", "Ceil", "Equal", "Where",
            "ConstantOfShape", "Range", "Expand", "Constant", "Dropout", "Split", "Relu", "Sigmoid", "Clip", "Pow", "Not");

    /**
     * The outputs of {@code n} over constant inputs ({@code in[k]} null for an omitted optional
     * input); {@code opset} decides where attributes moved to inputs.
     */
    static ConstTensor[] fold(OnnxNodeView n, ConstTensor[] in, long opset, long maxElements) throws OnnxFormatException {
        ConstTensor x = in.length > 0 ? in[0] : null;
        ConstTensor r = switch (n.op()) {
            case "Identity", "Dropout" -> x;
            case "Cast" -> cast(n, x);
            case "Neg" -> map(x, v -> -v);
            case "Sqrt" -> map(x, Math::sqrt);
            case "Floor" -> map(x, Math::floor);
            case "Ceil" -> map(x, Math::ceil);
            case "Relu" -> map(x, v -> Math.max(v, 0));
            case "Sigmoid" -> map(x, v -> 1 / (1 + Math.exp(-v)));
            case "Not" -> map(x, v -> v == 0 ? 1 : 0);
            case "Add", "Sub", "Mul", "Div", "Max", "Min", "Equal", "Pow" -> binary(n, in, maxElements);
            case "Where" -> where(n, in, maxElements);
            case "Clip" -> clip(n, in, opset);
            case "Gather" -> gather(n, x, in[1]);
            case "Unsqueeze" -> x.reshape(unsqueezeShape(n, x.shape(), axesOf(n, in, 1, opset >= 13)));
            case "Squeeze" -> x.reshape(squeezeShape(n, x.shape(), axesOf(n, in, 1, opset >= 13)));
            case "Concat" -> concat(n, in);
            case "Slice" -> slice(n, in, opset);
            case "Reshape" -> x.reshape(reshapeShape(n, x.shape(), in[1], n.i("allowzero", 0) != 0));
            case "Flatten" -> {
                int ax = n.axis(n.i("axis", 1), x.rank() + 1);
                long a = 1;
                for (int k = 0; k < ax; k++) a *= x.shape()[k];
                yield x.reshape(new int[]{(int) a, (int) (x.size() / Math.max(1, a))});
            }
            case "Transpose" -> x.transpose(transposePerm(n, x.rank()));
            case "ConstantOfShape" -> constantOfShape(n, x, maxElements);
            case "Range" -> range(n, in, maxElements);
            case "Expand" -> {
                int[] target = Shapes.broadcast(n, x.shape(), toShape(n, in[1], maxElements));
                check(n, target, maxElements);
                yield x.broadcastTo(target);
            }
            case "Split" -> null;
            default -> throw n.error("cannot be evaluated at import time");
        };
        if (n.op().equals("Split")) return split(n, in, opset);
        return new ConstTensor[]{r};
    }

    /** A 1-D integer tensor as a shape (each dim 0 .. maxElements; -1 and 0 kept for Reshape's rules by the caller). */
    static int[] toShape(OnnxNodeView n, ConstTensor t, long maxElements) throws OnnxFormatException {
        if (t.rank() > 1) throw n.error("a shape must be 1-D, got " + Arrays.toString(t.shape()));
        long[] v = t.longs();
        int[] s = new int[v.length];
        for (int k = 0; k < v.length; k++) {
            if (v[k] < -1 || v[k] > maxElements) throw n.error("shape value " + v[k] + " out of range");
            s[k] = (int) v[k];
        }
        return s;
    }

    static void check(OnnxNodeView n, int[] shape, long maxElements) throws OnnxFormatException {
        long c = 1;
        for (int d : shape) {
            if (d < 0) throw n.error("negative dim in " + Arrays.toString(shape));
            if (d > 0 && c > maxElements / d)
                throw n.error("a folded constant of shape " + Arrays.toString(shape) + " would exceed " + maxElements + " elements ("
                        + dev.mien.engine.io.ReadLimits.howToRaise("maxTensorElements") + ")");
            c *= d;
        }
    }

    private interface Fn { double apply(double v); }

    private static ConstTensor map(ConstTensor x, Fn f) {
        if (x.isFloat()) {
            float[] o = new float[x.size()];
            for (int i = 0; i < o.length; i++) o[i] = (float) f.apply(x.f()[i]);
            return ConstTensor.ofFloats(x.shape(), o);
        }
        long[] o = new long[x.size()];
        for (int i = 0; i < o.length; i++) o[i] = (long) f.apply(x.l()[i]);
        return ConstTensor.ofLongs(x.shape(), o);
    }

    private static ConstTensor cast(OnnxNodeView n, ConstTensor x) throws OnnxFormatException {
        int to = n.intAttr("to", 0);
        if (OnnxTensor.isFloatType(to)) return x.isFloat() ? x : ConstTensor.ofFloats(x.shape(), x.floats());
        if (to == OnnxTensor.BOOL) return map(x.isFloat() ? ConstTensor.ofLongs(x.shape(), x.longs()) : x, v -> v != 0 ? 1 : 0);
        if (OnnxTensor.elementBytes(to) == 0) throw n.error("cast to " + OnnxTensor.typeName(to) + " is not supported");
        return x.isFloat() ? ConstTensor.ofLongs(x.shape(), x.longs()) : x;
    }

    private static ConstTensor binary(OnnxNodeView n, ConstTensor[] in, long maxElements) throws OnnxFormatException {
        ConstTensor acc = in[0];
        for (int k = 1; k < in.length; k++) acc = binary(n, acc, in[k], maxElements);
        return acc;
    }

    private static ConstTensor binary(OnnxNodeView n, ConstTensor a, ConstTensor b, long maxElements) throws OnnxFormatException {
        int[] s = Shapes.broadcast(n, a.shape(), b.shape());
        check(n, s, maxElements);
        ConstTensor x = a.broadcastTo(s), y = b.broadcastTo(s);
        String op = n.op();
        boolean floats = x.isFloat() || y.isFloat();
        if (op.equals("Equal")) {
            long[] o = new long[x.size()];
            for (int i = 0; i < o.length; i++) o[i] = x.get(i) == y.get(i) ? 1 : 0;
            return ConstTensor.ofLongs(s, o);
        }
        if (floats) {
            float[] o = new float[x.size()];
            for (int i = 0; i < o.length; i++) {
                float p = (float) x.get(i), q = (float) y.get(i);
                o[i] = switch (op) {
                    case "Add" -> p + q; case "Sub" -> p - q; case "Mul" -> p * q; case "Div" -> p / q;
                    case "Max" -> Math.max(p, q); case "Min" -> Math.min(p, q); default -> (float) Math.pow(p, q);
                };
            }
            return ConstTensor.ofFloats(s, o);
        }
        long[] o = new long[x.size()];
        for (int i = 0; i < o.length; i++) {
            long p = x.l()[i], q = y.l()[i];
            if (op.equals("Div") && q == 0) throw n.error("integer division by zero");
            o[i] = switch (op) {
                case "Add" -> p + q; case "Sub" -> p - q; case "Mul" -> p * q; case "Div" -> p / q;
                case "Max" -> Math.max(p, q); case "Min" -> Math.min(p, q); default -> (long) Math.pow(p, q);
            };
        }
        return ConstTensor.ofLongs(s, o);
    }

    private static ConstTensor where(OnnxNodeView n, ConstTensor[] in, long maxElements) throws OnnxFormatException {
        int[] s = Shapes.broadcast(n, Shapes.broadcast(n, in[0].shape(), in[1].shape()), in[2].shape());
        check(n, s, maxElements);
        ConstTensor c = in[0].broadcastTo(s), a = in[1].broadcastTo(s), b = in[2].broadcastTo(s);
        if (a.isFloat() || b.isFloat()) {
            float[] o = new float[c.size()];
            for (int i = 0; i < o.length; i++) o[i] = (float) (c.get(i) != 0 ? a.get(i) : b.get(i));
            return ConstTensor.ofFloats(s, o);
        }
        long[] o = new long[c.size()];
        for (int i = 0; i < o.length; i++) o[i] = c.get(i) != 0 ? a.l()[i] : b.l()[i];
        return ConstTensor.ofLongs(s, o);
    }

    private static ConstTensor clip(OnnxNodeView n, ConstTensor[] in, long opset) throws OnnxFormatException {
        double lo = opset < 11 ? n.f("min", Float.NEGATIVE_INFINITY) : in.length > 1 && in[1] != null ? in[1].get(0) : Double.NEGATIVE_INFINITY;
        double hi = opset < 11 ? n.f("max", Float.POSITIVE_INFINITY) : in.length > 2 && in[2] != null ? in[2].get(0) : Double.POSITIVE_INFINITY;
        return map(in[0], v -> Math.min(Math.max(v, lo), hi));
    }

    private static ConstTensor gather(OnnxNodeView n, ConstTensor x, ConstTensor idx) throws OnnxFormatException {
        int r = x.rank();
        if (r == 0) throw n.error("gather from a scalar");
        int ax = n.axis(n.i("axis", 0), r);
        int[] s = x.shape();
        long[] ind = idx.longs();
        int[] os = new int[r - 1 + idx.rank()];
        System.arraycopy(s, 0, os, 0, ax);
        System.arraycopy(idx.shape(), 0, os, ax, idx.rank());
        System.arraycopy(s, ax + 1, os, ax + idx.rank(), r - ax - 1);
        int outer = 1, inner = 1;
        for (int k = 0; k < ax; k++) outer *= s[k];
        for (int k = ax + 1; k < r; k++) inner *= s[k];
        int[] src = new int[outer * ind.length * inner];
        int o = 0;
        for (int a = 0; a < outer; a++)
            for (long j : ind) {
                long jj = j < 0 ? j + s[ax] : j;
                if (jj < 0 || jj >= s[ax]) throw n.error("index " + j + " out of range for axis size " + s[ax]);
                for (int b = 0; b < inner; b++) src[o++] = (a * s[ax] + (int) jj) * inner + b;
            }
        return x.gather(os, src);
    }

    /** Axes from an attribute (older opsets) or from input {@code k} (newer); null when absent. */
    static long[] axesOf(OnnxNodeView n, ConstTensor[] in, int k, boolean fromInput) throws OnnxFormatException {
        if (fromInput) return in.length > k && in[k] != null ? in[k].longs() : null;
        int[] a = n.ints("axes", null);
        return a == null ? null : Arrays.stream(a).asLongStream().toArray();
    }

    static int[] unsqueezeShape(OnnxNodeView n, int[] s, long[] axes) throws OnnxFormatException {
        if (axes == null) throw n.error("Unsqueeze without axes");
        int r = s.length + axes.length;
        boolean[] added = new boolean[r];
        for (long a : axes) {
            int k = n.axis(a, r);
            if (added[k]) throw n.error("axis " + a + " given twice");
            added[k] = true;
        }
        int[] o = new int[r];
        for (int i = 0, j = 0; i < r; i++) o[i] = added[i] ? 1 : s[j++];
        return o;
    }

    static int[] squeezeShape(OnnxNodeView n, int[] s, long[] axes) throws OnnxFormatException {
        boolean[] drop = new boolean[s.length];
        if (axes == null) { for (int i = 0; i < s.length; i++) drop[i] = s[i] == 1; }
        else for (long a : axes) {
            int k = n.axis(a, s.length);
            if (s[k] != 1) throw n.error("cannot squeeze axis " + a + " of size " + s[k]);
            drop[k] = true;
        }
        List<Integer> o = new ArrayList<>();
        for (int i = 0; i < s.length; i++) if (!drop[i]) o.add(s[i]);
        return o.stream().mapToInt(Integer::intValue).toArray();
    }

    static int[] reshapeShape(OnnxNodeView n, int[] s, ConstTensor shape, boolean allowZero) throws OnnxFormatException {
        long[] t = shape.longs();
        if (shape.rank() != 1) throw n.error("reshape target must be 1-D");
        int[] o = new int[t.length];
        int unknown = -1;
        long known = 1, total = ConstTensor.size(s);
        for (int k = 0; k < t.length; k++) {
            long v = t[k];
            if (v == 0 && !allowZero) {
                if (k >= s.length) throw n.error("0 in reshape target at axis " + k + " beyond the input's rank");
                v = s[k];
            }
            if (v == -1) {
                if (unknown >= 0) throw n.error("more than one -1 in reshape target " + Arrays.toString(t));
                unknown = k;
                continue;
            }
            if (v < 0 || v > Integer.MAX_VALUE) throw n.error("bad reshape target " + Arrays.toString(t));
            o[k] = (int) v;
            known *= v;
        }
        if (unknown >= 0) {
            if (known == 0 || total % known != 0) throw n.error("cannot reshape " + Arrays.toString(s) + " to " + Arrays.toString(t));
            o[unknown] = (int) (total / known);
        } else if (known != total) throw n.error("cannot reshape " + Arrays.toString(s) + " to " + Arrays.toString(t));
        return o;
    }

    static int[] transposePerm(OnnxNodeView n, int rank) throws OnnxFormatException {
        int[] p = n.ints("perm", null);
        if (p == null) {
            p = new int[rank];
            for (int i = 0; i < rank; i++) p[i] = rank - 1 - i;
        }
        if (p.length != rank) throw n.error("perm " + Arrays.toString(p) + " for rank " + rank);
        boolean[] seen = new boolean[rank];
        for (int v : p) {
            if (v < 0 || v >= rank || seen[v]) throw n.error("bad perm " + Arrays.toString(p));
            seen[v] = true;
        }
        return p;
    }

    private static ConstTensor concat(OnnxNodeView n, ConstTensor[] in) throws OnnxFormatException {
        int r = in[0].rank();
        int ax = n.axis(n.i("axis", 0), r);
        int[] os = in[0].shape().clone();
        os[ax] = 0;
        boolean floats = false;
        for (ConstTensor t : in) {
            if (t.rank() != r) throw n.error("concat of ranks " + r + " and " + t.rank());
            for (int k = 0; k < r; k++) if (k != ax && t.shape()[k] != os[k]) throw n.error("concat shapes differ off the axis");
            os[ax] += t.shape()[ax];
            floats |= t.isFloat();
        }
        int outer = 1, inner = 1;
        for (int k = 0; k < ax; k++) outer *= os[k];
        for (int k = ax + 1; k < r; k++) inner *= os[k];
        int total = (int) ConstTensor.size(os);
        float[] fo = floats ? new float[total] : null;
        long[] lo = floats ? null : new long[total];
        int o = 0;
        for (int a = 0; a < outer; a++)
            for (ConstTensor t : in) {
                int row = t.shape()[ax] * inner, base = a * row;
                for (int b = 0; b < row; b++, o++) {
                    if (floats) fo[o] = (float) t.get(base + b); else lo[o] = t.l()[base + b];
                }
            }
        return floats ? ConstTensor.ofFloats(os, fo) : ConstTensor.ofLongs(os, lo);
    }

    /** Starts, ends, axes and steps of a Slice node, normalised and clamped per the ONNX rules for a {@code shape} input. */
    record SliceSpec(int[] axes, int[] starts, int[] ends, int[] steps) {}

    static SliceSpec sliceSpec(OnnxNodeView n, ConstTensor[] in, long opset, int[] shape) throws OnnxFormatException {
        long[] starts, ends, axes, steps;
        if (opset < 10) {
            starts = longsAttr(n, "starts");
            ends = longsAttr(n, "ends");
            axes = n.has("axes") ? longsAttr(n, "axes") : null;
            steps = null;
        } else {
            if (in.length < 3 || in[1] == null || in[2] == null) throw n.error("starts and ends must be constants");
            starts = in[1].longs();
            ends = in[2].longs();
            axes = in.length > 3 && in[3] != null ? in[3].longs() : null;
            steps = in.length > 4 && in[4] != null ? in[4].longs() : null;
        }
        int k = starts.length;
        if (ends.length != k || axes != null && axes.length != k || steps != null && steps.length != k)
            throw n.error("starts, ends, axes and steps differ in length");
        int[] ax = new int[k], st = new int[k], en = new int[k], sp = new int[k];
        boolean[] seen = new boolean[shape.length];
        for (int i = 0; i < k; i++) {
            ax[i] = n.axis(axes == null ? i : axes[i], shape.length);
            if (seen[ax[i]]) throw n.error("axis " + ax[i] + " sliced twice");
            seen[ax[i]] = true;
            long step = steps == null ? 1 : steps[i];
            if (step == 0) throw n.error("slice step 0");
            if (step != (int) step) throw n.error("slice step " + step + " out of range");
            long d = shape[ax[i]];
            long s = starts[i] < 0 ? starts[i] + d : starts[i], e = ends[i] < 0 ? ends[i] + d : ends[i];
            if (step > 0) {
                s = Math.max(0, Math.min(s, d));
                e = Math.max(0, Math.min(e, d));
            } else {
                s = Math.max(-1, Math.min(s, d - 1));
                e = Math.max(-1, Math.min(e, d - 1));
            }
            st[i] = (int) s;
            en[i] = (int) e;
            sp[i] = (int) step;
        }
        return new SliceSpec(ax, st, en, sp);
    }

    static int sliceLength(int start, int end, int step) {
        if (step > 0) return end > start ? (end - start + step - 1) / step : 0;
        return start > end ? (start - end + (-step) - 1) / (-step) : 0;
    }

    private static long[] longsAttr(OnnxNodeView n, String name) throws OnnxFormatException {
        int[] v = n.ints(name, null);
        if (v == null) throw n.error("missing attribute " + name);
        return Arrays.stream(v).asLongStream().toArray();
    }

    private static ConstTensor slice(OnnxNodeView n, ConstTensor[] in, long opset) throws OnnxFormatException {
        ConstTensor x = in[0];
        int[] s = x.shape();
        SliceSpec sp = sliceSpec(n, in, opset, s);
        int r = s.length;
        int[] start = new int[r], step = new int[r], os = s.clone();
        Arrays.fill(step, 1);
        for (int i = 0; i < sp.axes().length; i++) {
            int a = sp.axes()[i];
            start[a] = sp.starts()[i];
            step[a] = sp.steps()[i];
            os[a] = sliceLength(sp.starts()[i], sp.ends()[i], sp.steps()[i]);
        }
        int total = (int) ConstTensor.size(os);
        int[] st = ConstTensor.strides(s), src = new int[total], idx = new int[r];
        for (int o = 0; o < total; o++) {
            int q = 0;
            for (int i = 0; i < r; i++) q += (start[i] + idx[i] * step[i]) * st[i];
            src[o] = q;
            for (int i = r - 1; i >= 0; i--) {
                if (++idx[i] < os[i]) break;
                idx[i] = 0;
            }
        }
        return x.gather(os, src);
    }

    private static ConstTensor constantOfShape(OnnxNodeView n, ConstTensor shape, long maxElements) throws OnnxFormatException {
        int[] s = toShape(n, shape, maxElements);
        check(n, s, maxElements);
        OnnxModel.Attribute v = n.node.attr("value");
        int size = (int) ConstTensor.size(s);
        if (v == null) return ConstTensor.ofFloats(s, new float[size]);
        if (v.type() != OnnxModel.TENSOR || v.t() == null || v.t().elementCount() != 1) throw n.error("value must be a one-element tensor");
        OnnxTensor t = v.t();
        if (t.raw() != null || t.external() != null) throw n.error("value stored outside the attribute is not supported");
        if (OnnxTensor.isFloatType(t.dataType())) {
            float[] o = new float[size];
            Arrays.fill(o, t.floats() != null ? t.floats()[0] : Float.float16ToFloat((short) t.longs()[0]));
            return ConstTensor.ofFloats(s, o);
        }
        long[] o = new long[size];
        Arrays.fill(o, t.longs()[0]);
        return ConstTensor.ofLongs(s, o);
    }

    private static ConstTensor range(OnnxNodeView n, ConstTensor[] in, long maxElements) throws OnnxFormatException {
        double start = in[0].get(0), limit = in[1].get(0), delta = in[2].get(0);
        if (delta == 0) throw n.error("range step 0");
        double count = Math.max(0, Math.ceil((limit - start) / delta));
        if (count > maxElements) throw n.error("range of " + count + " elements");
        int c = (int) count;
        if (in[0].isFloat()) {
            float[] o = new float[c];
            for (int i = 0; i < c; i++) o[i] = (float) (start + i * delta);
            return ConstTensor.ofFloats(new int[]{c}, o);
        }
        long[] o = new long[c];
        for (int i = 0; i < c; i++) o[i] = (long) start + i * (long) delta;
        return ConstTensor.ofLongs(new int[]{c}, o);
    }

    /** Split sizes along {@code axis} of size {@code d}: from the input / attribute, or equal parts. */
    static int[] splitSizes(OnnxNodeView n, ConstTensor[] in, long opset, int d, int outputs) throws OnnxFormatException {
        long[] split = null;
        if (opset >= 13) { if (in.length > 1 && in[1] != null) split = in[1].longs(); }
        else if (n.has("split")) split = Arrays.stream(n.ints("split", null)).asLongStream().toArray();
        int[] sizes;
        if (split != null) {
            if (split.length != outputs) throw n.error(split.length + " split sizes for " + outputs + " outputs");
            sizes = new int[outputs];
            long sum = 0;
            for (int k = 0; k < outputs; k++) {
                if (split[k] < 0) throw n.error("negative split size");
                sizes[k] = (int) split[k];
                sum += split[k];
            }
            if (sum != d) throw n.error("split sizes sum to " + sum + ", axis has " + d);
        } else {
            int parts = opset >= 18 && n.has("num_outputs") ? n.intAttr("num_outputs", outputs) : outputs;
            if (parts < 1 || parts != outputs) throw n.error("num_outputs " + parts + " for " + outputs + " outputs");
            int each = (d + parts - 1) / parts;
            if (opset < 18 && d % parts != 0) throw n.error("axis of " + d + " does not split into " + parts + " equal parts");
            sizes = new int[parts];
            for (int k = 0; k < parts; k++) sizes[k] = Math.max(0, Math.min(each, d - k * each));
        }
        return sizes;
    }

    private static ConstTensor[] split(OnnxNodeView n, ConstTensor[] in, long opset) throws OnnxFormatException {
        ConstTensor x = in[0];
        int ax = n.axis(n.i("axis", 0), x.rank());
        int[] sizes = splitSizes(n, in, opset, x.shape()[ax], n.outputs().size());
        ConstTensor[] out = new ConstTensor[sizes.length];
        int at = 0;
        for (int k = 0; k < sizes.length; k++) {
            OnnxNodeView v = n;
            int[] s = x.shape();
            int[] os = s.clone();
            os[ax] = sizes[k];
            int total = (int) ConstTensor.size(os);
            int[] st = ConstTensor.strides(s), src = new int[total], idx = new int[s.length];
            for (int o = 0; o < total; o++) {
                int q = 0;
                for (int i = 0; i < s.length; i++) q += (idx[i] + (i == ax ? at : 0)) * st[i];
                src[o] = q;
                for (int i = s.length - 1; i >= 0; i--) {
                    if (++idx[i] < os[i]) break;
                    idx[i] = 0;
                }
            }
            out[k] = x.gather(os, src);
            at += sizes[k];
        }
        return out;
    }
}
