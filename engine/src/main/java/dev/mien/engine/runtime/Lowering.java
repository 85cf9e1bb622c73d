package dev.mien.engine.runtime;

import dev.mien.engine.ir.Node;

/**
 * Turns one IR node into a planned step: first its output shapes from its input shapes
 * (full shapes, batch included), then a {@link Step} bound to buffer slots.
 */
interface Lowering {
    int[][] outputShapes(Node node, int[][] in);

    Step lower(Node node, int[][] in, int[][] out, int[] inSlots, int[] outSlots, LoweringContext ctx);

    /** Whether output 0 may share input 0's storage (pure reshapes). */
    default boolean aliasesInput(Node node) { return false; }
}
