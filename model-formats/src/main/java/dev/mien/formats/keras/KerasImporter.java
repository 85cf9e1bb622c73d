package dev.mien.formats.keras;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mien.engine.io.Printable;
import dev.mien.engine.ir.Attrs;
import dev.mien.engine.NetworkCard;
import dev.mien.engine.ir.Graph;
import dev.mien.engine.ir.Node;
import dev.mien.engine.ir.Op;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a Keras model (Functional, Sequential or legacy "Model"; Keras 2.x, tf.keras 2 or
 * Keras 3 configs; nested models inlined) into a Mien graph in NHWC.
 *
 * <p>Values are named after Keras layers: a layer's output is its name ("conv2d_1"), a layer
 * inside a nested model is "base_model/conv1", a layer's second call "name:call1", outputs of
 * multi-output operations "split:0", "split:1". Graph inputs are named after the InputLayers,
 * graph outputs after the model's output layers. Every unsupported layer is reported at once
 * before anything is built.
 */
public final class KerasImporter {
    /** Layers a "cannot order" refusal names before it only counts the rest. */
    static final int STUCK_NAMED = 10;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final KerasModelFile file;
    private final KerasImportOptions opts;
    private final KerasGraphBuilder b;
    private final boolean lanmsff;

    private KerasImporter(KerasModelFile file, KerasImportOptions opts, JsonNode root, boolean keras3) {
        this.file = file;
        this.opts = opts;
        this.b = new KerasGraphBuilder(file, keras3);
        this.lanmsff = KerasLanmsff.isLanmsff(root);
    }

    public static Graph importModel(KerasModelFile f) { return importModel(f, KerasImportOptions.DEFAULT); }

    public static Graph importModel(KerasModelFile f, KerasImportOptions opts) {
        JsonNode root;
        try {
            root = JSON.readTree(f.modelConfigJson());
        } catch (JsonProcessingException e) {
            throw new KerasImportException(f.source() + ": model config is not valid JSON: " + Printable.clip(String.valueOf(e.getOriginalMessage()), 160));
        }
        if (root == null || !root.isObject() || !root.has("class_name"))
            throw new KerasImportException(f.source() + ": model config has no class_name");
        String cls = root.get("class_name").asText();
        if (!isModelClass(cls))
            throw new KerasImportException(f.source() + ": model class '" + cls + "' is not supported (Functional, Model or Sequential)");
        boolean keras3 = f.kerasVersion().startsWith("3") || root.toString().contains("\"__keras_tensor__\"");
        KerasImporter imp = new KerasImporter(f, opts, root, keras3);

        List<String> unsupported = new ArrayList<>();
        imp.check(root, "", unsupported);
        if (!unsupported.isEmpty())
            throw new KerasImportException(f.source() + ": " + unsupported.size() + " unsupported layer(s): "
                    + String.join("; ", unsupported), unsupported);

        String modelName = root.path("config").isObject() ? root.path("config").path("name").asText("") : "";
        List<KerasConfig.TensorRef> outRefs = new ArrayList<>();
        List<String> outs = imp.importModelEntry(root, "", List.of(), null, outRefs);
        return imp.finish(root, cls, modelName, outs, outRefs);
    }

    private static boolean isModelClass(String cls) {
        return cls.equals("Functional") || cls.equals("Model") || cls.equals("Sequential");
    }

    // --- pre-pass: every unsupported layer, all at once ----------------------------------------

    private void check(JsonNode modelEntry, String path, List<String> unsupported) {
        List<KerasConfig.LayerSpec> layers = layersOf(modelEntry);
        for (KerasConfig.LayerSpec l : layers) {
            String where = path.isEmpty() ? "" : " (in " + path + ")";
            if (l.isModel()) {
                check(l.raw(), path.isEmpty() ? l.name() : path + "/" + l.name(), unsupported);
                continue;
            }
            if (l.className().equals("InputLayer")) continue;
            String reason;
            if (l.className().equals("Lambda")) {
                reason = KerasLanmsff.lambdaRejection(l, layers, lanmsff);
            } else {
                KerasLayerConverter conv = KerasLayers.get(l.className());
                reason = conv == null ? "layer class not supported" : conv.unsupportedReason(l);
            }
            if (reason != null) unsupported.add(l.describe() + where + ": " + reason);
        }
    }

    private List<KerasConfig.LayerSpec> layersOf(JsonNode modelEntry) {
        JsonNode cfg = modelEntry.path("config");
        JsonNode arr = cfg.isArray() ? cfg : cfg.path("layers");
        if (!arr.isArray()) throw new KerasImportException(file.source() + ": model '" + modelEntry.path("name").asText(cfg.path("name").asText("?"))
                + "' has no layer list");
        List<KerasConfig.LayerSpec> out = new ArrayList<>();
        for (JsonNode e : arr) out.add(KerasConfig.layer(e, file.source()));
        return out;
    }

    // --- building ----------------------------------------------------------------------------

    /**
     * Imports one model. {@code inputs} are the values it is called on (null for the top
     * level, whose InputLayers become graph inputs); returns its output values.
     */
    private List<String> importModelEntry(JsonNode entry, String prefix, List<String> path, List<String> inputs,
                                          List<KerasConfig.TensorRef> outRefsOut) {
        return entry.path("class_name").asText().equals("Sequential")
                ? importSequential(entry, prefix, path, inputs, outRefsOut)
                : importFunctional(entry, prefix, path, inputs, outRefsOut);
    }

    private List<String> importSequential(JsonNode entry, String prefix, List<String> path, List<String> inputs,
                                          List<KerasConfig.TensorRef> outRefsOut) {
        List<KerasConfig.LayerSpec> layers = layersOf(entry);
        if (layers.isEmpty()) throw new KerasImportException(file.source() + ": Sequential '" + entry.path("config").path("name").asText() + "' has no layers");
        String value;
        if (inputs != null) {
            if (inputs.size() != 1) throw new KerasImportException(file.source() + ": Sequential '" + String.join("/", path) + "' called on " + inputs.size() + " inputs");
            value = inputs.get(0);
        } else {
            KerasConfig.LayerSpec first = layers.get(0);
            JsonNode cfg = entry.path("config");
            JsonNode shape = first.config().has("batch_input_shape") ? first.config().get("batch_input_shape")
                    : first.config().has("batch_shape") ? first.config().get("batch_shape")
                    : cfg.has("build_input_shape") ? cfg.get("build_input_shape")
                    : entry.path("build_config").get("input_shape");
            String name = first.className().equals("InputLayer") ? first.name() : first.name() + "_input";
            value = b.addInput(name, inputShape(shape, name));
        }
        String last = null;
        for (KerasConfig.LayerSpec l : layers) {
            if (l.className().equals("InputLayer")) continue;
            List<KerasLayerCall.Operand> ops = List.of(new KerasLayerCall.Operand(value, null));
            List<String> outs = callLayer(l, 0, ops, com.fasterxml.jackson.databind.node.NullNode.getInstance(), prefix, path, r -> {
                throw new KerasImportException(file.source() + ": layer " + l.describe() + " in a Sequential refers to " + r);
            });
            if (outs.size() != 1) throw new KerasImportException(file.source() + ": layer " + l.describe() + " in a Sequential has " + outs.size() + " outputs");
            value = outs.get(0);
            last = l.name();
        }
        if (last != null) outRefsOut.add(new KerasConfig.TensorRef(last, 0, 0));
        return List.of(value);
    }

    private int[] inputShape(JsonNode batchShape, String name) {
        int[] override = opts.inputShape();
        if (batchShape == null || !batchShape.isArray() || batchShape.isEmpty()) {
            if (override != null) return override;
            throw new KerasImportException(file.source() + ": input '" + name + "' has no shape in the config; pass KerasImportOptions.withInputShape");
        }
        int[] s = Arrays.copyOfRange(KerasConfig.ints(batchShape), 1, batchShape.size());
        if (override != null) {
            if (override.length != s.length)
                throw new KerasImportException(file.source() + ": input '" + name + "' has rank " + s.length + " but the options give " + Arrays.toString(override));
            for (int i = 0; i < s.length; i++)
                if (s[i] > 0 && s[i] != override[i])
                    throw new KerasImportException(file.source() + ": input '" + name + "' is " + Arrays.toString(s) + " in the config, options give " + Arrays.toString(override));
            return override;
        }
        for (int d : s)
            if (d <= 0) throw new KerasImportException(file.source() + ": input '" + name + "' has open dimensions " + batchShape
                    + "; pass KerasImportOptions.withInputShape");
        return s;
    }

    private List<String> importFunctional(JsonNode entry, String prefix, List<String> path, List<String> inputs,
                                          List<KerasConfig.TensorRef> outRefsOut) {
        JsonNode cfg = entry.path("config");
        List<KerasConfig.LayerSpec> layers = layersOf(entry);
        Map<String, KerasConfig.LayerSpec> byName = new LinkedHashMap<>();
        for (KerasConfig.LayerSpec l : layers) byName.put(l.name(), l);
        List<KerasConfig.TensorRef> inRefs = KerasConfig.refList(cfg.get("input_layers"));
        List<KerasConfig.TensorRef> outRefs = KerasConfig.refList(cfg.get("output_layers"));
        if (inRefs.isEmpty() || outRefs.isEmpty())
            throw new KerasImportException(file.source() + ": model '" + cfg.path("name").asText() + "' lacks input_layers or output_layers");
        if (inputs != null && inputs.size() != inRefs.size())
            throw new KerasImportException(file.source() + ": nested model '" + String.join("/", path) + "' has "
                    + inRefs.size() + " inputs but is called on " + inputs.size());

        Scope scope = new Scope(byName, layers, outRefs);
        for (int i = 0; i < inRefs.size(); i++) {
            KerasConfig.LayerSpec il = byName.get(inRefs.get(i).layer());
            if (il == null) throw new KerasImportException(file.source() + ": input layer '" + inRefs.get(i).layer() + "' is not in the layer list");
            String v;
            if (inputs == null) {
                JsonNode c = il.config();
                v = b.addInput(prefix + il.name(), inputShape(c.has("batch_input_shape") ? c.get("batch_input_shape") : c.get("batch_shape"), il.name()));
            } else v = inputs.get(i);
            scope.produced.put(il.name(), new ArrayList<>(List.of(List.of(v))));
        }

        // Layers run once all their inputs exist (config order is not always call order).
        List<int[]> pending = new ArrayList<>();
        for (int li = 0; li < layers.size(); li++) {
            KerasConfig.LayerSpec l = layers.get(li);
            if (l.className().equals("InputLayer")) continue;
            for (int k = 0; k < l.calls().size(); k++) pending.add(new int[]{li, k});
        }
        boolean progress = true;
        while (!pending.isEmpty() && progress) {
            progress = false;
            for (var it = pending.iterator(); it.hasNext(); ) {
                int[] p = it.next();
                KerasConfig.LayerSpec l = layers.get(p[0]);
                KerasConfig.Call call = l.calls().get(p[1]);
                if (!scope.ready(call)) continue;
                List<KerasLayerCall.Operand> ops = new ArrayList<>();
                for (KerasConfig.Arg a : call.args())
                    ops.add(a.isTensor() ? new KerasLayerCall.Operand(scope.resolve(a.ref()), null) : new KerasLayerCall.Operand(null, a.constant()));
                List<String> outs = callLayer(l, p[1], ops, call.kwargs(), prefix, path, scope::resolve);
                scope.record(l.name(), p[1], outs);
                it.remove();
                progress = true;
            }
        }
        if (!pending.isEmpty()) {
            // A mangled config can leave every layer pending: name the first few, count the rest.
            List<String> stuck = new ArrayList<>();
            for (int[] p : pending) if (stuck.size() < STUCK_NAMED) stuck.add(Printable.clip(layers.get(p[0]).name()));
            String more = pending.size() > STUCK_NAMED ? " and " + (pending.size() - STUCK_NAMED) + " more" : "";
            throw new KerasImportException(file.source() + ": cannot order layers " + stuck + more + " (missing or cyclic inputs)");
        }
        List<String> outs = new ArrayList<>();
        for (KerasConfig.TensorRef r : outRefs) {
            if (!scope.ready(r)) throw new KerasImportException(file.source() + ": output " + r + " is never computed");
            outs.add(scope.resolve(r));
        }
        outRefsOut.addAll(outRefs);
        return outs;
    }

    /** Emits one call of one layer (a nested model is inlined) and returns its output values. */
    private List<String> callLayer(KerasConfig.LayerSpec l, int callIndex, List<KerasLayerCall.Operand> ops, JsonNode kwargs,
                                   String prefix, List<String> path, java.util.function.Function<KerasConfig.TensorRef, String> resolver) {
        String name = prefix + l.name() + (callIndex > 0 ? ":call" + callIndex : "");
        List<String> weightPath = new ArrayList<>(path);
        weightPath.add(l.name());
        List<String> outs;
        if (l.isModel()) {
            List<String> in = new ArrayList<>();
            for (KerasLayerCall.Operand o : ops) if (o.isTensor()) in.add(o.value());
            outs = importModelEntry(l.raw(), name + "/", weightPath, in, new ArrayList<>());
        } else {
            KerasLayerConverter conv = KerasLayers.get(l.className());
            if (conv == null) throw new KerasImportException(file.source() + ": layer " + l.describe() + ": class not supported");
            KerasLayerCall c = new KerasLayerCall(l, b, name, weightPath, ops, kwargs, resolver);
            try {
                outs = conv.convert(c);
            } catch (KerasImportException e) {
                throw e;
            } catch (RuntimeException e) {
                throw c.fail(e.getClass().getSimpleName() + ": " + e.getMessage());
            }
        }
        if (callIndex == 0) {
            String key = String.join("/", weightPath);
            b.kerasValues.put(key, outs.get(0));
            for (int t = 1; t < outs.size(); t++) b.kerasValues.put(key + ":" + t, outs.get(t));
        }
        return outs;
    }

    /** Outputs named after the Keras output layers, requested intermediates, metadata. */
    private Graph finish(JsonNode root, String cls, String modelName, List<String> outs, List<KerasConfig.TensorRef> outRefs) {
        List<String> graphOutputs = new ArrayList<>();
        for (int i = 0; i < outs.size(); i++) {
            KerasConfig.TensorRef r = outRefs.get(i);
            long sameLayer = outRefs.stream().filter(o -> o.layer().equals(r.layer())).count();
            String want = sameLayer > 1 ? r.layer() + ":" + r.tensor() : r.layer();
            graphOutputs.add(alias(outs.get(i), want));
        }
        for (String extra : opts.extraOutputs()) {
            String v = b.kerasValues.get(extra);
            if (v == null) throw new KerasImportException(file.source() + ": no Keras layer '" + extra + "' to expose (known: "
                    + String.join(", ", b.kerasValues.keySet().stream().limit(40).toList()) + (b.kerasValues.size() > 40 ? ", ..." : "") + ")");
            String a = alias(v, extra);
            if (!graphOutputs.contains(a)) graphOutputs.add(a);
        }
        Graph g = new Graph(b.inputs, b.constants, b.nodes, graphOutputs, Map.of());
        // The model's own last output, not an intermediate exposed on request.
        String main = graphOutputs.get(outs.size() - 1);
        NetworkCard card = NetworkCard.generic(g).withOutput(main, NetworkCard.producedBySoftmax(g, main))
                .withExtra("format", file.format().equals("h5") ? "keras-h5" : "keras")
                .withExtra("keras_version", file.kerasVersion())
                .withExtra("keras_model_class", cls);
        if (!modelName.isEmpty()) card = card.withExtra("keras_model_name", modelName);
        if (lanmsff) card = card.withArchitecture("lanmsff");
        return g.withCard(card);
    }

    /** A value named {@code want}: the value itself, or an IDENTITY node giving it that name. */
    private String alias(String value, String want) {
        if (value.equals(want)) return value;
        for (Node n : b.nodes)
            if (n.outputs().contains(want)) // an alias made before, or (shared layers) another call's value
                return n.op() == Op.IDENTITY && n.inputs().get(0).equals(value) ? want : value;
        if (b.inputs.stream().anyMatch(v -> v.name().equals(want)))
            throw new KerasImportException(file.source() + ": output name '" + want + "' clashes with an input");
        return b.emit(want, Op.IDENTITY, List.of(value), new Attrs(), null);
    }

    /** Call outputs of one functional model's layers, and reference resolution. */
    private final class Scope {
        final Map<String, KerasConfig.LayerSpec> byName;
        final Map<String, List<List<String>>> produced = new HashMap<>();
        /** Keras 2 numbers a nested model's calls from 1 (its own construction was node 0). */
        final Map<String, Integer> offset = new HashMap<>();

        Scope(Map<String, KerasConfig.LayerSpec> byName, List<KerasConfig.LayerSpec> layers, List<KerasConfig.TensorRef> outRefs) {
            this.byName = byName;
            Map<String, Integer> maxRef = new HashMap<>();
            List<KerasConfig.TensorRef> all = new ArrayList<>(outRefs);
            for (KerasConfig.LayerSpec l : layers)
                for (KerasConfig.Call c : l.calls()) {
                    all.addAll(c.tensorRefs());
                    c.kwargs().forEach(v -> { KerasConfig.TensorRef r = KerasConfig.kwargRef(v); if (r != null) all.add(r); });
                }
            for (KerasConfig.TensorRef r : all) maxRef.merge(r.layer(), r.node(), Math::max);
            maxRef.forEach((name, max) -> {
                KerasConfig.LayerSpec l = byName.get(name);
                int calls = l == null ? 0 : Math.max(l.calls().size(), 1);
                if (l != null && max >= calls) offset.put(name, max - calls + 1);
            });
        }

        boolean ready(KerasConfig.Call call) {
            for (KerasConfig.Arg a : call.args()) if (a.isTensor() && !ready(a.ref())) return false;
            boolean[] ok = {true};
            call.kwargs().forEach(v -> { KerasConfig.TensorRef r = KerasConfig.kwargRef(v); if (r != null && !ready(r)) ok[0] = false; });
            return ok[0];
        }

        boolean ready(KerasConfig.TensorRef r) {
            if (!byName.containsKey(r.layer()))
                throw new KerasImportException(file.source() + ": reference to unknown layer '" + r.layer() + "'");
            List<List<String>> calls = produced.get(r.layer());
            int k = r.node() - offset.getOrDefault(r.layer(), 0);
            return calls != null && k >= 0 && k < calls.size() && calls.get(k) != null;
        }

        String resolve(KerasConfig.TensorRef r) {
            if (!ready(r)) throw new KerasImportException(file.source() + ": " + r + " is not computed yet");
            List<String> outs = produced.get(r.layer()).get(r.node() - offset.getOrDefault(r.layer(), 0));
            if (r.tensor() < 0 || r.tensor() >= outs.size())
                throw new KerasImportException(file.source() + ": " + r + ": layer has " + outs.size() + " output(s)");
            return outs.get(r.tensor());
        }

        void record(String layer, int call, List<String> outs) {
            List<List<String>> calls = produced.computeIfAbsent(layer, k -> new ArrayList<>());
            while (calls.size() <= call) calls.add(null);
            calls.set(call, outs);
        }
    }
}
