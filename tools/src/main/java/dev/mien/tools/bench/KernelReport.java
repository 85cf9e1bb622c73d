package dev.mien.tools.bench;

import dev.mien.kernels.Activation;
import dev.mien.kernels.Backend;
import dev.mien.kernels.ConvShape;
import dev.mien.kernels.KernelRegistry;
import dev.mien.kernels.PackedWeights;

import java.util.Arrays;
import java.util.Map;
import java.util.Random;

/**
 * A quick kernel table without JMH's forks: for every real layer shape, best time of the
 * vector backend on 1 and 2 threads, GFLOP/s and % of the measured fp32 FMA ceiling (238 GFLOP/s on one thread, 465 on two:
 * shared/bench/FmaPeak.java; Winograd layers count direct-convolution work, so they can exceed it),
 * plus the scalar reference on 1 thread as the ratio's base. Same JVM, same run.
 * Run: {@code java --add-modules jdk.incubator.vector -cp "tools/target/mien-tools.jar:tools/target/lib/*" dev.mien.tools.bench.KernelReport}
 * ({@code -Dlayers=REGEX} keeps the layers whose name matches; {@code -Dscalar=false} skips the slow reference column).
 */
public final class KernelReport {
    public static void main(String[] args) {
        // Measured ceilings (FmaPeak): one thread, two threads; arguments override them.
        double peak1 = args.length > 0 ? Double.parseDouble(args[0]) : ConvAlgorithmAB.PEAK_1T;
        double peak2 = args.length > 1 ? Double.parseDouble(args[1]) : ConvAlgorithmAB.PEAK_2T;
        Backend scalar = KernelRegistry.create("scalar", 1), v1 = KernelRegistry.create("vector", 1), v2 = KernelRegistry.create("vector", 2);
        System.out.println("| layer | shape (HxWxCin -> Cout, k/s/d) | MMAC | algorithm | scalar ms | vector 1T ms | GFLOP/s | % ceiling | vector 2T ms | GFLOP/s | % ceiling | 2T vs scalar |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|");
        String only = System.getProperty("layers", ".*");
        boolean withScalar = Boolean.parseBoolean(System.getProperty("scalar", "true"));
        // -Drounds=2 repeats the table in the same JVM (the JIT then knows every shape).
        for (int round = Integer.getInteger("rounds", 1); round > 0; round--)
        for (Map.Entry<String, ConvShape> e : LayerShapes.CONV.entrySet()) {
            if (!e.getKey().matches(only)) continue;
            ConvShape s = e.getValue();
            double ts = withScalar ? time(scalar, s, 2) : Double.NaN, t1 = time(v1, s, 30), t2 = time(v2, s, 30);
            double g1 = 2.0 * s.macs() / t1 / 1e6, g2 = 2.0 * s.macs() / t2 / 1e6;
            System.out.printf("| %s | %dx%dx%d -> %d, %d/%d/%d%s | %.1f | %s | %.2f | %.3f | %.1f | %.0f%% | %.3f | %.1f | %.0f%% | %.0fx |%n",
                    e.getKey(), s.inH(), s.inW(), s.inC(), s.outC(), s.kH(), s.strideH(), s.dilH(), s.groups() > 1 ? " dw" : "",
                    s.macs() / 1e6, v2.convAlgorithm(s).label(), ts, t1, g1, 100 * g1 / peak1, t2, g2, 100 * g2 / peak2, ts / t2);
        }
    }

    /**
     * Best milliseconds of {@code reps} runs after a warm-up: on this shared machine the minimum is
     * the kernel's own rate and the median mostly the neighbours' load (-Dstat=median for the median).
     */
    static double time(Backend be, ConvShape s, int reps) {
        Random r = new Random(1);
        float[] w = new float[(int) s.weightCount()], in = new float[(int) s.inputSize()], out = new float[(int) s.outputSize()];
        for (int i = 0; i < w.length; i++) w[i] = r.nextFloat() - 0.5f;
        for (int i = 0; i < in.length; i++) in[i] = r.nextFloat();
        PackedWeights p = be.packConv(s, w);
        be = be.newWorkspace();     // reusable scratch, as in a session
        // Warm up until the JIT has compiled the kernel: at least 3 calls, and 200 calls or 1.5 s.
        long start = System.nanoTime();
        for (int i = 0; i < 3 || (i < 200 && System.nanoTime() - start < 1_500_000_000L); i++)
            be.conv2d(s, in, 0, p, null, null, 0, Activation.RELU, 0f, out, 0);
        double[] t = new double[reps];
        for (int i = 0; i < reps; i++) {
            long t0 = System.nanoTime();
            be.conv2d(s, in, 0, p, null, null, 0, Activation.RELU, 0f, out, 0);
            t[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(t);
        return "median".equals(System.getProperty("stat")) ? t[reps / 2] : t[0];
    }
}
