package dev.mien.engine.runtime;

import dev.mien.kernels.Backend;
import dev.mien.kernels.PackedWeights;

import java.util.Map;

/** Hands out lowering contexts that share one model's derived-weight cache. */
public final class LoweringContexts {
    private final Backend backend;
    private final Map<String, Object> cache;
    private final Map<String, PackedWeights> packed;

    public LoweringContexts(Backend backend) { this(backend, Map.of()); }

    /** Contexts for a model whose conv and dense weights were packed when it was built. */
    public LoweringContexts(Backend backend, Map<String, PackedWeights> packed) {
        this(backend, packed, LoweringContext.newCache());
    }

    private LoweringContexts(Backend backend, Map<String, PackedWeights> packed, Map<String, Object> cache) {
        this.backend = backend;
        this.packed = packed;
        this.cache = cache;
    }

    public LoweringContext of(RunOptions options) { return new LoweringContext(backend, options, cache, packed); }

    /** Contexts lowering for {@code other} (a workspace of the same kind, e.g. a serial one) that share these packed weights and derived-weight cache. */
    public LoweringContexts on(Backend other) { return new LoweringContexts(other, packed, cache); }
}
