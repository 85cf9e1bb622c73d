package dev.mien.engine.runtime;

import dev.mien.engine.ir.Node;

/**
 * Turns one IR node, whose input and output shapes (full, batch included) the op definitions
 * have already inferred, into a planned step bound to buffer slots: a {@link NamedStep} that
 * calls one or more backend kernels, or a named host step.
 */
interface Lowering {
    NamedStep lower(Node node, int[][] in, int[][] out, int[] inSlots, int[] outSlots, LoweringContext ctx);

    /** Whether output 0 may share input 0's storage (pure reshapes): such nodes get no step. */
    default boolean aliasesInput(Node node) { return false; }
}
