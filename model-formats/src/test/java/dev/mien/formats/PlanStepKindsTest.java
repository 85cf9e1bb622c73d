package dev.mien.formats;

import dev.mien.engine.Model;
import dev.mien.engine.runtime.Plan;
import dev.mien.engine.runtime.RunOptions;
import dev.mien.engine.runtime.StepKind;
import dev.mien.kernels.KernelRegistry;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The seed networks' plans say how every step runs: each is a named backend kernel (or a named
 * host step), so a backend that keeps tensors elsewhere sees the whole plan.
 */
class PlanStepKindsTest {
    @Test
    void seedNetworkPlansHaveNoAnonymousSteps() {
        Set<String> kernels = new HashSet<>();
        for (String arch : List.of("manet", "lanmsff", "patt-lite")) {
            Model m = new Model(RandomModels.graph(arch, 1), KernelRegistry.create("scalar", 1));
            for (RunOptions o : List.of(RunOptions.DEFAULT, RunOptions.DEFAULT.withBatchCoupledAttention(true))) {
                Plan p = m.plan(2, o);
                assertEquals(p.stepCount(), p.stepKinds().size(), arch);
                assertEquals(p.stepCount(), p.stepKernels().size(), arch);
                for (int i = 0; i < p.stepCount(); i++) {
                    assertNotNull(p.stepKinds().get(i), arch + " step " + p.stepNames().get(i));
                    String k = p.stepKernels().get(i);
                    assertTrue(k != null && !k.isBlank(), arch + " step " + p.stepNames().get(i) + " has no kernel name");
                    // Every op of the seed networks has a backend kernel: none needs a host step.
                    assertEquals(StepKind.BACKEND, p.stepKinds().get(i), arch + " step " + p.stepNames().get(i) + " " + k);
                    kernels.add(k);
                }
            }
        }
        // Resize (PAtt-Lite), attention (batch-coupled PAtt-Lite), PWFS and channel shuffle (LANMSFF) are backend kernels.
        assertTrue(kernels.containsAll(List.of("conv2d", "resize", "attention", "pwfs", "channelShuffle", "dense", "softmax")), kernels.toString());
    }
}
