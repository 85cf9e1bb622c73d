package dev.mien.formats;

import dev.mien.engine.ir.Graph;
import dev.mien.engine.ir.Node;
import dev.mien.engine.ir.Op;
import dev.mien.engine.ir.ValueInfo;

import java.util.Arrays;

/**
 * What Mien knows about the seed networks beyond their graphs: how their authors preprocessed
 * images and what their classes are, attached as graph metadata so that {@code predict} and
 * the model file carry them.
 */
public final class KnownNetworks {
    private KnownNetworks() {}

    /** FERPlus in its usual order (LANMSFF's repository prints no label order). */
    public static final String LANMSFF_CLASSES = "neutral,happiness,surprise,sadness,anger,disgust,fear,contempt";
    /** PAtt-Lite's FERPlus folders, sorted as its data-compile notebook reads them. */
    public static final String PATT_LITE_CLASSES = "anger,contempt,disgust,fear,happiness,neutral,sadness,surprise";

    /** Adds architecture, preprocessing and class names for recognised Keras networks. */
    public static Graph annotate(Graph g) {
        String arch = g.metadata().get("architecture");
        if (arch == null && isPattLite(g)) {
            g = g.withMetadata("architecture", "patt-lite");
            arch = "patt-lite";
        }
        if ("lanmsff".equals(arch)) {
            g = g.withMetadata("preprocessing", "lanmsff");
            if (outputWidth(g) == 8) g = g.withMetadata("classes", LANMSFF_CLASSES);
        } else if ("patt-lite".equals(arch)) {
            g = g.withMetadata("preprocessing", "patt-lite");
            if (outputWidth(g) == 8) g = g.withMetadata("classes", PATT_LITE_CLASSES);
        }
        return g;
    }

    /** PAtt-Lite: a 120x120x3 input resized to 224, and a Keras Attention layer on 2-D features. */
    static boolean isPattLite(Graph g) {
        if (g.inputs().size() != 1 || !Arrays.equals(g.inputs().get(0).sampleShape(), new int[]{120, 120, 3})) return false;
        boolean resize = false, attention = false;
        for (Node n : g.nodes()) {
            if (n.op() == Op.RESIZE && Arrays.equals(n.attrs().getInts("size", 0, 0), new int[]{224, 224})) resize = true;
            if (n.op() == Op.ATTENTION) attention = true;
        }
        return resize && attention;
    }

    private static int outputWidth(Graph g) {
        ValueInfo in = g.inputs().get(0);
        int[] s = dev.mien.engine.ops.ShapeInference.infer(g, 1).shapes().get(g.outputs().get(g.outputs().size() - 1));
        return s == null || in == null ? -1 : s[s.length - 1];
    }
}
