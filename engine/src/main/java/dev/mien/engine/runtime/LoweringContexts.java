package dev.mien.engine.runtime;

import dev.mien.kernels.Backend;

import java.util.Map;

/** Hands out lowering contexts that share one model's derived-weight cache. */
public final class LoweringContexts {
    private final Backend backend;
    private final Map<String, Object> cache = LoweringContext.newCache();

    public LoweringContexts(Backend backend) { this.backend = backend; }

    public LoweringContext of(RunOptions options) { return new LoweringContext(backend, options, cache); }
}
