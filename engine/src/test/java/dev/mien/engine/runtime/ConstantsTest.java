package dev.mien.engine.runtime;

import dev.mien.engine.Model;
import dev.mien.engine.Tensor;
import dev.mien.engine.io.ModelFile;
import dev.mien.engine.ir.Graph;
import dev.mien.engine.ir.Node;
import dev.mien.engine.ir.Op;
import dev.mien.engine.ir.ValueInfo;
import dev.mien.engine.passes.Passes;
import dev.mien.kernels.Backend;
import dev.mien.kernels.KernelRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** Graph constants as operands of binary ops, of any broadcastable shape, on both backends. */
class ConstantsTest {
    static final int[] X = {2, 4, 5, 3};
    static final int[][] CONSTANT_SHAPES = {{1, 1, 1, 3}, {4, 1, 3}, {1}, {4, 5, 3}, {1, 4, 5, 3}, {5, 1}, {3}};
    static final Op[] OPS = {Op.ADD, Op.SUB, Op.MUL, Op.DIV, Op.MAX, Op.MIN};
    final Random rnd = new Random(7);

    Tensor random(int... shape) {
        float[] d = new float[(int) Tensor.sizeOf(shape)];
        for (int i = 0; i < d.length; i++) d[i] = (float) rnd.nextGaussian() + (rnd.nextBoolean() ? 2f : -2f);
        return new Tensor(shape, d);
    }

    static Graph graph(Op op, Tensor k, boolean constantFirst) {
        List<String> in = constantFirst ? List.of("k", "x") : List.of("x", "k");
        return new Graph(List.of(new ValueInfo("x", Arrays.copyOfRange(X, 1, 4), "NHWC")), Map.of("k", k),
                List.of(Node.of("y", op, in, null, null)), List.of("y"), Map.of());
    }

    static float apply(Op op, float a, float b) {
        return switch (op) {
            case ADD -> a + b; case SUB -> a - b; case MUL -> a * b; case DIV -> a / b;
            case MAX -> Math.max(a, b); case MIN -> Math.min(a, b);
            default -> throw new AssertionError(op);
        };
    }

    /** The constant's value that broadcasts to NHWC index (n, h, w, c), by right-aligned index arithmetic. */
    static float at(Tensor k, int... idx) {
        int[] s = k.shape();
        int o = 0, stride = 1;
        for (int i = s.length - 1; i >= 0; i--) {
            int d = idx[idx.length - s.length + i];
            o += (s[i] == 1 ? 0 : d) * stride;
            stride *= s[i];
        }
        return k.data()[o];
    }

    @Test
    void binaryOpsWithConstantsOfAnyBroadcastableShapeOnBothBackends() {
        Backend[] backends = {KernelRegistry.create("scalar", 1), KernelRegistry.create("vector", 2)};
        for (int[] ks : CONSTANT_SHAPES)
            for (Op op : OPS)
                for (boolean first : new boolean[]{false, true}) {
                    Tensor k = random(ks), x = random(X);
                    Graph g = graph(op, k, first);
                    for (Backend be : backends) {
                        Tensor y = new Model(g, be).run(Map.of("x", x)).get("y");
                        assertArrayEquals(X, y.shape());
                        int i = 0;
                        for (int n = 0; n < X[0]; n++) for (int h = 0; h < X[1]; h++) for (int w = 0; w < X[2]; w++) for (int c = 0; c < X[3]; c++, i++) {
                            float a = x.data()[i], b = at(k, n, h, w, c);
                            float want = first ? apply(op, b, a) : apply(op, a, b);
                            assertEquals(want, y.data()[i], 0f, op + " constant " + Arrays.toString(ks) + (first ? " first" : " second") + " on " + be.name());
                        }
                    }
                }
    }

    @Test
    void constantsAreSharedBySessionsAndNeverWritten() {
        Tensor k = random(4, 1, 3);
        float[] before = k.data().clone();
        Model m = new Model(graph(Op.ADD, k, false), KernelRegistry.create("scalar", 1));
        Tensor x = random(X);
        Tensor a = m.run(Map.of("x", x)).get("y"), b = m.run(Map.of("x", x)).get("y");
        assertArrayEquals(a.data(), b.data());
        assertArrayEquals(before, k.data());
        // The plan binds the constant's own array: sessions hold no copy of it.
        Plan p = m.plan(2, RunOptions.DEFAULT);
        assertSame(k.data(), p.newBuffers().slots[Arrays.asList(p.fixedSlots).indexOf(k.data())]);
    }

    @Test
    void modelFileStoresConstantsAndPassesKeepThem(@TempDir Path dir) throws Exception {
        Tensor k = random(1, 5, 3);
        // A chain: the constant feeds a node, an identity and an activation the passes rewrite.
        Graph g = new Graph(List.of(new ValueInfo("x", new int[]{4, 5, 3}, "NHWC")), Map.of("k", k, "unused", random(2)),
                List.of(Node.of("m", Op.MUL, List.of("x", "k"), null, null),
                        Node.of("i", Op.IDENTITY, List.of("m"), null, null),
                        Node.of("y", Op.ADD, List.of("k", "i"), null, null)), List.of("y"), Map.of());
        Graph opt = Passes.optimize(g);
        assertEquals(List.of("k"), List.copyOf(opt.constants().keySet()), "unread constants are dropped");
        Path f = dir.resolve("c.mien");
        ModelFile.write(f, opt);
        Graph back = ModelFile.read(f);
        assertArrayEquals(k.shape(), back.constants().get("k").shape());
        assertArrayEquals(k.data(), back.constants().get("k").data());
        Tensor x = random(X);
        Tensor want = new Model(g, KernelRegistry.create("scalar", 1)).run(Map.of("x", x)).get("y");
        Tensor got = new Model(back, KernelRegistry.create("scalar", 1)).run(Map.of("x", x)).get("y");
        assertArrayEquals(want.data(), got.data());
    }
}
