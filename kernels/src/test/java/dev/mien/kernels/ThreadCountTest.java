package dev.mien.kernels;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** Thread counts from options, -Dmien.threads and MIEN_THREADS: checked, never silently replaced. */
class ThreadCountTest {
    final int max = KernelRegistry.maxThreads();

    @Test
    void countsFromOneToFourTimesTheCoresAreAccepted() {
        assertEquals(4 * Runtime.getRuntime().availableProcessors(), max);
        assertEquals(1, KernelRegistry.checkThreads(1, "--threads"));
        assertEquals(max, KernelRegistry.checkThreads(max, "--threads"));
        assertEquals(3, KernelRegistry.parseThreads(" 3 ", "MIEN_THREADS"));
    }

    @Test
    void badValuesNameTheSettingAndTheValue() {
        for (String v : new String[]{"0", "-2", "abc", "", "1.5", String.valueOf(max + 1), "99999999999"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KernelRegistry.parseThreads(v, "MIEN_THREADS"));
            assertTrue(e.getMessage().startsWith("MIEN_THREADS=" + v + ":"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        }
        assertTrue(assertThrows(IllegalArgumentException.class, () -> KernelRegistry.checkThreads(1024, "--threads"))
                .getMessage().contains("MIEN_THREADS_FORCE"));
        assertThrows(IllegalArgumentException.class, () -> new WorkerTeam(0));
        assertThrows(IllegalArgumentException.class, () -> KernelRegistry.create("vector", max + 1));
        assertThrows(IllegalArgumentException.class, () -> KernelRegistry.auto(-1));
    }

    @Test
    void theSystemPropertyIsValidatedLikeAnOption() {
        String old = System.getProperty("mien.threads");
        try {
            System.setProperty("mien.threads", "abc");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, KernelRegistry::defaultThreads);
            assertTrue(e.getMessage().startsWith("-Dmien.threads=abc:"), e.getMessage());
            System.setProperty("mien.threads", "0");
            assertThrows(IllegalArgumentException.class, KernelRegistry::defaultThreads);
            System.setProperty("mien.threads", "2");
            assertEquals(2, KernelRegistry.defaultThreads());
        } finally {
            if (old == null) System.clearProperty("mien.threads");
            else System.setProperty("mien.threads", old);
        }
    }

    @Test
    void forcingAllowsMoreThreadsThanTheCap() {
        String old = System.getProperty("mien.threads.force");
        try {
            System.setProperty("mien.threads.force", "true");
            assertEquals(max + 1, KernelRegistry.checkThreads(max + 1, "--threads"));
            assertThrows(IllegalArgumentException.class, () -> KernelRegistry.checkThreads(0, "--threads"));
        } finally {
            if (old == null) System.clearProperty("mien.threads.force");
            else System.setProperty("mien.threads.force", old);
        }
    }
}
