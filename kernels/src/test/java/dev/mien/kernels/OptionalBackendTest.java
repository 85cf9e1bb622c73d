package dev.mien.kernels;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** Optional backends come from the class path ({@link BackendProvider}); a known one that is absent says how to get it. */
class OptionalBackendTest {
    @Test
    void tornadovmWithoutItsModuleIsOneLineSayingHowToBuildIt() {
        boolean present = KernelRegistry.providers().stream().anyMatch(p -> p.name().equals("tornadovm"));
        if (present) return;   // built with the tornadovm profile: the module's own tests cover it
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KernelRegistry.create("tornadovm", 1));
        assertTrue(e.getMessage().contains("-Ptornadovm") && e.getMessage().contains("docs/TORNADOVM.md"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        assertFalse(KernelRegistry.names().contains("tornadovm"), "only backends that can be made are listed");
    }

    @Test
    void unknownNamesListTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KernelRegistry.create("gpu", 1));
        assertTrue(e.getMessage().contains("scalar, vector"), e.getMessage());
    }
}
