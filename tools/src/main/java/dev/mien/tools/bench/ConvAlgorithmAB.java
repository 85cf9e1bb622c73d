package dev.mien.tools.bench;

import dev.mien.kernels.Activation;
import dev.mien.kernels.Backend;
import dev.mien.kernels.ConvAlgorithm;
import dev.mien.kernels.ConvShape;
import dev.mien.kernels.KernelRegistry;
import dev.mien.kernels.PackedWeights;

import java.util.Arrays;
import java.util.Map;
import java.util.Random;

/**
 * Two convolution algorithms on the real layer shapes, interleaved in one JVM (A, B, A, B, ...
 * call by call), so that the machine's drift hits both alike: the best (and median) milliseconds of each,
 * GFLOP/s as direct-convolution work (2 x MACs, whatever the algorithm computes), the share of
 * the measured FMA ceiling, and the ratio. Weights stay warm (one weight set per layer), or
 * with {@code -Dcold=N} come cold as inside a network: N distinct weight sets (and inputs) in
 * turn, N large enough that they do not fit the caches (16 for MA-Net's 7x7x512 layers), so
 * that each call reads its weights, including Winograd's transformed ones, from memory.
 * <pre>
 * java --add-modules jdk.incubator.vector -cp "tools/target/mien-tools.jar:tools/target/lib/*" dev.mien.tools.bench.ConvAlgorithmAB \
 *     [-Da=direct] [-Db=winograd] [-Dthreads=1,2] [-Dbatch=1] [-Dlayers=REGEX] [-Dreps=40] [-Dcold=N]
 * </pre>
 * An algorithm a layer cannot take (see {@code Backend#refusal}) is replaced by the backend's
 * own choice, named in the table.
 */
public final class ConvAlgorithmAB {
    /** Measured fp32 FMA ceilings of the reference machine kind (shared/bench/FmaPeak.java): one and two threads. */
    static final double PEAK_1T = 238, PEAK_2T = 465;

    public static void main(String[] args) {
        ConvAlgorithm a = ConvAlgorithm.parse(System.getProperty("a", "direct")), b = ConvAlgorithm.parse(System.getProperty("b", "winograd"));
        String only = System.getProperty("layers", ".*");
        int reps = Integer.getInteger("reps", 40), batch = Integer.getInteger("batch", 1), sets = Integer.getInteger("cold", 1);
        System.out.println("| layer | shape | batch | threads | " + a.label() + " ms | GFLOP/s | % ceiling | " + b.label()
                + " ms | GFLOP/s | % ceiling | " + a.label() + "/" + b.label() + " | medians ms |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|");
        for (String th : System.getProperty("threads", "1,2").split(",")) {
            int threads = Integer.parseInt(th.trim());
            Backend be = KernelRegistry.create("vector", threads).newWorkspace();
            double peak = threads == 1 ? PEAK_1T : threads == 2 ? PEAK_2T : PEAK_2T / 2 * threads;
            for (Map.Entry<String, ConvShape> e : LayerShapes.CONV.entrySet()) {
                if (!e.getKey().matches(only)) continue;
                ConvShape s0 = e.getValue();
                ConvShape s = new ConvShape(batch, s0.inH(), s0.inW(), s0.inC(), s0.outC(), s0.kH(), s0.kW(), s0.strideH(), s0.strideW(),
                        s0.dilH(), s0.dilW(), s0.padTop(), s0.padLeft(), s0.padBottom(), s0.padRight(), s0.groups());
                ConvAlgorithm aa = be.refusal(s, a) == null ? a : be.convAlgorithm(s), bb = be.refusal(s, b) == null ? b : be.convAlgorithm(s);
                double[] t = time(be, s, aa, bb, reps, sets);
                double ga = 2.0 * s.macs() / t[0] / 1e6, gb = 2.0 * s.macs() / t[1] / 1e6;
                System.out.printf("| %s | %dx%dx%d -> %d, %d/%d/%d%s | %d | %d | %.3f%s | %.1f | %.0f%% | %.3f%s | %.1f | %.0f%% | %.2f | %.3f / %.3f |%n",
                        e.getKey(), s.inH(), s.inW(), s.inC(), s.outC(), s.kH(), s.strideH(), s.dilH(), s.groups() > 1 ? " dw" : "",
                        batch, threads, t[0], aa == a ? "" : " (" + aa.label() + ")", ga, 100 * ga / peak,
                        t[1], bb == b ? "" : " (" + bb.label() + ")", gb, 100 * gb / peak, t[0] / t[1], t[2], t[3]);
            }
            be.close();
        }
    }

    /**
     * Minimum and median milliseconds of algorithms a and b ({a min, b min, a median, b median}),
     * called alternately after a warm-up of both, each call on the next of {@code sets} weight sets and inputs.
     */
    static double[] time(Backend be, ConvShape s, ConvAlgorithm a, ConvAlgorithm b, int reps, int sets) {
        Random r = new Random(1);
        PackedWeights[] p = new PackedWeights[sets];
        float[][] in = new float[sets][(int) s.inputSize()];
        float[] w = new float[(int) s.weightCount()], out = new float[(int) s.outputSize()];
        for (int k = 0; k < sets; k++) {
            for (int i = 0; i < w.length; i++) w[i] = r.nextFloat() - 0.5f;
            for (int i = 0; i < in[k].length; i++) in[k][i] = r.nextFloat();
            p[k] = be.packConv(s, w);
        }
        long start = System.nanoTime();
        for (int i = 0; i < 3 * sets || (i < 300 && System.nanoTime() - start < 2_000_000_000L); i++) {
            be.conv2d(s, a, in[i % sets], 0, p[i % sets], null, null, 0, Activation.RELU, 0f, out, 0);
            be.conv2d(s, b, in[(i + 1) % sets], 0, p[(i + 1) % sets], null, null, 0, Activation.RELU, 0f, out, 0);
        }
        double[] ta = new double[reps], tb = new double[reps];
        for (int i = 0; i < reps; i++) {
            int ka = (2 * i) % sets, kb = (2 * i + 1) % sets;
            long t0 = System.nanoTime();
            be.conv2d(s, a, in[ka], 0, p[ka], null, null, 0, Activation.RELU, 0f, out, 0);
            long t1 = System.nanoTime();
            be.conv2d(s, b, in[kb], 0, p[kb], null, null, 0, Activation.RELU, 0f, out, 0);
            long t2 = System.nanoTime();
            ta[i] = (t1 - t0) / 1e6;
            tb[i] = (t2 - t1) / 1e6;
        }
        Arrays.sort(ta);
        Arrays.sort(tb);
        // Best of the runs: on a shared machine the minimum is the kernel's own rate, the median mostly the neighbours'.
        return new double[]{ta[0], tb[0], ta[reps / 2], tb[reps / 2]};
    }
}
