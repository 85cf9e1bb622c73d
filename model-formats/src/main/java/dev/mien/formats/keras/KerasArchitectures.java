package dev.mien.formats.keras;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mien.engine.Tensor;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The Keras seed networks as shipped architecture descriptions (the model config and every
 * layer's weight shapes, under {@code /dev/mien/formats/arch/}), filled with seeded random
 * weights. Imported through the same {@link KerasImporter} as a real file, so a benchmark runs
 * exactly the graph a checkpoint would produce.
 */
public final class KerasArchitectures {
    private KerasArchitectures() {}

    public static final List<String> NAMES = List.of("lanmsff", "patt-lite");

    /** A random-weight model file for {@code name}; unknown names list the known ones. */
    public static KerasModelFile random(String name, long seed) {
        if (!NAMES.contains(name)) throw new IllegalArgumentException("unknown Keras architecture '" + name + "'; known: " + String.join(", ", NAMES));
        JsonNode root;
        try (InputStream in = KerasArchitectures.class.getResourceAsStream("/dev/mien/formats/arch/" + name + ".json")) {
            if (in == null) throw new IllegalStateException("architecture resource for " + name + " is missing from the jar");
            root = new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> classes = new HashMap<>();
        collectClasses(root.path("model_config"), "", classes);
        Random rnd = new Random(seed);
        Map<String, List<Tensor>> weights = new HashMap<>();
        root.path("weight_shapes").fields().forEachRemaining(e -> {
            List<Tensor> list = new ArrayList<>();
            boolean bn = "BatchNormalization".equals(classes.get(e.getKey()));
            int i = 0;
            for (JsonNode s : e.getValue()) {
                int[] shape = new int[s.size()];
                for (int d = 0; d < shape.length; d++) shape[d] = s.get(d).asInt();
                list.add(bn ? batchNorm(shape, i++, rnd) : heNormal(shape, rnd));
            }
            weights.put(e.getKey(), list);
        });
        String config = root.path("model_config").toString();
        return new KerasModelFile() {
            @Override public String source() { return "random " + name + " (seed " + seed + ")"; }
            @Override public String format() { return "keras"; }
            @Override public String kerasVersion() { return ""; }
            @Override public String modelConfigJson() { return config; }
            @Override public List<Tensor> layerWeights(List<String> path) { return weights.getOrDefault(String.join("/", path), List.of()); }
            @Override public List<String> layerWeightNames(List<String> path) {
                List<String> n = new ArrayList<>();
                for (int i = 0; i < layerWeights(path).size(); i++) n.add(String.join("/", path) + "/" + i);
                return n;
            }
        };
    }

    private static void collectClasses(JsonNode model, String prefix, Map<String, String> out) {
        JsonNode layers = model.path("config").path("layers");
        if (!layers.isArray()) layers = model.path("config");
        for (JsonNode l : layers) {
            String name = l.path("config").path("name").asText(l.path("name").asText());
            String path = prefix.isEmpty() ? name : prefix + "/" + name;
            String cls = l.path("class_name").asText();
            out.put(path, cls);
            if (cls.equals("Functional") || cls.equals("Sequential") || cls.equals("Model")) collectClasses(l, path, out);
        }
    }

    /** gamma, beta, moving mean, moving variance near an identity transform. */
    private static Tensor batchNorm(int[] shape, int index, Random rnd) {
        float[] d = new float[(int) Tensor.sizeOf(shape)];
        for (int i = 0; i < d.length; i++)
            d[i] = switch (index) {
                case 0 -> 0.5f + 0.5f * rnd.nextFloat();
                case 3 -> 0.5f + rnd.nextFloat();
                default -> 0.1f * (float) rnd.nextGaussian();
            };
        return new Tensor(shape, d);
    }

    private static Tensor heNormal(int[] shape, Random rnd) {
        long fanIn = 1;
        for (int i = 0; i + 1 < shape.length; i++) fanIn *= shape[i];
        float std = (float) Math.sqrt(2.0 / Math.max(1, fanIn));
        float[] d = new float[(int) Tensor.sizeOf(shape)];
        for (int i = 0; i < d.length; i++) d[i] = std * (float) rnd.nextGaussian();
        return new Tensor(shape, d);
    }
}
