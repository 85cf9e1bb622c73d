package dev.mien.formats.tfjs;

import java.util.List;
import java.util.Set;

/** Which TF ops (and which of their variants) the importer maps, and TF's activation names. */
final class TfjsOps {
    private TfjsOps() {}

    /** Every op this importer maps; anything else is listed in one error. */
    static final Set<String> SUPPORTED = Set.of("Placeholder", "Const", "Identity", "NoOp", "Conv2D", "_FusedConv2D",
            "DepthwiseConv2dNative", "FusedDepthwiseConv2dNative", "MaxPool", "AvgPool", "Add", "AddV2", "AddN", "BiasAdd", "Sub",
            "Mul", "RealDiv", "Maximum", "Minimum", "Relu", "Relu6", "Sigmoid", "Tanh", "Elu", "LeakyRelu", "Prelu", "Mean", "Sum",
            "Max", "Min", "Softmax", "Pad", "PadV2", "Reshape", "Squeeze", "ConcatV2", "MatMul", "_FusedMatMul");

    /** Null when {@code n} can be imported, else the op as the error lists it. */
    static String unsupported(TfjsManifest.TfNode n) {
        if (!SUPPORTED.contains(n.op())) return n.op();
        String fmt = n.string("data_format", "NHWC");
        if (!fmt.equals("NHWC")) return n.op() + " with data_format " + fmt;
        if (n.op().equals("_FusedConv2D") || n.op().equals("FusedDepthwiseConv2dNative") || n.op().equals("_FusedMatMul")) {
            List<String> f = n.strings("fused_ops");
            if (f.isEmpty() || !f.get(0).equals("BiasAdd") || f.size() > 2 || (f.size() == 2 && activation(f.get(1)) == null && !f.get(1).equals("Prelu")))
                return n.op() + " with fused_ops " + f;
        }
        return null;
    }

    /** Mien's fused activation for a TF activation op; null when it has none. */
    static String activation(String tf) {
        return switch (tf) {
            case "Relu" -> "relu";
            case "Relu6" -> "relu6";
            case "Sigmoid" -> "sigmoid";
            case "Tanh" -> "tanh";
            case "Elu" -> "elu";
            case "LeakyRelu" -> "leaky_relu";
            default -> null;
        };
    }

    /** TF's leaky-ReLU slope (0.2 when the node omits it; Mien's own default is Keras' 0.3). */
    static float leakyAlpha(TfjsManifest.TfNode n, String key) {
        Float a = n.floatAttr(key);
        return a == null ? 0.2f : a;
    }
}
