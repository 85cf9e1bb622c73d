package dev.mien.engine.runtime;

import dev.mien.kernels.ConvAlgorithm;

import java.util.List;

/**
 * Options that change what a plan computes.
 *
 * @param batchCoupledAttention reproduce Keras' Attention on 2-D inputs exactly: scores across
 *                              the whole batch, so an image's output depends on the others.
 *                              Default false: every image attends only to itself.
 * @param extraOutputs          intermediate values to keep and return besides the graph outputs
 * @param convAlgorithm         the convolution algorithm every conv step must use (tests,
 *                              benchmarks); null: the backend chooses per step, unless
 *                              {@code -Dmien.conv} / {@code MIEN_CONV} names one
 */
public record RunOptions(boolean batchCoupledAttention, List<String> extraOutputs, ConvAlgorithm convAlgorithm) {
    public static final RunOptions DEFAULT = new RunOptions(false, List.of(), null);

    public RunOptions { extraOutputs = List.copyOf(extraOutputs); }

    public RunOptions(boolean batchCoupledAttention, List<String> extraOutputs) { this(batchCoupledAttention, extraOutputs, null); }

    public RunOptions withBatchCoupledAttention(boolean on) { return new RunOptions(on, extraOutputs, convAlgorithm); }
    public RunOptions withExtraOutputs(List<String> names) { return new RunOptions(batchCoupledAttention, names, convAlgorithm); }
    /** Forces one convolution algorithm on every conv step (null: the backend's choice); refused at plan time where it cannot run. */
    public RunOptions withConvAlgorithm(ConvAlgorithm a) { return new RunOptions(batchCoupledAttention, extraOutputs, a); }
}
