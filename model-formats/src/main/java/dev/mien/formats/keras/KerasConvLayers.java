package dev.mien.formats.keras;

import dev.mien.engine.Tensor;
import dev.mien.engine.ir.Attrs;
import dev.mien.engine.ir.Op;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Convolutions and pooling, with TensorFlow's padding arithmetic. */
final class KerasConvLayers {
    private KerasConvLayers() {}

    /**
     * Output size and padding of one spatial axis. TF 'same': out = ceil(in/s),
     * pad total = max((out-1)*s + (k-1)*d + 1 - in, 0), before = total/2 (the extra cell goes after).
     */
    record AxisPad(int out, int before, int after) {}

    static AxisPad axis(int in, int k, int s, int d, boolean same) {
        int eff = (k - 1) * d + 1;
        if (same) {
            int out = (in + s - 1) / s;
            int total = Math.max((out - 1) * s + eff - in, 0);
            return new AxisPad(out, total / 2, total - total / 2);
        }
        return new AxisPad(in < eff ? 0 : (in - eff) / s + 1, 0, 0);
    }

    static String paddingReason(KerasConfig.LayerSpec l) {
        String p = l.config().path("padding").asText("valid");
        if (!p.equals("same") && !p.equals("valid")) return "padding '" + p + "' is not supported";
        String df = l.config().path("data_format").asText("channels_last");
        if (!df.equals("channels_last")) return "data_format '" + df + "' is not supported (channels_last only)";
        return null;
    }

    static String convReason(KerasConfig.LayerSpec l) {
        String r = paddingReason(l);
        if (r != null) return r;
        return KerasActivations.unsupportedReason(l.config().get("activation"));
    }

    private static boolean same(KerasLayerCall c) { return c.cfgString("padding", "valid").equals("same"); }

    private static int[] spatialInput(KerasLayerCall c, String in) {
        int[] s = c.shape(in);
        if (s.length != 3) throw c.fail("expects a 4-D NHWC input, got per-sample shape " + java.util.Arrays.toString(s));
        return s;
    }

    /** Pads [top,left,bottom,right] of a window op over {@code s}: TF's 'same' rule, or none (the op's definition gives the output shape). */
    private static int[] windowPads(int[] s, int[] k, int[] st, int[] d, boolean same) {
        AxisPad h = axis(s[0], k[0], st[0], d[0], same), w = axis(s[1], k[1], st[1], d[1], same);
        return new int[]{h.before(), w.before(), h.after(), w.after()};
    }

    /** Emits {@code op} with a fused activation; Keras' softmax activation becomes a separate node. */
    static String withActivation(KerasLayerCall c, String name, Op op, List<String> in, Attrs a, Map<String, Tensor> params) {
        KerasActivations.Act act;
        try {
            act = KerasActivations.parse(c.config.get("activation"), c.b.keras3);
        } catch (IllegalArgumentException e) {
            throw c.fail(e.getMessage());
        }
        act.apply(a);
        if (!act.softmax()) return c.emit(name, op, in, a, params);
        a.set("activation", "none");
        String pre = c.emit(name + "/pre_softmax", op, in, a, params);
        return c.emit(name, Op.SOFTMAX, List.of(pre), new Attrs().set("axis", -1), null);
    }

    static final KerasLayerConverter CONV2D = new KerasLayerConverter() {
        @Override public String unsupportedReason(KerasConfig.LayerSpec l) { return convReason(l); }

        @Override public List<String> convert(KerasLayerCall c) {
            String in = c.input();
            int[] s = spatialInput(c, in);
            int[] k = c.cfgPair("kernel_size", 1), st = c.cfgPair("strides", 1), d = c.cfgPair("dilation_rate", 1);
            int groups = c.cfgInt("groups", 1), filters = c.cfgInt("filters", -1);
            if (groups < 1 || s[2] % groups != 0) throw c.fail(s[2] + " input channels do not split into " + groups + " groups");
            boolean bias = c.cfgBool("use_bias", true);
            List<Tensor> w = c.weights(bias ? 2 : 1, bias ? "kernel, bias" : "kernel");
            Tensor kernel = c.check(w.get(0), "kernel", k[0], k[1], s[2] / groups, filters);
            int f = kernel.dim(3);
            Map<String, Tensor> p = new LinkedHashMap<>();
            p.put("weight", kernel);
            if (bias) p.put("bias", c.check(w.get(1), "bias", f));
            int[] pads = windowPads(s, k, st, d, same(c));
            Attrs a = new Attrs().set("strides", st).set("dilations", d).set("pads", pads).set("groups", groups);
            return List.of(withActivation(c, c.name, Op.CONV2D, List.of(in), a, p));
        }
    };

    /** Depthwise kernel [kh,kw,C,mult] as a grouped-conv weight [kh,kw,1,C*mult] (output channel c*mult+m). */
    private static Tensor depthwiseWeight(KerasLayerCall c, Tensor t, int[] k, int channels, int mult) {
        c.check(t, "depthwise kernel", k[0], k[1], channels, mult);
        return t.reshape(k[0], k[1], 1, channels * mult);
    }

    static final KerasLayerConverter DEPTHWISE_CONV2D = new KerasLayerConverter() {
        @Override public String unsupportedReason(KerasConfig.LayerSpec l) { return convReason(l); }

        @Override public List<String> convert(KerasLayerCall c) {
            String in = c.input();
            int[] s = spatialInput(c, in);
            int[] k = c.cfgPair("kernel_size", 1), st = c.cfgPair("strides", 1), d = c.cfgPair("dilation_rate", 1);
            int mult = c.cfgInt("depth_multiplier", 1);
            boolean bias = c.cfgBool("use_bias", true);
            List<Tensor> w = c.weights(bias ? 2 : 1, bias ? "depthwise kernel, bias" : "depthwise kernel");
            Map<String, Tensor> p = new LinkedHashMap<>();
            p.put("weight", depthwiseWeight(c, w.get(0), k, s[2], mult));
            if (bias) p.put("bias", c.check(w.get(1), "bias", s[2] * mult));
            int[] pads = windowPads(s, k, st, d, same(c));
            Attrs a = new Attrs().set("strides", st).set("dilations", d).set("pads", pads).set("groups", s[2]);
            return List.of(withActivation(c, c.name, Op.CONV2D, List.of(in), a, p));
        }
    };

    /** Depthwise conv (groups = C, no bias) then a pointwise 1x1 conv carrying bias and activation. */
    static final KerasLayerConverter SEPARABLE_CONV2D = new KerasLayerConverter() {
        @Override public String unsupportedReason(KerasConfig.LayerSpec l) { return convReason(l); }

        @Override public List<String> convert(KerasLayerCall c) {
            String in = c.input();
            int[] s = spatialInput(c, in);
            int[] k = c.cfgPair("kernel_size", 1), st = c.cfgPair("strides", 1), d = c.cfgPair("dilation_rate", 1);
            int mult = c.cfgInt("depth_multiplier", 1), filters = c.cfgInt("filters", -1);
            boolean bias = c.cfgBool("use_bias", true);
            List<Tensor> w = c.weights(bias ? 3 : 2, bias ? "depthwise kernel, pointwise kernel, bias" : "depthwise kernel, pointwise kernel");
            int mid = s[2] * mult;
            int[] pads = windowPads(s, k, st, d, same(c));
            Attrs da = new Attrs().set("strides", st).set("dilations", d).set("pads", pads).set("groups", s[2])
                    .set("activation", "none").set("alpha", 0f);
            String dw = c.emit(c.name + "/depthwise", Op.CONV2D, List.of(in), da,
                    Map.of("weight", depthwiseWeight(c, w.get(0), k, s[2], mult)));
            Tensor pw = c.check(w.get(1), "pointwise kernel", 1, 1, mid, filters);
            int f = pw.dim(3);
            Map<String, Tensor> p = new LinkedHashMap<>();
            p.put("weight", pw);
            if (bias) p.put("bias", c.check(w.get(2), "bias", f));
            Attrs pa = new Attrs().set("strides", new int[]{1, 1}).set("dilations", new int[]{1, 1})
                    .set("pads", new int[4]).set("groups", 1);
            return List.of(withActivation(c, c.name, Op.CONV2D, List.of(dw), pa, p));
        }
    };

    /** Keras' deconv_output_length. */
    static int deconvLength(int in, int k, int s, boolean same, Integer outputPadding) {
        if (outputPadding == null) return same ? in * s : in * s + Math.max(k - s, 0);
        int pad = same ? k / 2 : 0;
        return (in - 1) * s + k - 2 * pad + outputPadding;
    }

    /**
     * Crop of the full transposed-conv output ((in-1)*s + k) to Keras' length: TF places the
     * output inside it the way the forward 'same' conv would pad (before = total/2); the crop
     * after may be negative (output_padding adds cells).
     */
    static int[] deconvCrop(int in, int k, int s, boolean same, int out) {
        int full = (in - 1) * s + k;
        int before = same ? Math.max(((out + s - 1) / s - 1) * s + k - out, 0) / 2 : 0;
        return new int[]{before, full - before - out};
    }

    static final KerasLayerConverter CONV2D_TRANSPOSE = new KerasLayerConverter() {
        @Override public String unsupportedReason(KerasConfig.LayerSpec l) {
            String r = convReason(l);
            if (r != null) return r;
            int[] d = KerasConfig.pair(l.config().get("dilation_rate"), 1, "dilation_rate");
            return d[0] != 1 || d[1] != 1 ? "dilated Conv2DTranspose is not supported" : null;
        }

        @Override public List<String> convert(KerasLayerCall c) {
            String in = c.input();
            int[] s = spatialInput(c, in);
            int[] k = c.cfgPair("kernel_size", 1), st = c.cfgPair("strides", 1);
            int filters = c.cfgInt("filters", -1);
            boolean same = same(c), bias = c.cfgBool("use_bias", true);
            Integer[] op = {null, null};
            if (c.config.hasNonNull("output_padding")) {
                int[] o = c.cfgPair("output_padding", 0);
                op[0] = o[0];
                op[1] = o[1];
            }
            List<Tensor> w = c.weights(bias ? 2 : 1, bias ? "kernel, bias" : "kernel");
            Tensor kernel = c.check(w.get(0), "kernel", k[0], k[1], filters, s[2]);
            int f = kernel.dim(2);
            Map<String, Tensor> p = new LinkedHashMap<>();
            p.put("weight", kernel);
            if (bias) p.put("bias", c.check(w.get(1), "bias", f));
            int oh = deconvLength(s[0], k[0], st[0], same, op[0]), ow = deconvLength(s[1], k[1], st[1], same, op[1]);
            int[] ch = deconvCrop(s[0], k[0], st[0], same, oh), cw = deconvCrop(s[1], k[1], st[1], same, ow);
            Attrs a = new Attrs().set("strides", st).set("pads", new int[]{ch[0], cw[0], ch[1], cw[1]});
            return List.of(withActivation(c, c.name, Op.CONV_TRANSPOSE2D, List.of(in), a, p));
        }
    };

    static KerasLayerConverter pool(Op op) {
        return new KerasLayerConverter() {
            @Override public String unsupportedReason(KerasConfig.LayerSpec l) { return paddingReason(l); }

            @Override public List<String> convert(KerasLayerCall c) {
                String in = c.input();
                int[] s = spatialInput(c, in);
                int[] k = c.cfgPair("pool_size", 2);
                int[] st = c.config.hasNonNull("strides") ? c.cfgPair("strides", 1) : k.clone();
                int[] pads = windowPads(s, k, st, new int[]{1, 1}, same(c));
                // TF's 'same' average pooling divides by the number of real (unpadded) cells.
                Attrs a = new Attrs().set("kernel", k).set("strides", st).set("pads", pads)
                        .set("ceil_mode", false).set("count_include_pad", false);
                return List.of(c.emit(c.name, op, List.of(in), a, null));
            }
        };
    }
}
