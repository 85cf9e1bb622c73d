package dev.mien.engine.runtime;

/**
 * What runs a planned step: a kernel of the {@link dev.mien.kernels.Backend} (so a backend that
 * keeps tensors elsewhere sees it), or a named host step the engine runs on the JVM's arrays.
 */
public enum StepKind { BACKEND, HOST }
