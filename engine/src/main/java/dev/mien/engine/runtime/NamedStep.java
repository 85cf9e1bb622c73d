package dev.mien.engine.runtime;

/**
 * A step with what it runs: its kind and the backend kernel (or host step) name. The planner
 * accepts only named steps, so every plan lists how each of its steps is carried out.
 */
record NamedStep(StepKind kind, String kernel, Step body) implements Step {
    static NamedStep backend(String kernel, Step body) { return new NamedStep(StepKind.BACKEND, kernel, body); }

    static NamedStep host(String name, Step body) { return new NamedStep(StepKind.HOST, name, body); }

    @Override public void run(Buffers b) { body.run(b); }
}
