package dev.mien.formats;

import java.util.Set;

/**
 * How to turn a checkpoint into a graph.
 *
 * @param manetBeta weight of MA-Net's fc_1 head in {@code logits} (the paper's 0.6)
 * @param optimize  run the graph passes (BN folding, fusion); off only to debug the importers
 * @param keep      values that must survive optimisation (intermediates to inspect)
 */
public record LoadOptions(float manetBeta, boolean optimize, Set<String> keep) {
    public static final LoadOptions DEFAULT = new LoadOptions(0.6f, true, Set.of());

    public LoadOptions { keep = Set.copyOf(keep); }

    public LoadOptions withBeta(float beta) { return new LoadOptions(beta, optimize, keep); }
    public LoadOptions withKeep(Set<String> values) { return new LoadOptions(manetBeta, optimize, values); }
    public LoadOptions withOptimize(boolean on) { return new LoadOptions(manetBeta, on, keep); }
}
