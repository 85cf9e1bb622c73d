package dev.mien.tools.bench;

import dev.mien.engine.Model;
import dev.mien.engine.io.ModelFile;
import dev.mien.formats.ModelLoader;
import dev.mien.kernels.PackedWeights;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a loaded model costs in memory: used heap after a full GC (MemoryMXBean) and the
 * process's resident set (VmRSS), against the model's packed weight bytes, and how many of
 * them are read from a mapped file. One model per process, so the numbers are the model's:
 * <pre>
 * java --add-modules jdk.incubator.vector -cp "tools/target/mien-tools.jar:tools/target/lib/*" \
 *     dev.mien.tools.bench.MemoryReport /tmp/manet-full.pth.tar
 * </pre>
 * A {@code .mien} file is loaded with {@link Model#load} (mapped), any other format through
 * the importer, whose graph is dropped once the model has packed its weights.
 */
public final class MemoryReport {
    private MemoryReport() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: MemoryReport MODEL_FILE");
            System.exit(2);
        }
        Path file = Path.of(args[0]);
        long heap0 = usedHeapAfterGc(), rss0 = rssBytes();
        long t0 = System.nanoTime();
        Model model = ModelFile.looksLike(file) ? Model.load(file) : Model.of(ModelLoader.load(file).graph());
        double loadMs = (System.nanoTime() - t0) / 1e6;
        long heap = usedHeapAfterGc(), rss = rssBytes();
        long packed = model.packedWeightBytes(), mapped = 0;
        for (PackedWeights p : model.packedWeights().values()) if (p.segment().isMapped()) mapped += p.segment().byteSize();
        System.out.printf("model %s (%,d bytes on disk), loaded in %.0f ms%n", file.getFileName(), Files.size(file), loadMs);
        System.out.printf("packed weights: %.1f MiB (%.1f MiB read from the mapped file)%n", packed / 1048576.0, mapped / 1048576.0);
        System.out.printf("heap after GC:  %.1f MiB with the model, %.1f MiB before: the model holds %.1f MiB = %.2fx its packed weights%n",
                heap / 1048576.0, heap0 / 1048576.0, (heap - heap0) / 1048576.0, (double) (heap - heap0) / packed);
        System.out.printf("RSS (VmRSS):    %.1f MiB with the model, %.1f MiB before%n", rss / 1048576.0, rss0 / 1048576.0);
        // One run so that a mapped model's weights are paged in: RSS then counts them (as shared file pages).
        var in = model.graph().inputs().get(0);
        int[] s = in.sampleShape();
        int size = 1;
        for (int d : s) size *= d;
        try (var session = model.newSession(1, dev.mien.engine.runtime.RunOptions.DEFAULT)) {
            session.setInput(in.name(), new float[size]).run();
        }
        System.out.printf("after one run:  heap %.1f MiB, RSS %.1f MiB%n", usedHeapAfterGc() / 1048576.0, rssBytes() / 1048576.0);
        model.close();
    }

    static long usedHeapAfterGc() {
        for (int i = 0; i < 3; i++) System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** Resident set size from /proc/self/status; -1 where there is none (not Linux). */
    static long rssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status")))
                if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        } catch (IOException | NumberFormatException e) {
            // not Linux
        }
        return -1;
    }
}
