package dev.mien.formats.manet;

import dev.mien.engine.NetworkCard;
import dev.mien.engine.Tensor;
import dev.mien.engine.ir.Attrs;
import dev.mien.engine.ir.Graph;
import dev.mien.engine.ir.Node;
import dev.mien.engine.ir.Op;
import dev.mien.engine.ir.ValueInfo;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Builds MA-Net (Zhao et al., TIP 2021) as a Mien graph from a PyTorch state_dict alone.
 * Channel widths, block counts and class counts come from tensor shapes, so the full
 * network, narrow variants and the 12666-class MS-Celeb checkpoint all load.
 *
 * <p>Values kept under stable names for inspection: {@code maxpool}, {@code layer2},
 * {@code layer3_2}, {@code layer4_2}, {@code layer4_1_p1}, {@code branch1_prepool};
 * outputs {@code fc_1}, {@code fc_2} and {@code logits = beta*fc_1 + (1-beta)*fc_2}.
 */
public final class ManetGraphBuilder {
    public static final List<String> CLASSES =
            List.of("Neutral", "Happiness", "Sadness", "Surprise", "Fear", "Disgust", "Anger");
    public static final float DEFAULT_BETA = 0.6f;
    static final float BN_EPS = 1e-5f;
    static final int INPUT = 224;

    private final Map<String, Tensor> sd;
    private final List<Node> nodes = new ArrayList<>();
    private final TreeSet<String> used = new TreeSet<>();

    private ManetGraphBuilder(Map<String, Tensor> stateDict) { this.sd = stateDict; }

    /** True when the state_dict has MA-Net's distinctive keys. */
    public static boolean looksLikeManet(Map<String, Tensor> sd) {
        return sd.containsKey("conv1.weight") && sd.containsKey("fc_1.weight") && sd.containsKey("fc_2.weight")
                && sd.keySet().stream().anyMatch(k -> k.startsWith("layer3_1_p1."))
                && sd.keySet().stream().anyMatch(k -> k.startsWith("layer3_2."));
    }

    public static Graph build(Map<String, Tensor> stateDict, float beta) {
        if (!looksLikeManet(stateDict))
            throw new ManetFormatException("not an MA-Net state_dict: expected conv1.weight, layer3_1_p1.*, layer3_2.*, fc_1.weight and fc_2.weight");
        if (!(beta >= 0f && beta <= 1f)) throw new ManetFormatException("beta must be in [0, 1], got " + beta);
        return new ManetGraphBuilder(stateDict).graph(beta);
    }

    private Graph graph(float beta) {
        String x = conv("conv1", "input", "conv1.weight", 2, 3, "bn1", "relu", null);
        x = add(Node.of("maxpool", Op.MAX_POOL2D, List.of(x), new Attrs().set("kernel", new int[]{3, 3})
                .set("strides", new int[]{2, 2}).set("pads", new int[]{1, 1, 1, 1}), null));
        x = layer("layer1", x, Block.BASIC, 1);
        x = layer("layer2", x, Block.BASIC, 2);
        x = rename(x, "layer2");

        // Branch 1: four 14x14 patches of the 28x28 map, each with its own attention layers.
        int[][] rc = {{0, 0}, {0, 1}, {1, 0}, {1, 1}};
        String[] patchOut = new String[4];
        for (int p = 0; p < 4; p++) {
            String rows = add(Node.of("patch" + (p + 1) + "_rows", Op.SLICE, List.of(x),
                    new Attrs().set("axis", 1).set("start", rc[p][0] * 14).set("end", rc[p][0] * 14 + 14), null));
            String patch = add(Node.of("patch" + (p + 1), Op.SLICE, List.of(rows),
                    new Attrs().set("axis", 2).set("start", rc[p][1] * 14).set("end", rc[p][1] * 14 + 14), null));
            String y = layer("layer3_1_p" + (p + 1), patch, Block.ATTENTION, 2);
            y = layer("layer4_1_p" + (p + 1), y, Block.ATTENTION, 1);
            patchOut[p] = y;
        }
        patchOut[0] = rename(patchOut[0], "layer4_1_p1");
        String top = add(Node.of("branch1_top", Op.CONCAT, List.of(patchOut[0], patchOut[1]), new Attrs().set("axis", 2), null));
        String bottom = add(Node.of("branch1_bottom", Op.CONCAT, List.of(patchOut[2], patchOut[3]), new Attrs().set("axis", 2), null));
        String b1 = add(Node.of("branch1_prepool", Op.CONCAT, List.of(top, bottom), new Attrs().set("axis", 1), null));
        b1 = add(Node.of("branch1_gap", Op.GLOBAL_AVG_POOL, List.of(b1), null, null));
        String fc1 = linear("fc_1", b1);

        // Branch 2: multi-scale blocks on the whole map.
        String y = layer("layer3_2", x, Block.MULTI_SCALE, 2);
        y = rename(y, "layer3_2");
        y = layer("layer4_2", y, Block.MULTI_SCALE, 2);
        y = rename(y, "layer4_2");
        y = add(Node.of("branch2_gap", Op.GLOBAL_AVG_POOL, List.of(y), null, null));
        String fc2 = linear("fc_2", y);

        String a = scale("fc_1_weighted", fc1, beta);
        String b = scale("fc_2_weighted", fc2, 1f - beta);
        add(Node.of("logits", Op.ADD, List.of(a, b), null, null));

        List<String> unused = sd.keySet().stream().filter(k -> !used.contains(k) && !k.endsWith("num_batches_tracked")).toList();
        if (!unused.isEmpty())
            throw new ManetFormatException("state_dict has " + unused.size() + " entries MA-Net does not use, e.g. " + unused.get(0));
        int classes = tensor("fc_1.weight").dim(0);
        // The fused logits are scores (the authors apply softmax afterwards); RAF-DB's names only fit 7 classes.
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("source_framework", "pytorch");
        extra.put("beta", beta);
        extra.put("num_classes", classes);
        extra.put("widths", widths());
        NetworkCard card = new NetworkCard("manet", "input", NetworkCard.Layout.NCHW, INPUT, INPUT, 3, "manet", "logits", false,
                classes == CLASSES.size() ? CLASSES : List.of(), extra);
        return new Graph(List.of(new ValueInfo("input", new int[]{INPUT, INPUT, 3}, "NCHW")), nodes,
                List.of("fc_1", "fc_2", "logits"), Map.of(), card);
    }

    private String widths() {
        return tensor("conv1.weight").dim(0) + "/" + tensor("layer1.0.conv1.weight").dim(0) + "/"
                + tensor("layer2.0.conv1.weight").dim(0) + "/" + tensor("layer3_2.0.conv1.weight").dim(0) + "/"
                + tensor("layer4_2.0.conv1.weight").dim(0);
    }

    enum Block { BASIC, ATTENTION, MULTI_SCALE }

    private String layer(String prefix, String x, Block kind, int stride) {
        int count = 0;
        while (sd.containsKey(prefix + "." + count + ".conv1.weight")) count++;
        if (count == 0) throw new ManetFormatException("missing " + prefix + ".0.conv1.weight");
        for (int i = 0; i < count; i++) {
            String p = prefix + "." + i;
            int s = i == 0 ? stride : 1;
            x = switch (kind) {
                case BASIC -> basicBlock(p, x, s, false);
                case ATTENTION -> basicBlock(p, x, s, true);
                case MULTI_SCALE -> multiScaleBlock(p, x, s);
            };
        }
        return x;
    }

    /** BasicBlock, or AttentionBlock when {@code cbam}: conv-bn-relu, conv-bn, [CBAM], + identity, relu. */
    private String basicBlock(String p, String x, int stride, boolean cbam) {
        String identity = shortcut(p, x, stride);
        String h = conv(p + ".conv1", x, p + ".conv1.weight", stride, 1, p + ".bn1", "relu", null);
        h = conv(p + ".conv2", h, p + ".conv2.weight", 1, 1, p + ".bn2", "none", null);
        if (cbam) h = cbam(p + ".cbam", h);
        String sum = add(Node.of(p + ".add", Op.ADD, List.of(h, identity), null, null));
        return activation(p + ".relu", sum, "relu");
    }

    private String shortcut(String p, String x, int stride) {
        if (!sd.containsKey(p + ".downsample.0.weight")) return x;
        return conv(p + ".downsample", x, p + ".downsample.0.weight", stride, 0, p + ".downsample.1", "none", null);
    }

    /** CBAM: channel gate (shared MLP over avg- and max-pooled channels) then spatial gate. */
    private String cbam(String p, String x) {
        String cg = p + ".ChannelGate";
        String avg = add(Node.of(cg + ".avg", Op.GLOBAL_AVG_POOL, List.of(x), new Attrs().set("keepdims", true), null));
        String max = add(Node.of(cg + ".max", Op.GLOBAL_MAX_POOL, List.of(x), new Attrs().set("keepdims", true), null));
        // Both pooled vectors through the same MLP in one pass: stacked as [N, 2, 1, C].
        String both = add(Node.of(cg + ".stack", Op.CONCAT, List.of(avg, max), new Attrs().set("axis", 1), null));
        String h = dense(cg + ".mlp.1", both, cg + ".mlp.1", "relu");
        h = dense(cg + ".mlp.3", h, cg + ".mlp.3", "none");
        String sum = add(Node.of(cg + ".sum", Op.REDUCE, List.of(h),
                new Attrs().set("op", "sum").set("axes", new int[]{1}).set("keepdims", true), null));
        String gate = activation(cg + ".sigmoid", sum, "sigmoid");
        String xc = add(Node.of(cg + ".apply", Op.MUL, List.of(x, gate), null, null));

        String sg = p + ".SpatialGate";
        String cmax = add(Node.of(sg + ".max", Op.REDUCE, List.of(xc),
                new Attrs().set("op", "max").set("axes", new int[]{-1}).set("keepdims", true), null));
        String cmean = add(Node.of(sg + ".mean", Op.REDUCE, List.of(xc),
                new Attrs().set("op", "mean").set("axes", new int[]{-1}).set("keepdims", true), null));
        String pooled = add(Node.of(sg + ".compress", Op.CONCAT, List.of(cmax, cmean), new Attrs().set("axis", -1), null));
        int k = tensor(sg + ".spatial.conv.weight").dim(2);
        String s = conv(sg + ".spatial", pooled, sg + ".spatial.conv.weight", 1, (k - 1) / 2, sg + ".spatial.bn", "sigmoid", null);
        return add(Node.of(sg + ".apply", Op.MUL, List.of(xc, s), null, null));
    }

    /** MulScaleBlock: conv-bn-relu, split in 4, a forward and a backward chain of 3x3 convs, summed. */
    private String multiScaleBlock(String p, String x, int stride) {
        String identity = shortcut(p, x, stride);
        String h = conv(p + ".conv1", x, p + ".conv1.weight", stride, 1, p + ".bn1", "relu", null);
        int width = tensor(p + ".conv1_2_1.weight").dim(0);
        int planes = tensor(p + ".conv1.weight").dim(0);
        if (planes != 4 * width) throw new ManetFormatException(p + ": conv1 has " + planes + " channels, expected 4 x " + width);
        String[] sp = new String[4];
        for (int i = 0; i < 4; i++)
            sp[i] = add(Node.of(p + ".split" + i, Op.SLICE, List.of(h),
                    new Attrs().set("axis", -1).set("start", i * width).set("end", (i + 1) * width), null));
        String[] fwd = new String[4];
        for (int i = 0; i < 4; i++) {
            String in = i == 0 ? sp[0] : chainInput(p + ".f" + i, fwd[i - 1], sp[i]);
            fwd[i] = conv(p + ".conv1_2_" + (i + 1), in, p + ".conv1_2_" + (i + 1) + ".weight", 1, 1, p + ".bn1_2_" + (i + 1), "none", null);
        }
        String[] bwd = new String[4];
        for (int i = 3; i >= 0; i--) {
            String in = i == 3 ? sp[3] : chainInput(p + ".b" + i, bwd[i + 1], sp[i]);
            bwd[i] = conv(p + ".conv2_2_" + (i + 1), in, p + ".conv2_2_" + (i + 1) + ".weight", 1, 1, p + ".bn2_2_" + (i + 1), "none", null);
        }
        String o1 = add(Node.of(p + ".out1", Op.CONCAT, List.of(fwd), new Attrs().set("axis", -1), null));
        String o2 = add(Node.of(p + ".out2", Op.CONCAT, List.of(bwd), new Attrs().set("axis", -1), null));
        String sum = add(Node.of(p + ".sum", Op.ADD, List.of(o1, o2), null, null));
        String res = add(Node.of(p + ".add", Op.ADD, List.of(sum, identity), null, null));
        return activation(p + ".relu", res, "relu");
    }

    /** relu(previous) + split, the input of the next conv in a multi-scale chain. */
    private String chainInput(String name, String prev, String split) {
        String r = activation(name + ".relu", prev, "relu");
        return add(Node.of(name + ".add", Op.ADD, List.of(r, split), null, null));
    }

    private String conv(String name, String x, String weightKey, int stride, int pad, String bn, String act, String residual) {
        Tensor w = tensor(weightKey);
        if (w.rank() != 4) throw new ManetFormatException(weightKey + ": expected a 4-D conv weight, got " + w);
        Map<String, Tensor> params = new LinkedHashMap<>();
        params.put("weight", w.transpose(2, 3, 1, 0)); // OIHW -> HWIO
        String bias = weightKey.replace(".weight", ".bias");
        if (sd.containsKey(bias)) params.put("bias", tensor(bias));
        Attrs a = new Attrs().set("strides", new int[]{stride, stride}).set("pads", new int[]{pad, pad, pad, pad});
        String out = add(Node.of(name, Op.CONV2D, residual == null ? List.of(x) : List.of(x, residual), a, params));
        out = batchNorm(bn, out, w.dim(0));
        return act.equals("none") ? out : activation(name + "." + act, out, act);
    }

    private String batchNorm(String p, String x, int channels) {
        Map<String, Tensor> params = new LinkedHashMap<>();
        params.put("gamma", vector(p + ".weight", channels));
        params.put("beta", vector(p + ".bias", channels));
        params.put("mean", vector(p + ".running_mean", channels));
        params.put("var", vector(p + ".running_var", channels));
        return add(Node.of(p, Op.BATCH_NORM, List.of(x), new Attrs().set("epsilon", BN_EPS), params));
    }

    private String dense(String name, String x, String key, String act) {
        Tensor w = tensor(key + ".weight");
        if (w.rank() != 2) throw new ManetFormatException(key + ".weight: expected a 2-D linear weight, got " + w);
        Map<String, Tensor> params = new LinkedHashMap<>();
        params.put("weight", w.transpose(1, 0)); // [out,in] -> [in,out]
        if (sd.containsKey(key + ".bias")) params.put("bias", vector(key + ".bias", w.dim(0)));
        return add(Node.of(name, Op.DENSE, List.of(x), new Attrs().set("activation", act), params));
    }

    private String linear(String name, String x) { return dense(name, x, name, "none"); }

    private String scale(String name, String x, float s) {
        Map<String, Tensor> params = new LinkedHashMap<>();
        params.put("scale", new Tensor(new int[]{1}, new float[]{s}));
        params.put("shift", new Tensor(new int[]{1}, new float[]{0f}));
        return add(Node.of(name, Op.SCALE_SHIFT, List.of(x), null, params));
    }

    private String activation(String name, String x, String act) {
        return add(Node.of(name, Op.ACTIVATION, List.of(x), new Attrs().set("activation", act), null));
    }

    /** Gives a value a stable public name by appending an identity node. */
    private String rename(String x, String name) {
        return add(Node.of(name, Op.IDENTITY, List.of(x), null, null));
    }

    private String add(Node n) {
        nodes.add(n);
        return n.output();
    }

    private Tensor tensor(String key) {
        Tensor t = sd.get(key);
        if (t == null) throw new ManetFormatException("missing state_dict entry " + key);
        used.add(key);
        return t;
    }

    private Tensor vector(String key, int len) {
        Tensor t = tensor(key);
        if (t.size() != len) throw new ManetFormatException(key + ": expected " + len + " values, got " + t.size());
        return t.reshape(len);
    }
}
