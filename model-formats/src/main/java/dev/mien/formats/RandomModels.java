package dev.mien.formats;

import dev.mien.engine.ir.Graph;
import dev.mien.engine.passes.Passes;
import dev.mien.formats.keras.KerasArchitectures;
import dev.mien.formats.keras.KerasImporter;
import dev.mien.formats.manet.ManetGraphBuilder;
import dev.mien.formats.manet.ManetRandomWeights;

import java.util.List;

/** The seed networks at full size with seeded random weights, for benchmarks and smoke tests. */
public final class RandomModels {
    private RandomModels() {}

    public static final List<String> ARCHITECTURES = List.of("manet", "lanmsff", "patt-lite");

    /** An optimised graph of {@code arch}; unknown names list the known ones. */
    public static Graph graph(String arch, long seed) {
        Graph g = switch (arch) {
            case "manet" -> ManetGraphBuilder.build(ManetRandomWeights.full(seed), ManetGraphBuilder.DEFAULT_BETA);
            case "lanmsff", "patt-lite" -> KnownNetworks.annotate(KerasImporter.importModel(KerasArchitectures.random(arch, seed)));
            default -> throw new IllegalArgumentException("unknown architecture '" + arch + "'; known: " + String.join(", ", ARCHITECTURES));
        };
        return Passes.optimize(g);
    }
}
