package dev.mien.engine.runtime;

import dev.mien.engine.ir.Node;
import dev.mien.kernels.Backend;
import dev.mien.kernels.ConvAlgorithm;
import dev.mien.kernels.ConvShape;
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
    private final Map<String, PackedWeights> packed;

    LoweringContext(Backend backend, RunOptions options, Map<String, Object> derived, Map<String, PackedWeights> packed) {
        this.backend = backend;
        this.options = options;
        this.derived = derived;
        this.packed = packed;
    }

    static Map<String, Object> newCache() { return new ConcurrentHashMap<>(); }

    @SuppressWarnings("unchecked")
    <T> T derived(Node node, String what, Supplier<T> make) {
        return (T) derived.computeIfAbsent(node.name() + "#" + what, k -> make.get());
    }

    /**
     * A conv or dense node's packed weights: the model's (packed when it was built), or for a
     * graph planned on its own, packed from the node's weight tensor once and cached.
     */
    PackedWeights packed(Node node) {
        PackedWeights p = packed.get(node.name());
        if (p != null) return p;
        if (node.param("weight") == null) throw new PlanException(node.name() + ": missing weight");
        return derived(node, "packed", () -> PackedModelWeights.pack(node, node.param("weight").shape(), node.param("weight").data(), backend));
    }

    /**
     * The algorithm for one convolution: forced by the run options or {@code -Dmien.conv}
     * ({@code MIEN_CONV}), else the backend's choice for this shape. A forced algorithm that
     * cannot compute the shape is refused with the node's name.
     */
    ConvAlgorithm convAlgorithm(Node node, ConvShape cs) {
        ConvAlgorithm forced = options.convAlgorithm();
        if (forced == null) {
            String v = System.getProperty("mien.conv", System.getenv("MIEN_CONV"));
            if (v != null && !v.isBlank() && !v.trim().equalsIgnoreCase("auto")) {
                try {
                    forced = ConvAlgorithm.parse(v);
                } catch (IllegalArgumentException e) {
                    throw new PlanException("mien.conv: " + e.getMessage());
                }
            }
        }
        if (forced == null) return backend.convAlgorithm(cs);
        String no = backend.refusal(cs, forced);
        if (no != null) throw new PlanException(node.name() + ": cannot force convolution algorithm '" + forced.label() + "': " + no);
        return forced;
    }

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
