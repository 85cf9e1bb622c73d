package dev.mien.engine.runtime;

import dev.mien.engine.ir.Node;
import dev.mien.kernels.Backend;
import dev.mien.kernels.PackedWeights;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * What lowering needs besides the node: the kernel backend, the run options, a cache of
 * derived weights (packed kernels, folded scales) shared by every plan of one model, so that
 * weights are held once however many batch sizes or threads use the model, and the named
 * scratch buffers the steps of the plan being made need (allocated per {@link Buffers}, that is
 * per Session: no thread-locals, nothing allocated per run).
 */
public final class LoweringContext {
    final Backend backend;
    final RunOptions options;
    private final Map<String, Object> derived;
    /** First slot index free for float scratch; set by the planner once value slots are assigned. */
    int scratchBase;
    final List<String> floatScratchNames = new ArrayList<>(), doubleScratchNames = new ArrayList<>();
    final List<Integer> floatScratchSizes = new ArrayList<>(), doubleScratchSizes = new ArrayList<>();

    LoweringContext(Backend backend, RunOptions options, Map<String, Object> derived) {
        this.backend = backend;
        this.options = options;
        this.derived = derived;
    }

    static Map<String, Object> newCache() { return new ConcurrentHashMap<>(); }

    @SuppressWarnings("unchecked")
    <T> T derived(Node node, String what, Supplier<T> make) {
        return (T) derived.computeIfAbsent(node.name() + "#" + what, k -> make.get());
    }

    PackedWeights packed(Node node, String what, Supplier<PackedWeights> make) { return derived(node, what, make); }

    /** A float scratch buffer of {@code length} values for one step: the buffer slot that holds it. */
    int floatScratch(String name, int length) {
        floatScratchNames.add(name);
        floatScratchSizes.add(length);
        return scratchBase + floatScratchSizes.size() - 1;
    }

    /** A double scratch buffer of {@code length} values for one step: its index in {@link Buffers#wide}. */
    int doubleScratch(String name, int length) {
        doubleScratchNames.add(name);
        doubleScratchSizes.add(length);
        return doubleScratchSizes.size() - 1;
    }
}
