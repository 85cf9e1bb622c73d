package dev.mien.ort;

import java.nio.file.Path;

/**
 * How an {@link OrtModel} session is configured: the way ONNX Runtime users run a CPU model for
 * latency — {@code intraOpThreads} threads in total (the calling thread counts as one, like
 * Mien's {@code --threads}), one inter-op thread, sequential execution, every graph
 * optimisation ({@code ORT_ENABLE_ALL}).
 *
 * @param intraOpThreads threads for one operator, >= 1
 * @param profilePrefix  where ONNX Runtime writes its JSON trace (a file name prefix), or null
 *                       for no profiling
 */
public record OrtSettings(int intraOpThreads, Path profilePrefix) {
    public OrtSettings {
        if (intraOpThreads < 1) throw new IllegalArgumentException("intraOpThreads must be >= 1, got " + intraOpThreads);
    }

    public static OrtSettings threads(int n) { return new OrtSettings(n, null); }

    public OrtSettings withProfiling(Path prefix) { return new OrtSettings(intraOpThreads, prefix); }
}
