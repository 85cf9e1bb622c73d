package dev.mien.tools.bench;

import dev.mien.kernels.Activation;
import dev.mien.kernels.Backend;
import dev.mien.kernels.ConvShape;
import dev.mien.kernels.KernelRegistry;
import dev.mien.kernels.PackedWeights;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * JMH: one convolution of a real layer shape on a backend. GFLOP/s = 2 x MACs / time; the
 * {@code macs} of each shape are printed by {@link KernelReport}.
 * Run: {@code java --add-modules jdk.incubator.vector -cp "tools/target/mien-tools.jar:tools/target/lib/*" org.openjdk.jmh.Main ConvBench}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class ConvBench {
    @Param({"manet.layer1", "manet.layer2", "manet.layer4_1.patch", "manet.conv1",
            "lanmsff.block1.conv", "lanmsff.twopath.dilated", "lanmsff.separable.depthwise",
            "pattlite.dw2", "pattlite.pw3", "pattlite.pw7"})
    public String layer;

    @Param({"vector"})
    public String backend;

    @Param({"1", "2"})
    public int threads;

    private Backend be;
    private ConvShape shape;
    private PackedWeights weights;
    private float[] in, out, bias;

    @Setup(Level.Trial)
    public void setup() {
        shape = LayerShapes.CONV.get(layer);
        if (shape == null) throw new IllegalArgumentException("unknown layer " + layer + "; known " + LayerShapes.CONV.keySet());
        // A workspace, as a session uses: the shared handle would take fresh scratch on every call.
        be = KernelRegistry.create(backend, threads).newWorkspace();
        Random r = new Random(1);
        float[] w = new float[(int) shape.weightCount()];
        for (int i = 0; i < w.length; i++) w[i] = r.nextFloat() - 0.5f;
        weights = be.packConv(shape, w);
        in = new float[(int) shape.inputSize()];
        for (int i = 0; i < in.length; i++) in[i] = r.nextFloat();
        out = new float[(int) shape.outputSize()];
        bias = new float[shape.outC()];
    }

    @Benchmark
    public float[] conv() {
        be.conv2d(shape, in, 0, weights, bias, null, 0, Activation.RELU, 0f, out, 0);
        return out;
    }
}
