package dev.mien.engine.runtime;

import dev.mien.engine.ir.Node;
import dev.mien.kernels.Backend;
import dev.mien.kernels.PackedWeights;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * What lowering needs besides the node: the kernel backend, the run options, and a cache of
 * derived weights (packed kernels, folded scales) shared by every plan of one model, so that
 * weights are held once however many batch sizes or threads use the model.
 */
public final class LoweringContext {
    final Backend backend;
    final RunOptions options;
    private final Map<String, Object> derived;

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
}
