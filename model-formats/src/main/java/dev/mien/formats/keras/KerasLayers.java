package dev.mien.formats.keras;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mien.engine.Tensor;
import dev.mien.engine.ir.Attrs;
import dev.mien.engine.ir.Op;

import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The layer classes the importer understands, by Keras class name. */
final class KerasLayers {
    private KerasLayers() {}


    /** Layers that do nothing at inference. */
    static final List<String> INFERENCE_IDENTITY = List.of(
            "Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "AlphaDropout",
            "GaussianNoise", "GaussianDropout", "ActivityRegularization", "Identity",
            "RandomFlip", "RandomContrast", "RandomRotation", "RandomZoom", "RandomTranslation",
            "RandomBrightness", "RandomHeight", "RandomWidth");

    /** Built on first use: the converters below are static fields initialised after this point. */
    private static final class Registry {
        static final Map<String, KerasLayerConverter> BY_CLASS = build();
    }

    private static Map<String, KerasLayerConverter> build() {
        Map<String, KerasLayerConverter> m = new HashMap<>();
        KerasLayerConverter identity = c -> List.of(c.input());
        for (String cls : INFERENCE_IDENTITY) m.put(cls, identity);
        m.put("Conv2D", KerasConvLayers.CONV2D);
        m.put("Convolution2D", KerasConvLayers.CONV2D);
        m.put("DepthwiseConv2D", KerasConvLayers.DEPTHWISE_CONV2D);
        m.put("SeparableConv2D", KerasConvLayers.SEPARABLE_CONV2D);
        m.put("SeparableConvolution2D", KerasConvLayers.SEPARABLE_CONV2D);
        m.put("Conv2DTranspose", KerasConvLayers.CONV2D_TRANSPOSE);
        m.put("Convolution2DTranspose", KerasConvLayers.CONV2D_TRANSPOSE);
        m.put("MaxPooling2D", KerasConvLayers.pool(Op.MAX_POOL2D));
        m.put("MaxPool2D", KerasConvLayers.pool(Op.MAX_POOL2D));
        m.put("AveragePooling2D", KerasConvLayers.pool(Op.AVG_POOL2D));
        m.put("AvgPool2D", KerasConvLayers.pool(Op.AVG_POOL2D));
        m.put("GlobalAveragePooling2D", globalPool(Op.GLOBAL_AVG_POOL));
        m.put("GlobalAvgPool2D", globalPool(Op.GLOBAL_AVG_POOL));
        m.put("GlobalMaxPooling2D", globalPool(Op.GLOBAL_MAX_POOL));
        m.put("GlobalMaxPool2D", globalPool(Op.GLOBAL_MAX_POOL));
        m.put("BatchNormalization", KerasLayers::batchNorm);
        m.put("Dense", DENSE);
        m.put("Activation", ACTIVATION);
        m.put("ReLU", RELU);
        m.put("LeakyReLU", KerasLayers::leakyRelu);
        m.put("ELU", c -> List.of(activation(c, "elu", (float) c.cfgDouble("alpha", 1.0))));
        m.put("Softmax", SOFTMAX);
        m.put("PReLU", KerasLayers::prelu);
        m.put("Concatenate", KerasLayers::concatenate);
        m.put("Reshape", KerasLayers::reshape);
        m.put("Flatten", KerasLayers::flatten);
        m.put("Permute", KerasLayers::permute);
        m.put("ZeroPadding2D", c -> padCrop(c, "padding", Op.PAD, "pads", +1));
        m.put("Cropping2D", c -> padCrop(c, "cropping", Op.CROP, "crops", -1));
        m.put("UpSampling2D", UPSAMPLING);
        m.put("Resizing", RESIZING);
        m.put("Rescaling", KerasLayers::rescaling);
        m.put("Normalization", KerasLayers::normalization);
        m.put("Attention", ATTENTION);
        KerasOpLayers.register(m);
        KerasLanmsff.register(m);
        return m;
    }

    static KerasLayerConverter get(String className) { return Registry.BY_CLASS.get(className); }

    // --- helpers -----------------------------------------------------------------------------

    static String activation(KerasLayerCall c, String act, float alpha) {
        String in = c.input();
        Attrs a = new Attrs().set("activation", act).set("alpha", alpha);
        return c.emit(c.name, Op.ACTIVATION, List.of(in), a, null);
    }

    static String softmax(KerasLayerCall c, String in, int axis) {
        int rank = c.shape(in).length + 1;
        if (axis != -1 && axis != rank - 1) throw c.fail("softmax over axis " + axis + " is not supported (last axis only)");
        return c.emit(c.name, Op.SOFTMAX, List.of(in), new Attrs().set("axis", -1), null);
    }

    /** Keras axis (batch = 0, may be negative) -> per-sample axis index. */
    static int sampleAxis(KerasLayerCall c, int axis, int sampleRank) {
        int a = axis < 0 ? axis + sampleRank + 1 : axis;
        if (a < 1 || a > sampleRank) throw c.fail("axis " + axis + " is out of range or the batch axis");
        return a - 1;
    }

    static float[] floats(JsonNode n) {
        if (n.isNumber()) return new float[]{(float) n.asDouble()};
        float[] f = new float[0];
        for (JsonNode e : n) {
            float[] sub = floats(e);
            float[] g = Arrays.copyOf(f, f.length + sub.length);
            System.arraycopy(sub, 0, g, f.length, sub.length);
            f = g;
        }
        return f;
    }

    // --- layers ------------------------------------------------------------------------------

    static final KerasLayerConverter ACTIVATION = new KerasLayerConverter() {
        @Override public String unsupportedReason(KerasConfig.LayerSpec l) {
            return KerasActivations.unsupportedReason(l.config().get("activation"));
        }

        @Override public List<String> convert(KerasLayerCall c) {
            KerasActivations.Act act = KerasActivations.parse(c.config.get("activation"), c.b.keras3);
            if (act.softmax()) return List.of(softmax(c, c.input(), -1));
            return List.of(activation(c, act.name(), act.alpha()));
        }
    };

    static final KerasLayerConverter RELU = new KerasLayerConverter() {
        @Override public String unsupportedReason(KerasConfig.LayerSpec l) {
            JsonNode max = l.config().get("max_value");
            double slope = l.config().path("negative_slope").asDouble(0), thr = l.config().path("threshold").asDouble(0);
            boolean capped = max != null && !max.isNull();
            if (thr != 0) return "ReLU threshold " + thr + " is not supported";
            if (capped && max.asDouble() != 6.0) return "ReLU max_value " + max.asDouble() + " is not supported (6 only)";
            if (capped && slope != 0) return "ReLU with both max_value and negative_slope is not supported";
            return null;
        }

        @Override public List<String> convert(KerasLayerCall c) {
            boolean capped = c.config.hasNonNull("max_value");
            double slope = c.cfgDouble("negative_slope", 0);
            if (capped) return List.of(activation(c, "relu6", 0f));
            if (slope != 0) return List.of(activation(c, "leaky_relu", (float) slope));
            return List.of(activation(c, "relu", 0f));
        }
    };

    private static List<String> leakyRelu(KerasLayerCall c) {
        double slope = c.config.hasNonNull("negative_slope") ? c.cfgDouble("negative_slope", 0.3) : c.cfgDouble("alpha", 0.3);
        return List.of(activation(c, "leaky_relu", (float) slope));
    }

    static final KerasLayerConverter SOFTMAX = new KerasLayerConverter() {
        @Override public String unsupportedReason(KerasConfig.LayerSpec l) {
            JsonNode ax = l.config().get("axis");
            return ax != null && !(ax.isInt() && ax.asInt() == -1) ? "Softmax axis " + ax + " is not supported (-1 only)" : null;
        }

        @Override public List<String> convert(KerasLayerCall c) { return List.of(softmax(c, c.input(), -1)); }
    };

    private static List<String> prelu(KerasLayerCall c) {
        String in = c.input();
        int[] s = c.shape(in);
        int[] want = s.clone();
        JsonNode shared = c.config.get("shared_axes");
        if (shared != null && shared.isArray()) for (JsonNode a : shared) want[sampleAxis(c, a.asInt(), s.length)] = 1;
        Tensor alpha = c.weights(1, "alpha").get(0);
        if (alpha.size() != Tensor.sizeOf(want))
            throw c.fail("alpha has shape " + Arrays.toString(alpha.shape()) + ", expected " + Arrays.toString(want));
        return List.of(c.emit(c.name, Op.PRELU, List.of(in), null, Map.of("alpha", alpha.reshape(want))));
    }

    private static List<String> batchNorm(KerasLayerCall c) {
        String in = c.input();
        int[] s = c.shape(in);
        JsonNode axisNode = c.config.get("axis");
        int axis = axisNode == null || axisNode.isNull() ? -1 : axisNode.isArray() ? (axisNode.size() == 1 ? axisNode.get(0).asInt() : 999) : axisNode.asInt();
        if (axis == 999 || sampleAxis(c, axis, s.length) != s.length - 1)
            throw c.fail("BatchNormalization over axis " + axisNode + " is not supported (last axis only)");
        boolean scale = c.cfgBool("scale", true), center = c.cfgBool("center", true);
        int ch = s[s.length - 1];
        List<Tensor> w = c.weights((scale ? 1 : 0) + (center ? 1 : 0) + 2,
                (scale ? "gamma, " : "") + (center ? "beta, " : "") + "moving_mean, moving_variance");
        int i = 0;
        Map<String, Tensor> p = new LinkedHashMap<>();
        p.put("gamma", scale ? c.check(w.get(i++), "gamma", ch) : filled(ch, 1f));
        p.put("beta", center ? c.check(w.get(i++), "beta", ch) : filled(ch, 0f));
        p.put("mean", c.check(w.get(i++), "moving_mean", ch));
        p.put("var", c.check(w.get(i), "moving_variance", ch));
        Attrs a = new Attrs().set("epsilon", (float) c.cfgDouble("epsilon", 1e-3));
        return List.of(c.emit(c.name, Op.BATCH_NORM, List.of(in), a, p));
    }

    static Tensor filled(int n, float v) {
        float[] f = new float[n];
        Arrays.fill(f, v);
        return new Tensor(new int[]{n}, f);
    }

    static final KerasLayerConverter DENSE = new KerasLayerConverter() {
        @Override public String unsupportedReason(KerasConfig.LayerSpec l) {
            return KerasActivations.unsupportedReason(l.config().get("activation"));
        }

        @Override public List<String> convert(KerasLayerCall c) {
            String in = c.input();
            int[] s = c.shape(in);
            int units = c.cfgInt("units", -1);
            boolean bias = c.cfgBool("use_bias", true);
            List<Tensor> w = c.weights(bias ? 2 : 1, bias ? "kernel, bias" : "kernel");
            Tensor kernel = c.check(w.get(0), "kernel", s[s.length - 1], units);
            Map<String, Tensor> p = new LinkedHashMap<>();
            p.put("weight", kernel);
            if (bias) p.put("bias", c.check(w.get(1), "bias", kernel.dim(1)));
            return List.of(KerasConvLayers.withActivation(c, c.name, Op.DENSE, List.of(in), new Attrs(), p));
        }
    };

    static List<String> concatenate(KerasLayerCall c) {
        List<String> in = c.inputs();
        if (in.size() < 2) throw c.fail("needs at least two inputs, got " + in.size());
        int axis = c.cfgInt("axis", -1);
        sampleAxis(c, axis, c.shape(in.get(0)).length); // the batch axis cannot be concatenated
        return List.of(c.emit(c.name, Op.CONCAT, in, new Attrs().set("axis", axis), null));
    }

    private static List<String> reshape(KerasLayerCall c) {
        JsonNode t = c.config.get("target_shape");
        if (t == null || !t.isArray()) throw c.fail("Reshape without target_shape");
        return List.of(reshapeTo(c, c.input(), KerasConfig.ints(t)));
    }

    static String reshapeTo(KerasLayerCall c, String in, int[] target) {
        return c.emit(c.name, Op.RESHAPE, List.of(in), new Attrs().set("shape", target), null);
    }

    private static List<String> flatten(KerasLayerCall c) {
        String in = c.input();
        return List.of(c.emit(c.name, Op.FLATTEN, List.of(in), null, null));
    }

    private static List<String> permute(KerasLayerCall c) {
        String in = c.input();
        int[] s = c.shape(in);
        int[] dims = KerasConfig.ints(c.config.path("dims"));
        if (dims.length != s.length) throw c.fail("dims " + Arrays.toString(dims) + " do not match rank of " + Arrays.toString(s));
        int[] perm = new int[s.length + 1];
        System.arraycopy(dims, 0, perm, 1, dims.length); // the TRANSPOSE definition checks it is a permutation
        return List.of(c.emit(c.name, Op.TRANSPOSE, List.of(in), new Attrs().set("perm", perm), null));
    }

    /** ZeroPadding2D / Cropping2D: int, (sym_h, sym_w) or ((top, bottom), (left, right)). */
    private static List<String> padCrop(KerasLayerCall c, String key, Op op, String attr, int sign) {
        String in = c.input();
        int[] s = c.shape(in);
        if (s.length != 3) throw c.fail("expects a 4-D NHWC input");
        if (!c.cfgString("data_format", "channels_last").equals("channels_last"))
            throw c.fail("data_format channels_first is not supported");
        JsonNode p = c.config.get(key);
        int t, b, l, r;
        if (p == null || p.isNull()) t = b = l = r = 1;
        else if (p.isNumber()) t = b = l = r = p.asInt();
        else if (p.size() == 2 && p.get(0).isNumber()) { t = b = p.get(0).asInt(); l = r = p.get(1).asInt(); }
        else if (p.size() == 2) {
            t = p.get(0).get(0).asInt(); b = p.get(0).get(1).asInt();
            l = p.get(1).get(0).asInt(); r = p.get(1).get(1).asInt();
        } else throw c.fail("unreadable " + key + " " + p);
        return List.of(c.emit(c.name, op, List.of(in), new Attrs().set(attr, new int[]{t, l, b, r}), null));
    }

    static KerasLayerConverter globalPool(Op op) {
        return new KerasLayerConverter() {
            @Override public String unsupportedReason(KerasConfig.LayerSpec l) {
                String df = l.config().path("data_format").asText("channels_last");
                return df.equals("channels_last") ? null : "data_format '" + df + "' is not supported";
            }

            @Override public List<String> convert(KerasLayerCall c) {
                String in = c.input();
                boolean keep = c.cfgBool("keepdims", false);
                return List.of(c.emit(c.name, op, List.of(in), new Attrs().set("keepdims", keep), null));
            }
        };
    }

    static final KerasLayerConverter UPSAMPLING = new KerasLayerConverter() {
        @Override public String unsupportedReason(KerasConfig.LayerSpec l) {
            String m = l.config().path("interpolation").asText("nearest");
            if (!m.equals("nearest") && !m.equals("bilinear")) return "interpolation '" + m + "' is not supported";
            return KerasConvLayers.paddingReason(l);
        }

        @Override public List<String> convert(KerasLayerCall c) {
            String in = c.input();
            int[] s = c.shape(in), size = c.cfgPair("size", 2);
            String mode = c.cfgString("interpolation", "nearest");
            // Integer upscaling: TF2's half-pixel nearest picks the same source cell as floor(dst/scale).
            Attrs a = new Attrs().set("size", new int[]{s[0] * size[0], s[1] * size[1]}).set("mode", mode).set("coord", "half_pixel");
            return List.of(c.emit(c.name, Op.RESIZE, List.of(in), a, null));
        }
    };

    static final KerasLayerConverter RESIZING = new KerasLayerConverter() {
        @Override public String unsupportedReason(KerasConfig.LayerSpec l) {
            String m = l.config().path("interpolation").asText("bilinear");
            if (!m.equals("nearest") && !m.equals("bilinear")) return "interpolation '" + m + "' is not supported";
            if (l.config().path("crop_to_aspect_ratio").asBoolean(false)) return "crop_to_aspect_ratio is not supported";
            if (l.config().path("pad_to_aspect_ratio").asBoolean(false)) return "pad_to_aspect_ratio is not supported";
            return KerasConvLayers.paddingReason(l);
        }

        @Override public List<String> convert(KerasLayerCall c) {
            String in = c.input();
            int h = c.cfgInt("height", -1), w = c.cfgInt("width", -1);
            Attrs a = new Attrs().set("size", new int[]{h, w}).set("mode", c.cfgString("interpolation", "bilinear"))
                    .set("coord", "half_pixel");
            return List.of(c.emit(c.name, Op.RESIZE, List.of(in), a, null));
        }
    };

    private static List<String> rescaling(KerasLayerCall c) {
        String in = c.input();
        float[] scale = floats(c.config.path("scale").isMissingNode() ? com.fasterxml.jackson.databind.node.DoubleNode.valueOf(1.0) : c.config.get("scale"));
        float[] shift = floats(c.config.path("offset").isMissingNode() ? com.fasterxml.jackson.databind.node.DoubleNode.valueOf(0.0) : c.config.get("offset"));
        return List.of(scaleShift(c, c.name, in, scale, shift));
    }

    /** SCALE_SHIFT over the last axis; scale/shift of length 1 or C (broadcast to the same length). */
    static String scaleShift(KerasLayerCall c, String name, String in, float[] scale, float[] shift) {
        int[] s = c.shape(in);
        int ch = s[s.length - 1];
        for (float[] v : new float[][]{scale, shift})
            if (v.length != 1 && v.length != ch) throw c.fail("a constant of " + v.length + " values does not broadcast to " + ch + " channels");
        if (scale.length != shift.length) {
            int n = Math.max(scale.length, shift.length);
            if (scale.length == 1) { float v = scale[0]; scale = new float[n]; Arrays.fill(scale, v); }
            if (shift.length == 1) { float v = shift[0]; shift = new float[n]; Arrays.fill(shift, v); }
        }
        Map<String, Tensor> p = new LinkedHashMap<>();
        p.put("scale", new Tensor(new int[]{scale.length}, scale));
        p.put("shift", new Tensor(new int[]{shift.length}, shift));
        Attrs a = new Attrs().set("activation", "none").set("alpha", 0f);
        return c.emit(name, Op.SCALE_SHIFT, List.of(in), a, p);
    }

    /** (x - mean) / max(sqrt(var), 1e-7), or its inverse, over the last axis. */
    private static List<String> normalization(KerasLayerCall c) {
        String in = c.input();
        int[] s = c.shape(in);
        JsonNode axis = c.config.get("axis");
        int ax = axis == null || axis.isNull() ? -1 : axis.isArray() && axis.size() == 1 ? axis.get(0).asInt() : axis.isInt() ? axis.asInt() : 999;
        if (ax == 999 || sampleAxis(c, ax, s.length) != s.length - 1) throw c.fail("Normalization over axis " + axis + " is not supported (last axis only)");
        float[] mean, var;
        if (c.config.hasNonNull("mean") && c.config.hasNonNull("variance")) {
            mean = floats(c.config.get("mean"));
            var = floats(c.config.get("variance"));
        } else {
            List<Tensor> w = c.b.weights(c.weightPath);
            if (w.size() < 2) throw c.fail("expected weights mean, variance(, count); the file has " + w.size());
            mean = w.get(0).data();
            var = w.get(1).data();
        }
        if (mean.length != var.length) throw c.fail("mean and variance differ in size");
        float[] scale = new float[var.length], shift = new float[var.length];
        boolean invert = c.cfgBool("invert", false);
        for (int i = 0; i < var.length; i++) {
            float sd = Math.max((float) Math.sqrt(var[i]), 1e-7f);
            scale[i] = invert ? sd : 1f / sd;
            shift[i] = invert ? mean[i] : -mean[i] / sd;
        }
        return List.of(scaleShift(c, c.name, in, scale, shift));
    }

    static final KerasLayerConverter ATTENTION = new KerasLayerConverter() {
        @Override public String unsupportedReason(KerasConfig.LayerSpec l) {
            String mode = l.config().path("score_mode").asText("dot");
            if (!mode.equals("dot")) return "score_mode '" + mode + "' is not supported (dot only)";
            if (l.config().path("causal").asBoolean(false)) return "causal attention is not supported";
            for (KerasConfig.Call call : l.calls())
                if (call.kwargs().path("use_causal_mask").asBoolean(false)) return "use_causal_mask is not supported";
            return null;
        }

        @Override public List<String> convert(KerasLayerCall c) {
            List<String> in = c.inputs();
            if (in.size() < 2 || in.size() > 3) throw c.fail("expects [query, value] or [query, value, key], got " + in.size() + " inputs");
            Map<String, Tensor> p = new LinkedHashMap<>();
            if (c.cfgBool("use_scale", false)) {
                Tensor sc = c.weights(1, "scale").get(0);
                if (sc.size() != 1) throw c.fail("scale has " + sc.size() + " values, expected 1");
                p.put("scale", sc.reshape(1));
            }
            return List.of(c.emit(c.name, Op.ATTENTION, in, new Attrs().set("score_mode", "dot"), p));
        }
    };
}
