package dev.mien.engine.runtime;

import dev.mien.engine.ir.Op;
import dev.mien.engine.ops.OpDefinitions;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** Adding an op means a definition and a lowering (and kernels, and tests): both must exist for every op. */
class LoweringsTest {
    @Test
    void everyOpHasADefinitionAndALowering() {
        for (Op op : Op.values()) {
            assertNotNull(OpDefinitions.of(op), op + " has no definition");
            assertNotNull(Lowerings.of(op), op + " has no lowering");
        }
    }
}
