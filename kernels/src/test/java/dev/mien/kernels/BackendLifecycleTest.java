package dev.mien.kernels;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Closing backends and workspaces: idempotent, refused afterwards, the parent and team untouched. */
class BackendLifecycleTest {
    static final ConvShape SHAPE = new ConvShape(1, 6, 6, 8, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1);

    static List<Backend> backends(WorkerTeam team) {
        List<Backend> l = new ArrayList<>();
        l.add(new ScalarBackend());
        if (KernelRegistry.vectorAvailable()) l.add(KernelRegistry.create("vector", team));
        return l;
    }

    static float[] conv(Backend be, PackedWeights w, float[] in) {
        float[] out = new float[(int) SHAPE.outputSize()];
        be.conv2d(SHAPE, in, 0, w, null, null, 0, Activation.RELU, 0f, out, 0);
        return out;
    }

    @Test
    void closedHandlesRefuseWorkAndWorkspacesAreIndependent() {
        float[] w = new float[(int) SHAPE.weightCount()], in = new float[(int) SHAPE.inputSize()];
        for (int i = 0; i < w.length; i++) w[i] = (i % 7) - 3;
        for (int i = 0; i < in.length; i++) in[i] = (i % 5) * 0.5f;
        try (WorkerTeam team = new WorkerTeam(2)) {
            for (Backend be : backends(team)) {
                PackedWeights p = be.packConv(SHAPE, w);
                float[] expected = conv(be, p, in);
                Backend ws = be.newWorkspace();
                assertArrayEquals(expected, conv(ws, p, in), be.name() + " workspace");
                ws.close();
                ws.close();
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> conv(ws, p, in));
                assertTrue(e.getMessage().contains("closed"), e.getMessage());
                // The parent still works and gives out new workspaces.
                assertArrayEquals(expected, conv(be, p, in));
                try (Backend again = be.newWorkspace()) { assertArrayEquals(expected, conv(again, p, in)); }
                be.close();
                be.close();
                assertThrows(IllegalStateException.class, () -> conv(be, p, in));
                assertThrows(IllegalStateException.class, be::newWorkspace);
            }
            // Closing a backend leaves the team to its owner.
            assertFalse(team.isClosed());
        }
    }

    @Test
    void aBackendOnAClosedTeamRefusesParallelWork() {
        org.junit.jupiter.api.Assumptions.assumeTrue(KernelRegistry.vectorAvailable(), "needs jdk.incubator.vector");
        WorkerTeam team = new WorkerTeam(2);
        Backend be = KernelRegistry.create("vector", team);
        team.close();
        float[] x = new float[1 << 17];
        assertThrows(IllegalStateException.class, () -> be.activation(Activation.RELU, 0f, x, 0, x, 0, x.length));
    }
}
