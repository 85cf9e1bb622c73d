package dev.mien.engine.passes;

import dev.mien.engine.GraphBuilder;
import dev.mien.engine.Model;
import dev.mien.engine.Tensor;
import dev.mien.engine.ir.Attrs;
import dev.mien.engine.ir.Graph;
import dev.mien.engine.ir.Node;
import dev.mien.engine.ir.Op;
import dev.mien.kernels.KernelRegistry;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.mien.engine.Assertions2.assertClose;
import static org.junit.jupiter.api.Assertions.*;

class PassesTest {
    static Tensor run(Graph g, Tensor x) {
        return new Model(g, KernelRegistry.create("scalar", 1)).run(Map.of("x", x)).get(g.outputs().get(0));
    }

    static long count(Graph g, Op op) { return g.nodes().stream().filter(n -> n.op() == op).count(); }

    /** conv-BN-relu, conv-BN, + shortcut conv-BN, relu: a ResNet block. */
    static Graph resnetBlock(GraphBuilder b) {
        String x = b.input("x", 9, 9, 5);
        String h = b.act(b.batchNorm(b.conv(x, 5, 8, 3, 2, 1, 1, "none", false), 8), "relu");
        h = b.batchNorm(b.conv(h, 8, 8, 3, 1, 1, 1, "none", false), 8);
        String s = b.batchNorm(b.conv(x, 5, 8, 1, 2, 0, 1, "none", false), 8);
        String sum = b.node(Op.ADD, List.of(h, s), null, null);
        return b.build(b.act(sum, "relu"));
    }

    @Test
    void foldingAndFusionPreserveTheResult() {
        GraphBuilder b = new GraphBuilder(21);
        Graph g = resnetBlock(b);
        Graph o = Passes.optimize(g);
        assertEquals(0, count(o, Op.BATCH_NORM));
        assertEquals(0, count(o, Op.SCALE_SHIFT));
        assertEquals(0, count(o, Op.ADD));
        assertEquals(0, count(o, Op.ACTIVATION));
        assertEquals(3, o.nodes().size());
        Node last = o.nodes().get(2);
        assertEquals(2, last.inputs().size(), "residual fused as a second conv input");
        assertEquals("relu", last.attrs().getString("activation", "none"));
        assertEquals(g.outputs(), o.outputs());
        Tensor in = b.random(2, 9, 9, 5);
        assertClose(run(g, in), run(o, in), 1e-5f, 1e-4f, "optimised vs original");
    }

    @Test
    void zeroPaddingFoldsIntoTheConvolutionThatReadsIt() {
        GraphBuilder b = new GraphBuilder(24);
        String x = b.input("x", 7, 8, 3);
        // ZeroPadding2D((top 1, left 2), (bottom 0, right 1)) then a stride-2 conv that pads too.
        String p = b.node(Op.PAD, List.of(x), new Attrs().set("pads", new int[]{1, 2, 0, 1}), null);
        String c = b.conv(p, 3, 4, 3, 2, 1, 1, "relu", true);
        // A second pad read by two nodes must stay (folding it would pad the other reader too).
        String p2 = b.node(Op.PAD, List.of(c), new Attrs().set("pads", new int[]{1, 1, 1, 1}), null);
        String c2 = b.conv(p2, 4, 4, 3, 1, 0, 1, "none", true);
        String sum = b.node(Op.ADD, List.of(c2, b.node(Op.MAX_POOL2D, List.of(p2), new Attrs().set("kernel", new int[]{3, 3}).set("strides", new int[]{1, 1}), null)), null, null);
        Graph g = b.build(sum);
        Graph o = Passes.optimize(g);
        assertEquals(1, count(o, Op.PAD), "the pad with one reader is folded, the shared one stays");
        Node conv = o.nodes().stream().filter(n -> n.op() == Op.CONV2D).findFirst().orElseThrow();
        assertEquals(x, conv.inputs().get(0));
        assertArrayEquals(new int[]{2, 3, 1, 2}, conv.attrs().getInts("pads"));
        Tensor in = b.random(2, 7, 8, 3);
        assertClose(run(g, in), run(o, in), 1e-5f, 1e-4f, "optimised vs original");
    }

    @Test
    void keptValuesSurvive() {
        GraphBuilder b = new GraphBuilder(22);
        String x = b.input("x", 6, 6, 3);
        String c = b.conv(x, 3, 4, 3, 1, 1, 1, "none", true);
        String bn = b.batchNorm(c, 4);
        String r = b.act(bn, "relu");
        Graph g = b.build(r);
        Graph o = Passes.optimize(g, Set.of(bn));
        assertTrue(o.nodes().stream().anyMatch(n -> n.outputs().contains(bn)), "kept BN output still produced");
        Tensor in = b.random(1, 6, 6, 3);
        assertClose(run(g, in), run(o, in), 1e-5f, 1e-4f, "optimised vs original");
    }

    @Test
    void identityHandsItsNameToTheProducer() {
        GraphBuilder b = new GraphBuilder(23);
        String x = b.input("x", 4, 4, 2);
        String r = b.act(x, "relu");
        Node id = Node.of("stage1", Op.IDENTITY, List.of(r), null, null);
        List<Node> nodes = new java.util.ArrayList<>(b.build(r).nodes());
        nodes.add(id);
        Node t = Node.of("out", Op.ACTIVATION, List.of("stage1"), new Attrs().set("activation", "tanh"), null);
        nodes.add(t);
        Graph g = new Graph(b.build(r).inputs(), nodes, List.of("out"), Map.of());
        Graph o = Passes.optimize(g);
        assertEquals(0, count(o, Op.IDENTITY));
        assertTrue(o.nodes().stream().anyMatch(n -> n.outputs().contains("stage1")));
        Tensor in = b.random(1, 4, 4, 2);
        assertClose(run(g, in), run(o, in), 0f, 0f, "same values");
    }

    @Test
    void deadNodesAreRemoved() {
        GraphBuilder b = new GraphBuilder(24);
        String x = b.input("x", 3, 3, 1);
        b.act(x, "sigmoid");
        String y = b.act(x, "relu");
        Graph o = Passes.optimize(b.build(y));
        assertEquals(1, o.nodes().size());
    }
}
