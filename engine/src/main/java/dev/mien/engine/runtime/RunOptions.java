package dev.mien.engine.runtime;

import java.util.List;

/**
 * Options that change what a plan computes.
 *
 * @param batchCoupledAttention reproduce Keras' Attention on 2-D inputs exactly: scores across
 *                              the whole batch, so an image's output depends on the others.
 *                              Default false: every image attends only to itself.
 * @param extraOutputs          intermediate values to keep and return besides the graph outputs
 */
public record RunOptions(boolean batchCoupledAttention, List<String> extraOutputs) {
    public static final RunOptions DEFAULT = new RunOptions(false, List.of());

    public RunOptions { extraOutputs = List.copyOf(extraOutputs); }

    public RunOptions withBatchCoupledAttention(boolean on) { return new RunOptions(on, extraOutputs); }
    public RunOptions withExtraOutputs(List<String> names) { return new RunOptions(batchCoupledAttention, names); }
}
