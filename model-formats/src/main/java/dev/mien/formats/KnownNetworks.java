package dev.mien.formats;

import dev.mien.engine.NetworkCard;
import dev.mien.engine.ir.Graph;
import dev.mien.engine.ir.Node;
import dev.mien.engine.ir.Op;

import java.util.Arrays;
import java.util.List;

/**
 * What Mien knows about the seed Keras networks beyond their graphs: how their authors
 * preprocessed images and what their classes are, written into the graph's
 * {@link NetworkCard} so that {@code predict} and the model file carry them. (MA-Net's card is
 * written by its own graph builder.)
 */
public final class KnownNetworks {
    private KnownNetworks() {}

    /** FERPlus in its usual order (LANMSFF's repository prints no label order). */
    public static final List<String> LANMSFF_CLASSES =
            List.of("neutral", "happiness", "surprise", "sadness", "anger", "disgust", "fear", "contempt");
    /** PAtt-Lite's FERPlus folders, sorted as its data-compile notebook reads them. */
    public static final List<String> PATT_LITE_CLASSES =
            List.of("anger", "contempt", "disgust", "fear", "happiness", "neutral", "sadness", "surprise");

    /** oarriaga's FER2013 order (src/utils/datasets.py get_labels('fer2013')), as Human reads its emotion model. */
    public static final List<String> FER2013_CLASSES = List.of("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral");

    /** Adds architecture, preprocessing and class names to the card of recognised Keras networks. */
    public static Graph annotate(Graph g) {
        NetworkCard card = g.card();
        String arch = card.architecture();
        if (arch.equals("generic") && card.extra().containsKey("tfjs_generatedBy")) return TfjsKnownModels.annotate(g);
        if (arch.equals("generic") && isPattLite(g)) arch = "patt-lite";
        List<String> labels = switch (arch) {
            case "lanmsff" -> LANMSFF_CLASSES;
            case "patt-lite" -> PATT_LITE_CLASSES;
            default -> null;
        };
        if (labels == null) return g;
        card = card.withArchitecture(arch).withPreprocessing(arch);
        // The published heads have 8 classes; a retrained head keeps the preprocessing but not the names.
        if (outputWidth(g, card.output()) == labels.size()) card = card.withLabels(labels);
        return g.withCard(card);
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

    private static int outputWidth(Graph g, String output) {
        int[] s = dev.mien.engine.ops.ShapeInference.infer(g, 1).shapes().get(output);
        return s == null ? -1 : s[s.length - 1];
    }
}
