package dev.mien.faces;

import dev.mien.engine.Model;
import dev.mien.engine.NetworkCard;
import dev.mien.engine.Tensor;
import dev.mien.engine.ir.Attrs;
import dev.mien.engine.ir.Graph;
import dev.mien.engine.ir.Node;
import dev.mien.engine.ir.Op;
import dev.mien.engine.ir.ValueInfo;

import java.util.List;
import java.util.Map;

/**
 * Small generated models with BlazeFace's and the emotion model's interfaces, for testing the
 * pipeline without the built-in models: a "detector" whose output is a fixed [896, 17] table
 * (the image is read, then multiplied by zero), and an "expression model" whose logits are
 * the crop's mean times {@code w} plus {@code b}.
 */
final class SyntheticModels {
    private SyntheticModels() {}

    /** A detector that always answers {@code raw} ([896 x 17] rows) whatever the image. */
    static Model detector(float[] raw) {
        Graph g = new Graph(List.of(new ValueInfo("image", new int[]{256, 256, 3}, "NHWC")),
                Map.of("zero", new Tensor(new int[]{1}, new float[]{0f}), "table", new Tensor(new int[]{896, 17}, raw.clone())),
                List.of(Node.of("mean", Op.REDUCE, List.of("image"), new Attrs().set("op", "mean").set("axes", new int[]{1, 2, 3}).set("keepdims", true), null),
                        Node.of("nothing", Op.MUL, List.of("mean", "zero"), null, null),
                        Node.of("rows", Op.ADD, List.of("nothing", "table"), null, null)),
                List.of("rows"), Map.of());
        return Model.of(g.withCard(NetworkCard.generic(g).withArchitecture("synthetic-blazeface")));
    }

    /**
     * An expression model on [h, w, c] crops: logits = mean(crop) * w + b (c = 1) and no softmax;
     * card with {@code labels} and {@code preprocessing} (may be empty).
     */
    static Model expression(int h, int wd, int c, float[] w, float[] b, List<String> labels, String preprocessing) {
        Tensor weight = new Tensor(new int[]{c, w.length}, tile(w, c));
        Graph g = new Graph(List.of(new ValueInfo("crop", new int[]{h, wd, c}, "NHWC")), Map.of(),
                List.of(Node.of("gap", Op.REDUCE, List.of("crop"), new Attrs().set("op", "mean").set("axes", new int[]{1, 2}).set("keepdims", false), null),
                        Node.of("logits", Op.DENSE, List.of("gap"), new Attrs().set("activation", "none"),
                                Map.of("weight", weight, "bias", new Tensor(new int[]{b.length}, b.clone())))),
                List.of("logits"), Map.of());
        NetworkCard card = NetworkCard.generic(g).withArchitecture("synthetic-expression").withLabels(labels).withPreprocessing(preprocessing);
        return Model.of(g.withCard(card));
    }

    private static float[] tile(float[] w, int c) {
        float[] t = new float[c * w.length];
        for (int i = 0; i < c; i++) System.arraycopy(w, 0, t, i * w.length, w.length);
        return t;
    }

    /** A raw detector table with one confident face per {@code boxes} entry {cx, cy, w, h} (detector pixels) on anchor {@code anchors[i]}. */
    static float[] table(int[] anchors, float[][] boxes) {
        float[] raw = new float[896 * 17];
        for (int a = 0; a < 896; a++) raw[a * 17] = -10f;   // sigmoid ~ 0: no face
        float[] centres = Anchors.centres(256);
        for (int i = 0; i < anchors.length; i++) {
            int a = anchors[i], r = a * 17;
            raw[r] = 3f;
            raw[r + 1] = boxes[i][0] - centres[2 * a];
            raw[r + 2] = boxes[i][1] - centres[2 * a + 1];
            raw[r + 3] = boxes[i][2];
            raw[r + 4] = boxes[i][3];
            for (int k = 0; k < 6; k++) {
                raw[r + 5 + 2 * k] = boxes[i][0] - centres[2 * a] + (k - 2.5f) * boxes[i][2] / 8;
                raw[r + 6 + 2 * k] = boxes[i][1] - centres[2 * a + 1];
            }
        }
        return raw;
    }
}
