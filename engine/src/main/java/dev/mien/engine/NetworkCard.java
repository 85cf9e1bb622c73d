package dev.mien.engine;

import dev.mien.engine.ir.Graph;
import dev.mien.engine.ir.Node;
import dev.mien.engine.ir.Op;
import dev.mien.engine.ir.ValueInfo;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * What a network is, beyond its graph: which input takes an image, in what layout and size, how
 * images are preprocessed, which output to read, whether that output is already a probability
 * vector, and what the classes are called. Importers write it, {@code .mien} files store it
 * typed, and {@code predict} reads it instead of guessing.
 *
 * @param architecture  "manet", "lanmsff", "patt-lite", or "generic"
 * @param input         name of the image input
 * @param layout        how the source framework lays out that input
 * @param height        image height the network takes
 * @param width         image width the network takes
 * @param channels      1 (gray) or 3 (RGB)
 * @param preprocessing name of the image pipeline ({@code ModelPreprocessing}); empty when unknown
 * @param output        the output holding class scores
 * @param softmax       whether {@code output} is already a softmax (probabilities)
 * @param labels        class names in output order; empty when the model does not say
 * @param extra         further facts, typed: values are String, Long, Double, Boolean or List&lt;String&gt;
 */
public record NetworkCard(String architecture, String input, Layout layout, int height, int width, int channels,
                          String preprocessing, String output, boolean softmax, List<String> labels,
                          Map<String, Object> extra) {

    /** The source framework's tensor layout (the engine itself always runs NHWC). */
    public enum Layout { NHWC, NCHW }

    public NetworkCard {
        if (architecture == null || architecture.isEmpty()) throw new IllegalArgumentException("card without an architecture");
        if (input == null || input.isEmpty()) throw new IllegalArgumentException("card without an input name");
        if (output == null || output.isEmpty()) throw new IllegalArgumentException("card without an output name");
        if (layout == null) throw new IllegalArgumentException("card without a layout");
        if (height < 0 || width < 0 || channels < 0) throw new IllegalArgumentException("card with a negative size " + height + "x" + width + "x" + channels);
        preprocessing = preprocessing == null ? "" : preprocessing;
        labels = List.copyOf(labels == null ? List.of() : labels);
        Map<String, Object> m = new LinkedHashMap<>();
        if (extra != null) extra.forEach((k, v) -> m.put(k, typed(k, v)));
        extra = Collections.unmodifiableMap(m);
    }

    /** Integers become Long, floats Double (through their decimal text, so 0.6f stays 0.6), lists List&lt;String&gt;. */
    private static Object typed(String key, Object v) {
        if (key == null || key.isEmpty()) throw new IllegalArgumentException("card extra with an empty key");
        return switch (v) {
            case String s -> s;
            case Boolean b -> b;
            case Long l -> l;
            case Integer i -> (long) i;
            case Short s -> (long) s;
            case Double d -> d;
            case Float f -> Double.parseDouble(Float.toString(f));
            case List<?> l when l.stream().allMatch(e -> e instanceof String) -> List.copyOf(l);
            case null -> throw new IllegalArgumentException("card extra " + key + " is null");
            default -> throw new IllegalArgumentException("card extra " + key + " has unsupported type " + v.getClass().getSimpleName()
                    + " (String, Long, Double, Boolean or List<String>)");
        };
    }

    /**
     * What the graph alone says: its first input, its size and layout, the output named
     * "logits" or else the last, whether a softmax produces it; no preprocessing, no labels.
     */
    public static NetworkCard generic(Graph g) {
        if (g.inputs().isEmpty() || g.outputs().isEmpty()) throw new IllegalArgumentException("a graph without inputs or outputs has no card");
        ValueInfo in = g.inputs().get(0);
        int[] s = in.sampleShape();
        int h = s.length == 3 ? s[0] : 0, w = s.length == 3 ? s[1] : 0, c = s.length == 3 ? s[2] : 0;
        String out = g.outputs().contains("logits") ? "logits" : g.outputs().get(g.outputs().size() - 1);
        Layout layout = "NCHW".equals(in.layout()) ? Layout.NCHW : Layout.NHWC;
        return new NetworkCard("generic", in.name(), layout, h, w, c, "", out, producedBySoftmax(g, out), List.of(), Map.of());
    }

    /**
     * The card of a graph read from an older {@code .mien} file, whose metadata were strings:
     * "architecture", "preprocessing", "classes" (comma-joined) and "predict_output" are
     * understood; every other entry becomes a String extra.
     */
    public static NetworkCard fromLegacyMetadata(Graph g) {
        NetworkCard c = generic(g);
        Map<String, String> m = g.metadata();
        String arch = m.getOrDefault("architecture", c.architecture);
        String out = m.get("predict_output");
        if (out == null || !g.outputs().contains(out)) out = c.output;
        String classes = m.get("classes");
        List<String> labels = classes == null || classes.isEmpty() ? List.of() : List.of(classes.split(","));
        Map<String, Object> extra = new LinkedHashMap<>();
        m.forEach((k, v) -> { if (!List.of("architecture", "preprocessing", "classes", "predict_output").contains(k)) extra.put(k, v); });
        return new NetworkCard(arch, c.input, c.layout, c.height, c.width, c.channels, m.getOrDefault("preprocessing", ""),
                out, producedBySoftmax(g, out), labels, extra);
    }

    /**
     * True when a SOFTMAX node produces {@code value}, looking through IDENTITY aliases
     * (importers keep softmax as its own node and may name outputs with an alias).
     */
    public static boolean producedBySoftmax(Graph g, String value) {
        for (int hops = 0; hops <= g.nodes().size(); hops++) {
            Node producer = null;
            for (Node n : g.nodes()) if (n.outputs().contains(value)) producer = n;
            if (producer == null) return false;
            if (producer.op() != Op.IDENTITY || producer.inputs().isEmpty()) return producer.op() == Op.SOFTMAX;
            value = producer.inputs().get(0);
        }
        return false;
    }

    /** The class names for {@code n} scores: the labels when they match, else class_0 .. class_{n-1}. */
    public List<String> labelsFor(int n) {
        if (labels.size() == n) return labels;
        return IntStream.range(0, n).mapToObj(i -> "class_" + i).toList();
    }

    public boolean hasPreprocessing() { return !preprocessing.isEmpty(); }

    /** Per-sample input shape in the engine's layout, [H, W, C]. */
    public int[] sampleShape() { return new int[]{height, width, channels}; }

    public NetworkCard withArchitecture(String a) { return new NetworkCard(a, input, layout, height, width, channels, preprocessing, output, softmax, labels, extra); }
    public NetworkCard withPreprocessing(String p) { return new NetworkCard(architecture, input, layout, height, width, channels, p, output, softmax, labels, extra); }
    public NetworkCard withLabels(List<String> l) { return new NetworkCard(architecture, input, layout, height, width, channels, preprocessing, output, softmax, l, extra); }
    public NetworkCard withOutput(String o, boolean isSoftmax) { return new NetworkCard(architecture, input, layout, height, width, channels, preprocessing, o, isSoftmax, labels, extra); }

    /** This card with {@code key} set to {@code value} (see {@link #extra} for the types). */
    public NetworkCard withExtra(String key, Object value) {
        Map<String, Object> m = new LinkedHashMap<>(extra);
        m.put(key, value);
        return new NetworkCard(architecture, input, layout, height, width, channels, preprocessing, output, softmax, labels, m);
    }

    /** Several lines, "key: value", for {@code mien inspect}. */
    public List<String> describe() {
        List<String> l = new ArrayList<>();
        l.add("architecture: " + architecture);
        l.add("input: " + input + " " + layout + " " + height + "x" + width + "x" + channels);
        l.add("preprocessing: " + (preprocessing.isEmpty() ? "unknown (predict needs --preprocess)" : preprocessing));
        l.add("output: " + output + (softmax ? " (softmax probabilities)" : " (scores; predict applies softmax)"));
        l.add("labels: " + (labels.isEmpty() ? "none in the model (predict prints class_0..; pass --classes)" : String.join(",", labels)));
        extra.forEach((k, v) -> l.add("extra " + k + ": " + (v instanceof String s ? s : v + " (" + v.getClass().getSimpleName().toLowerCase(Locale.ROOT) + ")")));
        return l;
    }
}
