package dev.mien.engine.runtime;

/** One planned kernel invocation with its shapes resolved and its buffers bound by slot. */
@FunctionalInterface
public interface Step {
    void run(Buffers b);
}
