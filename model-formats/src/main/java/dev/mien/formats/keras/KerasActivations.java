package dev.mien.formats.keras;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mien.engine.ir.Attrs;

/** Keras activation names -> the IR's fused {@code activation}/{@code alpha} attrs (softmax is a separate node). */
final class KerasActivations {
    private KerasActivations() {}

    record Act(String name, float alpha, boolean softmax) {
        static final Act NONE = new Act("none", 0f, false);
        Attrs apply(Attrs a) {
            if (!softmax) a.set("activation", name).set("alpha", alpha);
            return a;
        }
    }

    static String nameOf(JsonNode n) {
        if (n == null || n.isNull()) return "linear";
        if (n.isTextual()) return n.asText();
        // Keras 3 may serialise a built-in activation as {"class_name": "function", "config": "relu"}.
        if (n.isObject() && n.path("config").isTextual()) return n.get("config").asText();
        return String.valueOf(n);
    }

    /** null when supported, else why not. */
    static String unsupportedReason(JsonNode n) {
        try {
            parse(n, false);
            return null;
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    static Act parse(JsonNode n, boolean keras3) {
        String s = nameOf(n);
        return switch (s) {
            case "linear", "none", "identity" -> Act.NONE;
            case "relu" -> new Act("relu", 0f, false);
            case "relu6" -> new Act("relu6", 0f, false);
            case "sigmoid" -> new Act("sigmoid", 0f, false);
            // tf.keras 2: clip(0.2x + 0.5); Keras 3: relu6(x + 3) / 6 = clip(x/6 + 0.5).
            case "hard_sigmoid" -> new Act("hard_sigmoid", keras3 ? 1f / 6f : 0.2f, false);
            case "tanh" -> new Act("tanh", 0f, false);
            case "elu" -> new Act("elu", 1f, false);
            case "swish", "silu" -> new Act("swish", 0f, false);
            case "leaky_relu" -> new Act("leaky_relu", 0.2f, false);
            case "softmax" -> new Act("none", 0f, true);
            default -> throw new IllegalArgumentException("activation '" + s + "' is not supported");
        };
    }
}
