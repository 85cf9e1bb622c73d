package dev.mien.engine.runtime;

import dev.mien.engine.Tensor;
import dev.mien.engine.ir.Graph;
import dev.mien.engine.ir.GraphException;
import dev.mien.engine.ir.Node;
import dev.mien.engine.ir.ValueInfo;
import dev.mien.engine.ops.ShapeInference;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Lowers a graph for one batch size: checks every op is supported (listing all that are not),
 * takes every value's shape from {@link ShapeInference}, assigns buffer slots by liveness so
 * values whose lifetimes do not overlap share memory, and binds one named step per node.
 */
public final class Planner {
    private Planner() {}

    /** Throws one exception naming every node whose op has no lowering. */
    public static void checkSupported(Graph g) {
        List<String> bad = new ArrayList<>();
        for (Node n : g.nodes()) if (Lowerings.of(n.op()) == null) bad.add(n.name() + " (" + n.op() + ")");
        if (!bad.isEmpty()) throw new PlanException("unsupported operations: " + String.join(", ", bad));
    }

    public static Plan plan(Graph g, int batch, LoweringContext ctx) {
        if (batch < 1) throw new PlanException("batch must be >= 1, got " + batch);
        checkSupported(g);
        ShapeInference.Result inferred;
        try {
            inferred = ShapeInference.infer(g, batch);
        } catch (PlanException e) {
            throw e;
        } catch (GraphException e) {
            throw new PlanException(e.getMessage(), e);
        }
        Map<String, int[]> shapes = inferred.shapes();
        List<Node> nodes = g.nodes();
        // Which value each value's storage belongs to (a view shares its input's).
        Map<String, String> root = new HashMap<>();
        for (ValueInfo in : g.inputs()) root.put(in.name(), in.name());
        for (String c : g.constants().keySet()) root.put(c, c);
        int[][][] ins = new int[nodes.size()][][], outs = new int[nodes.size()][][];
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            ins[i] = n.inputs().stream().map(shapes::get).toArray(int[][]::new);
            outs[i] = n.outputs().stream().map(shapes::get).toArray(int[][]::new);
            boolean view = Lowerings.of(n.op()).aliasesInput(n);
            for (int k = 0; k < n.outputs().size(); k++) {
                String name = n.outputs().get(k);
                root.put(name, k == 0 && view ? root.get(n.inputs().get(0)) : name);
            }
        }
        Set<String> kept = new HashSet<>(g.outputs());
        kept.addAll(ctx.options.extraOutputs());
        for (String k : kept) if (!shapes.containsKey(k)) throw new PlanException("requested output '" + k + "' is not a value of the graph");

        // Liveness per storage root: the last step that reads any alias of it.
        int end = nodes.size();
        Map<String, Integer> lastUse = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++)
            for (String in : nodes.get(i).inputs()) lastUse.merge(root.get(in), i, Math::max);
        for (String k : kept) lastUse.put(root.get(k), end);
        // Inputs keep their storage for the whole run (never reused for an intermediate value): a
        // second run() without new inputs must compute the same outputs, not read the last run's
        // leftovers (which made every repeated benchmark run on growing garbage).
        for (ValueInfo in : g.inputs()) lastUse.put(root.get(in.name()), end);
        Map<String, Integer> rootSize = new HashMap<>();
        shapes.forEach((v, s) -> rootSize.merge(root.get(v), Shapes.isize(s), Math::max));

        // Greedy slot assignment: reuse the smallest free slot that is large enough, else the largest free one.
        // Constants get slots of their own that are never freed: the plan binds each to the constant's array.
        List<Integer> sizes = new ArrayList<>();
        TreeMap<Integer, List<Integer>> free = new TreeMap<>();
        Map<String, Integer> slotOfRoot = new HashMap<>();
        Map<Integer, float[]> constantSlots = new HashMap<>();
        for (Map.Entry<String, Tensor> c : g.constants().entrySet()) {
            sizes.add(0);
            slotOfRoot.put(c.getKey(), sizes.size() - 1);
            constantSlots.put(sizes.size() - 1, c.getValue().data());
            lastUse.put(c.getKey(), -2);
        }
        for (ValueInfo in : g.inputs()) slotOfRoot.put(in.name(), take(free, sizes, rootSize.get(in.name())));
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            for (String o : n.outputs()) {
                String r = root.get(o);
                if (!slotOfRoot.containsKey(r)) slotOfRoot.put(r, take(free, sizes, rootSize.get(r)));
            }
            Set<String> dying = new HashSet<>();
            for (String in : n.inputs()) if (lastUse.getOrDefault(root.get(in), -1) == i) dying.add(root.get(in));
            for (String o : n.outputs()) if (!lastUse.containsKey(root.get(o))) dying.add(root.get(o)); // never read
            for (String r : dying) {
                int s = slotOfRoot.get(r);
                free.computeIfAbsent(sizes.get(s), k -> new ArrayList<>()).add(s);
                lastUse.put(r, -2);
            }
        }
        Map<String, Integer> slotOf = new HashMap<>();
        shapes.keySet().forEach(v -> slotOf.put(v, slotOfRoot.get(root.get(v))));

        ctx.scratchBase = sizes.size();
        List<Step> steps = new ArrayList<>();
        List<String> names = new ArrayList<>(), ops = new ArrayList<>(), kernels = new ArrayList<>(), algorithms = new ArrayList<>();
        List<StepKind> kinds = new ArrayList<>();
        List<Long> stepMacs = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            int[] inS = n.inputs().stream().mapToInt(slotOf::get).toArray();
            int[] outS = n.outputs().stream().mapToInt(slotOf::get).toArray();
            Lowering l = Lowerings.of(n.op());
            if (l.aliasesInput(n)) continue; // a view: its output already shares the input's storage
            NamedStep st;
            try {
                st = l.lower(n, ins[i], outs[i], inS, outS, ctx);
            } catch (PlanException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new PlanException(n.name() + " (" + n.op() + "): " + e.getMessage(), e);
            }
            if (st == null) throw new IllegalStateException("the lowering of " + n.op() + " made no named step");
            steps.add(st);
            names.add(n.name());
            ops.add(n.op().name());
            kinds.add(st.kind());
            kernels.add(st.kernel());
            algorithms.add(st.body() instanceof ConvLowering.ConvStep c ? c.algorithm().label() : "");
            stepMacs.add(inferred.nodeMacs()[i]);
        }
        for (int s : ctx.floatScratchSizes) sizes.add(s);
        int[] slotSizes = sizes.stream().mapToInt(Integer::intValue).toArray();
        float[][] fixed = new float[slotSizes.length][];
        constantSlots.forEach((s, data) -> fixed[s] = data);
        List<String> scratchNames = new ArrayList<>(ctx.floatScratchNames);
        scratchNames.addAll(ctx.doubleScratchNames);
        Map<String, Integer> keptSlots = new HashMap<>();
        for (ValueInfo in : g.inputs()) keptSlots.put(in.name(), slotOf.get(in.name()));
        for (String k : kept) keptSlots.put(k, slotOf.get(k));
        Map<String, int[]> keptShapes = new LinkedHashMap<>(shapes);
        return new Plan(batch, List.copyOf(steps), List.copyOf(names), List.copyOf(ops), List.copyOf(kinds), List.copyOf(kernels),
                List.copyOf(algorithms), stepMacs.stream().mapToLong(Long::longValue).toArray(), slotSizes, fixed,
                ctx.doubleScratchSizes.stream().mapToInt(Integer::intValue).toArray(), List.copyOf(scratchNames),
                keptShapes, keptSlots, inferred.macs(),
                g.inputs().stream().mapToInt(in -> slotOf.get(in.name())).toArray(),
                kept.stream().mapToInt(slotOf::get).distinct().toArray());
    }

    private static int take(TreeMap<Integer, List<Integer>> free, List<Integer> sizes, int size) {
        Map.Entry<Integer, List<Integer>> e = free.ceilingEntry(size);
        if (e == null) e = free.lastEntry();
        if (e != null) {
            List<Integer> l = e.getValue();
            int slot = l.remove(l.size() - 1);
            if (l.isEmpty()) free.remove(e.getKey());
            if (sizes.get(slot) < size) sizes.set(slot, size);
            return slot;
        }
        sizes.add(size);
        return sizes.size() - 1;
    }
}
