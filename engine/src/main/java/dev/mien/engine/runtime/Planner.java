package dev.mien.engine.runtime;

import dev.mien.engine.ir.Graph;
import dev.mien.engine.ir.Node;
import dev.mien.engine.ir.ValueInfo;

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
 * infers shapes, assigns buffer slots by liveness so values whose lifetimes do not overlap
 * share memory, and binds one step per node.
 */
public final class Planner {
    private Planner() {}

    /** Throws one exception naming every node whose op has no lowering. */
    public static void checkSupported(Graph g) {
        List<String> bad = new ArrayList<>();
        for (Node n : g.nodes()) if (Lowerings.of(n.op()) == null) bad.add(n.name() + " (" + n.op() + ")");
        if (!bad.isEmpty()) throw new PlanException("unsupported operations: " + String.join(", ", bad));
    }

    /** Shapes of every value (batch included) for the given batch size. */
    public static Map<String, int[]> inferShapes(Graph g, int batch) {
        return plan(g, batch, new LoweringContexts(null).of(RunOptions.DEFAULT), false).shapes;
    }

    public static Plan plan(Graph g, int batch, LoweringContext ctx) { return plan(g, batch, ctx, true); }

    /** Multiply-accumulates of one run at this batch size (convolutions, transposed convolutions, dense). */
    public static long macs(Graph g, int batch) {
        return plan(g, batch, new LoweringContexts(null).of(RunOptions.DEFAULT), false).macs;
    }

    private static Plan plan(Graph g, int batch, LoweringContext ctx, boolean lower) {
        if (batch < 1) throw new PlanException("batch must be >= 1, got " + batch);
        checkSupported(g);
        List<Node> nodes = g.nodes();
        Map<String, int[]> shapes = new LinkedHashMap<>();
        for (ValueInfo in : g.inputs()) {
            int[] s = in.sampleShape();
            int[] full = new int[s.length + 1];
            full[0] = batch;
            System.arraycopy(s, 0, full, 1, s.length);
            shapes.put(in.name(), full);
        }
        // Shape inference, and which value each value's storage belongs to.
        Map<String, String> root = new HashMap<>();
        for (String in : shapes.keySet()) root.put(in, in);
        int[][][] ins = new int[nodes.size()][][], outs = new int[nodes.size()][][];
        long macs = 0;
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            int[][] in = new int[n.inputs().size()][];
            for (int k = 0; k < in.length; k++) {
                int[] s = shapes.get(n.inputs().get(k));
                if (s == null) throw new PlanException(n.name() + ": input '" + n.inputs().get(k) + "' is not produced by any earlier node");
                in[k] = s;
            }
            Lowering l = Lowerings.of(n.op());
            int[][] out;
            try {
                out = l.outputShapes(n, in);
            } catch (PlanException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new PlanException(n.name() + " (" + n.op() + "): " + e.getMessage(), e);
            }
            if (out.length != n.outputs().size())
                throw new PlanException(n.name() + ": produces " + out.length + " values, graph names " + n.outputs().size());
            for (int k = 0; k < out.length; k++) {
                String name = n.outputs().get(k);
                if (shapes.containsKey(name)) throw new PlanException("value '" + name + "' is defined twice");
                shapes.put(name, out[k]);
                root.put(name, k == 0 && l.aliasesInput(n) ? root.get(n.inputs().get(0)) : name);
            }
            ins[i] = in;
            outs[i] = out;
            macs += macs(n, in, out);
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
        Map<String, Integer> rootSize = new HashMap<>();
        shapes.forEach((v, s) -> rootSize.merge(root.get(v), Shapes.isize(s), Math::max));

        // Greedy slot assignment: reuse the smallest free slot that is large enough, else the largest free one.
        List<Integer> sizes = new ArrayList<>();
        TreeMap<Integer, List<Integer>> free = new TreeMap<>();
        Map<String, Integer> slotOfRoot = new HashMap<>();
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
        int[] slotSizes = sizes.stream().mapToInt(Integer::intValue).toArray();
        Map<String, Integer> slotOf = new HashMap<>();
        shapes.keySet().forEach(v -> slotOf.put(v, slotOfRoot.get(root.get(v))));

        List<Step> steps = new ArrayList<>();
        List<String> names = new ArrayList<>(), ops = new ArrayList<>(), algorithms = new ArrayList<>();
        List<Long> stepMacs = new ArrayList<>();
        for (int i = 0; lower && i < nodes.size(); i++) {
            Node n = nodes.get(i);
            int[] inS = n.inputs().stream().mapToInt(slotOf::get).toArray();
            int[] outS = n.outputs().stream().mapToInt(slotOf::get).toArray();
            Lowering l = Lowerings.of(n.op());
            if (l.aliasesInput(n)) continue; // a view: its output already shares the input's storage
            Step st;
            try {
                st = l.lower(n, ins[i], outs[i], inS, outS, ctx);
            } catch (PlanException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new PlanException(n.name() + " (" + n.op() + "): " + e.getMessage(), e);
            }
            steps.add(st);
            names.add(n.name());
            ops.add(n.op().name());
            algorithms.add(st instanceof ConvLowering.ConvStep c ? c.algorithm().label() : "");
            stepMacs.add(macs(n, ins[i], outs[i]));
        }
        if (!lower) return new Plan(batch, List.of(), List.of(), List.of(), List.of(), new long[0], new int[0], shapes, Map.of(), macs);
        Map<String, Integer> keptSlots = new HashMap<>();
        for (ValueInfo in : g.inputs()) keptSlots.put(in.name(), slotOf.get(in.name()));
        for (String k : kept) keptSlots.put(k, slotOf.get(k));
        Map<String, int[]> keptShapes = new LinkedHashMap<>(shapes);
        return new Plan(batch, List.copyOf(steps), List.copyOf(names), List.copyOf(ops), List.copyOf(algorithms), stepMacs.stream().mapToLong(Long::longValue).toArray(), slotSizes, keptShapes, keptSlots, macs);
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

    static long macs(Node n, int[][] in, int[][] out) {
        return switch (n.op()) {
            case CONV2D -> ConvLowering.Conv.shape(n, in[0]).macs();
            case CONV_TRANSPOSE2D -> ConvLowering.ConvTranspose.shape(n, in[0]).macs();
            case DENSE -> (long) Shapes.rowsExceptLast(in[0]) * Shapes.last(in[0]) * Shapes.last(out[0]);
            default -> 0L;
        };
    }
}
