package dev.mien.formats.onnx;

import dev.mien.engine.Tensor;
import dev.mien.engine.ir.Attrs;
import dev.mien.engine.ir.Op;
import dev.mien.kernels.ResizeAxis;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The spatial ops of an ONNX import: Conv, ConvTranspose, MaxPool / AveragePool and Resize on
 * rank-4 NCHW tensors, mapped onto the engine's NHWC ops (weights re-laid out HWIO, pads
 * reordered, auto_pad resolved to explicit pads).
 */
final class OnnxConv {
    private OnnxConv() {}

    /** Explicit [top, left, bottom, right] pads from pads / auto_pad for a window of extent {@code k} (dilation included). */
    static int[] pads(OnnxNodeView n, int[] in, int[] k, int[] strides) throws OnnxFormatException {
        String auto = n.s("auto_pad", "NOTSET");
        switch (auto) {
            case "NOTSET" -> {
                int[] p = n.ints("pads", new int[4]);
                if (p.length != 4) throw n.error("pads " + Arrays.toString(p) + " (need 4 for 2-D)");
                for (int v : p) if (v < 0) throw n.error("negative pads " + Arrays.toString(p));
                return new int[]{p[0], p[1], p[2], p[3]};
            }
            case "VALID" -> { return new int[4]; }
            case "SAME_UPPER", "SAME_LOWER" -> {
                int[] p = new int[4];
                for (int a = 0; a < 2; a++) {
                    int out = (in[a] + strides[a] - 1) / strides[a];
                    int total = Math.max(0, (out - 1) * strides[a] + k[a] - in[a]);
                    int small = total / 2, big = total - small;
                    p[a] = auto.equals("SAME_UPPER") ? small : big;
                    p[a + 2] = auto.equals("SAME_UPPER") ? big : small;
                }
                return p;
            }
            default -> throw n.error("auto_pad '" + auto + "' is not supported");
        }
    }

    private static int[] pair(OnnxNodeView n, String name, int dflt) throws OnnxFormatException {
        int[] v = n.ints(name, new int[]{dflt, dflt});
        if (v.length != 2) throw n.error(name + " " + Arrays.toString(v) + " (only 2-D is supported)");
        for (int x : v) if (x < 1) throw n.error(name + " " + Arrays.toString(v) + " must be positive");
        return v;
    }

    static void conv(OnnxImporter im, OnnxNodeView n, String out) throws OnnxFormatException {
        OnnxImporter.Val x = im.activationIn(n, 0);
        String xs = im.nhwcInput(n, x);
        ConstTensor w = im.constantIn(n, 1, "the weight");
        int[] xsh = im.shapeOf(x);
        if (w.rank() != 4) throw n.error("weight of rank " + w.rank() + " (only 2-D convolutions are supported)");
        int m = w.shape()[0], cg = w.shape()[1], kh = w.shape()[2], kw = w.shape()[3];
        int groups = n.intAttr("group", 1);
        if (groups < 1 || cg * groups != xsh[1] || m % groups != 0)
            throw n.error("weight " + Arrays.toString(w.shape()) + " with " + groups + " groups does not fit input " + Arrays.toString(xsh));
        int[] ks = n.ints("kernel_shape", new int[]{kh, kw});
        if (ks.length != 2 || ks[0] != kh || ks[1] != kw) throw n.error("kernel_shape " + Arrays.toString(ks) + " disagrees with the weight");
        int[] strides = pair(n, "strides", 1), dil = pair(n, "dilations", 1);
        int[] ext = {(kh - 1) * dil[0] + 1, (kw - 1) * dil[1] + 1};
        int[] p = pads(n, new int[]{xsh[2], xsh[3]}, ext, strides);
        // OIHW -> HWIO
        ConstTensor hwio = w.transpose(new int[]{2, 3, 1, 0});
        Map<String, Tensor> params = new LinkedHashMap<>();
        params.put("weight", new Tensor(hwio.shape(), hwio.floats()));
        OnnxImporter.Val b = im.optionalIn(n, 2);
        if (b != null) {
            ConstTensor bc = im.constantIn(n, 2, "the bias");
            if (bc.size() != m) throw n.error("bias of " + bc.size() + " values for " + m + " output channels");
            params.put("bias", new Tensor(new int[]{m}, bc.floats()));
        }
        Attrs a = new Attrs().set("strides", strides).set("dilations", dil).set("pads", p).set("groups", groups);
        im.emitNhwc(out, Op.CONV2D, xs, a, params);
    }

    static void convTranspose(OnnxImporter im, OnnxNodeView n, String out) throws OnnxFormatException {
        OnnxImporter.Val x = im.activationIn(n, 0);
        String xs = im.nhwcInput(n, x);
        int[] xsh = im.shapeOf(x);
        ConstTensor w = im.constantIn(n, 1, "the weight");
        if (w.rank() != 4) throw n.error("weight of rank " + w.rank() + " (only 2-D is supported)");
        if (n.intAttr("group", 1) != 1) throw n.error("grouped transposed convolutions are not supported");
        int c = w.shape()[0], m = w.shape()[1], kh = w.shape()[2], kw = w.shape()[3];
        if (c != xsh[1]) throw n.error("weight " + Arrays.toString(w.shape()) + " does not fit input " + Arrays.toString(xsh));
        int[] dil = pair(n, "dilations", 1);
        if (dil[0] != 1 || dil[1] != 1) throw n.error("dilated transposed convolutions are not supported");
        int[] strides = pair(n, "strides", 1);
        int[] op = n.ints("output_padding", new int[2]);
        if (op.length != 2) throw n.error("output_padding " + Arrays.toString(op));
        int[] k = {kh, kw}, in = {xsh[2], xsh[3]};
        int[] begin = new int[2], end = new int[2];
        int[] outShape = n.ints("output_shape", null);
        String auto = n.s("auto_pad", "NOTSET");
        if (outShape != null || auto.startsWith("SAME")) {
            for (int a = 0; a < 2; a++) {
                int want = outShape != null ? outShape[outShape.length - 2 + a] : in[a] * strides[a];
                int total = strides[a] * (in[a] - 1) + op[a] + k[a] - want;
                if (total < 0) throw n.error("output_shape " + Arrays.toString(outShape) + " needs negative padding");
                boolean upper = !auto.equals("SAME_LOWER");
                begin[a] = upper ? total / 2 : total - total / 2;
                end[a] = total - begin[a];
            }
        } else if (!auto.equals("VALID")) {
            int[] p = n.ints("pads", new int[4]);
            if (p.length != 4) throw n.error("pads " + Arrays.toString(p));
            begin = new int[]{p[0], p[1]};
            end = new int[]{p[2], p[3]};
        }
        // ONNX: out = s*(in-1) + output_padding + k - begin - end; the engine: out = (in-1)*s + k - top - bottom.
        int[] pads = {begin[0], begin[1], end[0] - op[0], end[1] - op[1]};
        // [C, M, kH, kW] -> [kH, kW, M, C]
        ConstTensor e = w.transpose(new int[]{2, 3, 1, 0});
        Map<String, Tensor> params = new LinkedHashMap<>();
        params.put("weight", new Tensor(e.shape(), e.floats()));
        if (im.optionalIn(n, 2) != null) {
            ConstTensor bc = im.constantIn(n, 2, "the bias");
            if (bc.size() != m) throw n.error("bias of " + bc.size() + " values for " + m + " output channels");
            params.put("bias", new Tensor(new int[]{m}, bc.floats()));
        }
        im.emitNhwc(out, Op.CONV_TRANSPOSE2D, xs, new Attrs().set("strides", strides).set("pads", pads), params);
    }

    static void pool(OnnxImporter im, OnnxNodeView n, String out) throws OnnxFormatException {
        OnnxImporter.Val x = im.activationIn(n, 0);
        String xs = im.nhwcInput(n, x);
        int[] xsh = im.shapeOf(x);
        int[] k = n.ints("kernel_shape", null);
        if (k == null || k.length != 2) throw n.error("kernel_shape " + (k == null ? "missing" : Arrays.toString(k)) + " (only 2-D pooling is supported)");
        int[] strides = pair(n, "strides", 1), dil = pair(n, "dilations", 1);
        if (dil[0] != 1 || dil[1] != 1) throw n.error("dilated pooling is not supported");
        if (n.i("storage_order", 0) != 0) throw n.error("storage_order 1 is not supported");
        int[] p = pads(n, new int[]{xsh[2], xsh[3]}, k, strides);
        boolean max = n.op().equals("MaxPool");
        Attrs a = new Attrs().set("kernel", k).set("strides", strides).set("pads", p).set("ceil_mode", n.i("ceil_mode", 0) != 0)
                .set("count_include_pad", !max && n.i("count_include_pad", 0) != 0);
        im.emitNhwc(out, max ? Op.MAX_POOL2D : Op.AVG_POOL2D, xs, a, Map.of());
    }

    static void resize(OnnxImporter im, OnnxNodeView n, String out) throws OnnxFormatException {
        OnnxImporter.Val x = im.activationIn(n, 0);
        int[] xsh = im.shapeOf(x);
        if (xsh.length != 4) throw n.error("only rank-4 (NCHW image) resizes are supported");
        String mode = n.s("mode", "nearest");
        String coord = n.s("coordinate_transformation_mode", "half_pixel");
        if (n.i("antialias", 0) != 0) throw n.error("antialiased resize is not supported");
        if (!n.s("keep_aspect_ratio_policy", "stretch").equals("stretch")) throw n.error("keep_aspect_ratio_policy other than stretch is not supported");
        if (n.has("axes")) throw n.error("the axes attribute is not supported");
        int[] size = new int[2];
        boolean fromScales = false;
        float[] scale = new float[2];
        OnnxImporter.Val sizes = n.inputs().size() > 3 ? im.optionalIn(n, 3) : null;
        OnnxImporter.Val scales = im.optionalIn(n, n.inputs().size() > 2 ? 2 : 1);
        if (im.model().opset() < 11) throw n.error("Resize before opset 11");
        if (sizes != null) {
            ConstTensor s = im.constantIn(n, 3, "sizes");
            if (s.size() != 4) throw n.error("sizes of " + s.size() + " values");
            long[] v = s.longs();
            if (v[0] != xsh[0] || v[1] != xsh[1]) throw n.error("resizing the batch or channel axis is not supported");
            for (int a = 0; a < 2; a++) {
                if (v[a + 2] < 1 || v[a + 2] > 1 << 16) throw n.error("output size " + v[a + 2] + " out of range");
                size[a] = (int) v[a + 2];
            }
        } else if (scales != null && n.input(2) != null) {
            ConstTensor s = im.constantIn(n, 2, "scales");
            if (s.size() != 4) throw n.error("scales of " + s.size() + " values");
            if (s.get(0) != 1 || s.get(1) != 1) throw n.error("resizing the batch or channel axis is not supported");
            for (int a = 0; a < 2; a++) {
                scale[a] = (float) s.get(a + 2);
                double o = Math.floor(xsh[a + 2] * (double) scale[a]);
                if (!(o >= 1 && o <= 1 << 16)) throw n.error("scale " + scale[a] + " out of range");
                size[a] = (int) o;
                // ONNX maps coordinates with the given scale; the engine with in/out. They agree when the scale is exact.
                if ((double) size[a] / xsh[a + 2] != scale[a]) throw n.error("a scale " + scale[a] + " that is not exactly output/input is not supported; give sizes");
            }
            fromScales = true;
        } else throw n.error("needs constant scales or sizes");
        String engineMode = switch (mode) {
            case "linear", "bilinear" -> "bilinear";
            case "nearest" -> "nearest";
            default -> throw n.error("mode '" + mode + "' is not supported (nearest, linear)");
        };
        String engineCoord = switch (coord) {
            case "half_pixel" -> "half_pixel";
            case "pytorch_half_pixel" -> {
                if (size[0] == 1 || size[1] == 1) throw n.error("pytorch_half_pixel with an output size of 1 is not supported");
                yield "half_pixel";
            }
            case "align_corners" -> "align_corners";
            case "asymmetric" -> "asymmetric";
            case "tf_half_pixel_for_nn" -> {
                if (!mode.equals("nearest")) throw n.error("tf_half_pixel_for_nn is for nearest resizes only");
                yield "half_pixel";
            }
            default -> throw n.error("coordinate_transformation_mode '" + coord + "' is not supported");
        };
        if (engineMode.equals("nearest")) {
            String nm = n.s("nearest_mode", "round_prefer_floor");
            for (int a = 0; a < 2; a++) {
                ResizeAxis ax = ResizeAxis.of(xsh[a + 2], size[a], engineCoord, false);
                for (int o = 0; o < size[a]; o++) {
                    if (ax.lo()[o] != onnxNearest(xsh[a + 2], size[a], o, coord, nm))
                        throw n.error("nearest resize with coordinate mode " + coord + " and nearest_mode " + nm + " picks other pixels than the engine for "
                                + xsh[a + 2] + " -> " + size[a] + "; not supported");
                }
            }
        }
        String xs = im.nhwcInput(n, x);
        im.emitNhwc(out, Op.RESIZE, xs, new Attrs().set("size", size).set("mode", engineMode).set("coord", engineCoord), Map.of());
    }

    /** The source index ONNX's nearest resize picks for output index {@code o}. */
    private static int onnxNearest(int in, int out, int o, String coord, String nearestMode) {
        double scale = (double) out / in;
        double x = switch (coord) {
            case "align_corners" -> out == 1 ? 0 : o * (in - 1) / (double) (out - 1);
            case "asymmetric" -> o / scale;
            case "tf_half_pixel_for_nn" -> (o + 0.5) / scale;
            default -> (o + 0.5) / scale - 0.5;
        };
        double r = switch (nearestMode) {
            case "floor" -> Math.floor(x);
            case "ceil" -> Math.ceil(x);
            case "round_prefer_ceil" -> Math.floor(x + 0.5);
            default -> Math.ceil(x - 0.5);
        };
        return (int) Math.max(0, Math.min(in - 1, r));
    }
}
