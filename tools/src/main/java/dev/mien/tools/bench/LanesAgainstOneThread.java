package dev.mien.tools.bench;

import dev.mien.engine.Model;
import dev.mien.engine.Session;
import dev.mien.engine.runtime.RunOptions;
import dev.mien.formats.RandomModels;
import dev.mien.kernels.KernelRegistry;
import dev.mien.kernels.WorkerTeam;
import dev.mien.tools.cli.BenchCommand;

import java.util.List;
import java.util.Random;

/**
 * What batch 8 on two threads can gain over batch 1, for a network whose batch runs as image
 * lanes: in one process, blocks interleaved ({@link BatchSweep}), the time per image of batch 1
 * on one thread, of batch 8 on two threads (two lanes, one image per core), and of batch 1 on
 * two threads. Two lanes that do not disturb each other take half the one-thread time per
 * image, so batch 8 / batch 1 on two threads can be no lower than (one thread / 2) / (two
 * threads): the better batch 1 uses both cores, the closer that is to 1.
 * <pre>
 * java --add-modules jdk.incubator.vector -cp "tools/target/mien-tools.jar:tools/target/lib/*" dev.mien.tools.bench.LanesAgainstOneThread \
 *     [-Darch=lanmsff|patt-lite] [-Drounds=30]
 * </pre>
 */
public final class LanesAgainstOneThread {
    private LanesAgainstOneThread() {}

    public static void main(String[] args) {
        String arch = System.getProperty("arch", "lanmsff");
        int rounds = Integer.getInteger("rounds", 30);
        try (WorkerTeam team = new WorkerTeam(2);
             Model one = Model.owning(RandomModels.graph(arch, 1), KernelRegistry.create("vector", 1));
             Model two = Model.of(RandomModels.graph(arch, 1), team);
             Session s1 = one.newSession(1, RunOptions.DEFAULT);
             Session lanes = two.newSession(8, RunOptions.DEFAULT);
             Session s2 = two.newSession(1, RunOptions.DEFAULT)) {
            if (!lanes.plan().imageLanes()) throw new IllegalStateException(arch + ": batch 8 does not run as image lanes");
            Random r = new Random(3);
            for (Session s : List.of(s1, lanes, s2)) BenchCommand.randomInputs(one.graph(), s, r);
            BatchSweep sw = BatchSweep.run(List.of(s1, lanes, s2), rounds, 16, 200, 8);
            double t1 = sw.medianPerImage(0), t8 = sw.medianPerImage(1), t2 = sw.medianPerImage(2);
            System.out.printf("%s, ms per image (medians of %d rounds): batch 1 on 1 thread %.3f; batch 8 as 2 lanes %.3f (%.2fx half of it, "
                    + "per-round median %.2fx); batch 1 on 2 threads %.3f; batch 8 / batch 1 on 2 threads %.2f%n",
                    arch, rounds, t1, t8, t8 / (t1 / 2), 2 * sw.medianRatio(1), t2, t8 / t2);
        }
    }
}
