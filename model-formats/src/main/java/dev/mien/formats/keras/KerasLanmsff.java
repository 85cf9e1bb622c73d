package dev.mien.formats.keras;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mien.engine.ir.Attrs;
import dev.mien.engine.ir.Op;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * LANMSFF's custom pieces: the ChannelShuffle and PWFS layers (notebook-defined classes,
 * identified by class name) and the channel-mean Lambda of its MassAtt spatial branch.
 *
 * <p>A Lambda's Python bytecode is never executed. A Lambda is accepted only when ALL of these
 * hold, and then becomes REDUCE mean over the channel axis with keepdims:
 * <ol>
 *   <li>the model is LANMSFF: it contains both a ChannelShuffle and a PWFS layer;</li>
 *   <li>the layer is named {@code lambda} or {@code lambda_N} (Keras' automatic name), has no
 *       extra {@code arguments}, one call with one tensor input;</li>
 *   <li>its stored function is exactly LANMSFF's {@code lambda x: tf.reduce_mean(x, axis=-1,
 *       keepdims=True)}: the marshalled code object's bytecode, constants, names, locals and
 *       exception table all equal the published one ({@link MarshalledCode}; read, never run),
 *       with no defaults and no closure;</li>
 *   <li>its only reader is the MassAtt spatial stack: Conv2D(2, 3x3, stride 2, same, relu) ->
 *       Conv2D(4, 3x3, stride 2, same, relu) -> Conv2DTranspose(4, 3x3, stride 2, same, relu) ->
 *       Conv2DTranspose(1, 3x3, stride 2, same, sigmoid), each the sole reader of the previous.</li>
 * </ol>
 * Any other Lambda is reported as unsupported.
 */
final class KerasLanmsff {
    private KerasLanmsff() {}

    private static final Pattern AUTO_LAMBDA_NAME = Pattern.compile("lambda(_\\d+)?");

    static void register(Map<String, KerasLayerConverter> m) {
        m.put("ChannelShuffle", c -> {
            String in = c.input();
            int g = c.cfgInt("groups", 2);
            return List.of(c.emit(c.name, Op.CHANNEL_SHUFFLE, List.of(in), new Attrs().set("groups", g), null));
        });
        m.put("PWFS", c -> {
            String in = c.input();
            return List.of(c.emit(c.name, Op.PWFS, List.of(in), null, null));
        });
        m.put("Lambda", c -> List.of(KerasOpLayers.reduce(c, c.input(), "mean", com.fasterxml.jackson.databind.node.IntNode.valueOf(-1), true)));
    }

    /** Whether the model (nested models included) is LANMSFF. */
    static boolean isLanmsff(JsonNode modelEntry) {
        return containsClass(modelEntry, "ChannelShuffle") && containsClass(modelEntry, "PWFS");
    }

    private static boolean containsClass(JsonNode n, String cls) {
        if (n.isObject()) {
            if (cls.equals(n.path("class_name").asText())) return true;
            for (JsonNode c : n) if (containsClass(c, cls)) return true;
        } else if (n.isArray()) for (JsonNode c : n) if (containsClass(c, cls)) return true;
        return false;
    }

    /** null when {@code lambda} is LANMSFF's channel mean (rules above), else why it is refused. */
    static String lambdaRejection(KerasConfig.LayerSpec lambda, List<KerasConfig.LayerSpec> scope, boolean lanmsff) {
        String generic = "Lambda layers hold Python code, which is never executed";
        if (!lanmsff) return generic;
        if (!AUTO_LAMBDA_NAME.matcher(lambda.name()).matches()) return generic + " (name does not match LANMSFF's channel-mean Lambda)";
        JsonNode args = lambda.config().get("arguments");
        if (args != null && !args.isNull() && !args.isEmpty()) return generic + " (has arguments)";
        if (lambda.calls().size() != 1 || lambda.calls().get(0).tensorRefs().size() != 1) return generic + " (not a single one-input call)";
        if (!isChannelMeanFunction(lambda.config().get("function"))) return generic + " (its code is not exactly LANMSFF's channel mean)";
        KerasConfig.LayerSpec at = lambda;
        String[][] chain = {{"Conv2D", "2", "relu"}, {"Conv2D", "4", "relu"}, {"Conv2DTranspose", "4", "relu"}, {"Conv2DTranspose", "1", "sigmoid"}};
        for (String[] step : chain) {
            KerasConfig.LayerSpec next = soleReader(at, scope);
            if (next == null || !isSpatialStep(next, step[0], Integer.parseInt(step[1]), step[2]))
                return generic + " (its output does not feed LANMSFF's MassAtt spatial convolutions)";
            at = next;
        }
        return null;
    }

    private static boolean isSpatialStep(KerasConfig.LayerSpec l, String cls, int filters, String act) {
        JsonNode c = l.config();
        return l.className().equals(cls) && c.path("filters").asInt() == filters
                && c.path("padding").asText().equals("same")
                && KerasActivations.nameOf(c.get("activation")).equals(act)
                && isPair(c.get("kernel_size"), 3) && isPair(c.get("strides"), 2);
    }

    private static boolean isPair(JsonNode n, int v) {
        try {
            int[] p = KerasConfig.pair(n, -1, "pair");
            return p[0] == v && p[1] == v;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static KerasConfig.LayerSpec soleReader(KerasConfig.LayerSpec l, List<KerasConfig.LayerSpec> scope) {
        List<KerasConfig.LayerSpec> readers = new ArrayList<>();
        for (KerasConfig.LayerSpec s : scope)
            for (KerasConfig.Call call : s.calls())
                for (KerasConfig.TensorRef r : call.tensorRefs())
                    if (r.layer().equals(l.name()) && !readers.contains(s)) readers.add(s);
        return readers.size() == 1 ? readers.get(0) : null;
    }

    /**
     * LANMSFF's {@code lambda x: tf.reduce_mean(x, axis=-1, keepdims=True)} as CPython 3.11
     * compiles it (the published model was saved so). Another Python version compiles it to
     * other bytecode, which is then refused like any other Lambda: safe, not clever.
     */
    static final MarshalledCode CHANNEL_MEAN = new MarshalledCode(1, 0, 0, 3,
            "9700740000000000000000000000a00100000000000000000000000000000000000000007c0064016402ac03a6030000ab0300000000000000005300",
            List.of("None", "-1", "True", "('axis', 'keepdims')"), List.of("tf", "reduce_mean"), List.of("x"), "20", "");

    /** Keras 3: {"class_name": "__lambda__", "config": {"code": base64, "defaults", "closure"}}; Keras 2: [base64, defaults, closure]. */
    static boolean isChannelMeanFunction(JsonNode f) {
        String code = null;
        JsonNode defaults = null, closure = null;
        if (f != null && f.isObject() && "__lambda__".equals(f.path("class_name").asText())) {
            JsonNode cfg = f.path("config");
            code = cfg.path("code").isTextual() ? cfg.path("code").asText() : null;
            defaults = cfg.get("defaults");
            closure = cfg.get("closure");
        } else if (f != null && f.isArray() && f.size() == 3 && f.get(0).isTextual()) {
            code = f.get(0).asText();
            defaults = f.get(1);
            closure = f.get(2);
        }
        if (code == null || code.length() > 1 << 16) return false;
        if ((defaults != null && !defaults.isNull()) || (closure != null && !closure.isNull())) return false;
        byte[] bytes;
        try {
            bytes = Base64.getMimeDecoder().decode(code);
        } catch (IllegalArgumentException e) {
            return false;
        }
        return CHANNEL_MEAN.equals(MarshalledCode.parse(bytes));
    }
}
