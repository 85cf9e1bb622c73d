package dev.mien.engine.ops;

import dev.mien.engine.Tensor;
import dev.mien.engine.ir.Attrs;
import dev.mien.engine.ir.Graph;
import dev.mien.engine.ir.GraphException;
import dev.mien.engine.ir.Node;
import dev.mien.engine.ir.Op;
import dev.mien.engine.ir.ValueInfo;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** Every op's definition: its output shape for a typical node, and errors that name the node. */
class OpDefinitionsTest {
    static Tensor t(int... shape) { return new Tensor(shape, new float[(int) Tensor.sizeOf(shape)]); }

    /** A one-node graph over inputs of the given per-sample shapes, at batch 2: the output's full shape. */
    static int[] infer(Op op, Attrs attrs, Map<String, Tensor> params, int[]... sampleShapes) {
        return ShapeInference.infer(graph(op, attrs, params, sampleShapes), 2).shape("node");
    }

    static Graph graph(Op op, Attrs attrs, Map<String, Tensor> params, int[]... sampleShapes) {
        List<ValueInfo> in = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < sampleShapes.length; i++) { in.add(new ValueInfo("x" + i, sampleShapes[i], "NHWC")); names.add("x" + i); }
        return new Graph(in, List.of(Node.of("node", op, names, attrs, params)), List.of("node"), Map.of());
    }

    static Map<String, Tensor> p(Object... kv) {
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], (Tensor) kv[i + 1]);
        return m;
    }

    static int[] s(int... d) { return d; }

    @Test
    void everyOpHasADefinition() {
        for (Op op : Op.values()) assertEquals(op, OpDefinitions.of(op).op(), op + " has no definition");
    }

    @Test
    void outputShapeOfEveryOp() {
        Set<Op> covered = EnumSet.noneOf(Op.class);
        record Case(Op op, Attrs attrs, Map<String, Tensor> params, int[] want, int[][] in) {}
        List<Case> cases = List.of(
                new Case(Op.CONV2D, new Attrs().set("strides", s(2, 2)).set("pads", s(1, 1, 1, 1)), p("weight", t(3, 3, 4, 8)), s(2, 4, 5, 8), new int[][]{{8, 9, 4}}),
                new Case(Op.CONV2D, new Attrs().set("groups", 4), p("weight", t(3, 3, 1, 4)), s(2, 6, 7, 4), new int[][]{{8, 9, 4}}),
                new Case(Op.CONV_TRANSPOSE2D, new Attrs().set("strides", s(2, 2)).set("pads", s(1, 1, 0, 0)), p("weight", t(3, 3, 5, 4)), s(2, 16, 18, 5), new int[][]{{8, 9, 4}}),
                new Case(Op.MAX_POOL2D, new Attrs().set("kernel", s(2, 2)), null, s(2, 4, 4, 3), new int[][]{{8, 9, 3}}),
                new Case(Op.AVG_POOL2D, new Attrs().set("kernel", s(3, 3)).set("strides", s(1, 1)).set("pads", s(1, 1, 1, 1)), null, s(2, 8, 9, 3), new int[][]{{8, 9, 3}}),
                new Case(Op.GLOBAL_AVG_POOL, null, null, s(2, 3), new int[][]{{8, 9, 3}}),
                new Case(Op.GLOBAL_MAX_POOL, new Attrs().set("keepdims", true), null, s(2, 1, 1, 3), new int[][]{{8, 9, 3}}),
                new Case(Op.DENSE, new Attrs().set("activation", "relu"), p("weight", t(6, 10)), s(2, 10), new int[][]{{6}}),
                new Case(Op.BATCH_NORM, new Attrs().set("epsilon", 1e-5f), p("gamma", t(3), "beta", t(3), "mean", t(3), "var", t(3)), s(2, 4, 3), new int[][]{{4, 3}}),
                new Case(Op.SCALE_SHIFT, null, p("scale", t(3), "shift", t(1)), s(2, 4, 3), new int[][]{{4, 3}}),
                new Case(Op.ACTIVATION, new Attrs().set("activation", "elu").set("alpha", 0.5f), null, s(2, 4, 3), new int[][]{{4, 3}}),
                new Case(Op.PRELU, null, p("alpha", t(1, 1, 3)), s(2, 5, 4, 3), new int[][]{{5, 4, 3}}),
                new Case(Op.SOFTMAX, null, null, s(2, 7), new int[][]{{7}}),
                new Case(Op.ADD, null, null, s(2, 4, 5, 3), new int[][]{{4, 5, 3}, {1, 1, 3}}),
                new Case(Op.SUB, null, null, s(2, 4, 5, 3), new int[][]{{4, 1, 3}, {4, 5, 1}}),
                new Case(Op.MUL, null, null, s(2, 4, 5, 3), new int[][]{{4, 5, 3}, {4, 5, 3}, {1, 1, 3}}),
                new Case(Op.DIV, null, null, s(2, 3), new int[][]{{3}, {1}}),
                new Case(Op.MAX, null, null, s(2, 3), new int[][]{{3}, {3}}),
                new Case(Op.MIN, null, null, s(2, 3), new int[][]{{3}, {3}}),
                new Case(Op.AVERAGE, null, null, s(2, 3), new int[][]{{3}, {3}, {3}}),
                new Case(Op.CONCAT, new Attrs().set("axis", -1), null, s(2, 4, 5, 7), new int[][]{{4, 5, 3}, {4, 5, 4}}),
                new Case(Op.CONCAT, new Attrs().set("axis", 1), null, s(2, 9, 5, 3), new int[][]{{4, 5, 3}, {5, 5, 3}}),
                new Case(Op.SLICE, new Attrs().set("axis", -1).set("start", 1).set("end", 3), null, s(2, 4, 2), new int[][]{{4, 6}}),
                new Case(Op.RESHAPE, new Attrs().set("shape", s(-1, 3)), null, s(2, 8, 3), new int[][]{{4, 2, 3}}),
                new Case(Op.FLATTEN, null, null, s(2, 24), new int[][]{{4, 2, 3}}),
                new Case(Op.TRANSPOSE, new Attrs().set("perm", s(0, 3, 1, 2)), null, s(2, 3, 4, 2), new int[][]{{4, 2, 3}}),
                new Case(Op.PAD, new Attrs().set("pads", s(1, 2, 0, 1)), null, s(2, 5, 5, 3), new int[][]{{4, 2, 3}}),
                new Case(Op.CROP, new Attrs().set("crops", s(1, 0, 1, 1)), null, s(2, 2, 1, 3), new int[][]{{4, 2, 3}}),
                new Case(Op.RESIZE, new Attrs().set("size", s(9, 7)).set("mode", "nearest"), null, s(2, 9, 7, 3), new int[][]{{4, 2, 3}}),
                new Case(Op.REDUCE, new Attrs().set("op", "mean").set("axes", s(1, 2)).set("keepdims", true), null, s(2, 1, 1, 3), new int[][]{{4, 2, 3}}),
                new Case(Op.REDUCE, new Attrs().set("op", "max").set("axes", s(-1)), null, s(2, 4, 2), new int[][]{{4, 2, 3}}),
                new Case(Op.CHANNEL_SHUFFLE, new Attrs().set("groups", 2), null, s(2, 3, 6), new int[][]{{3, 6}}),
                new Case(Op.PWFS, null, null, s(2, 3, 2), new int[][]{{3, 6}}),
                new Case(Op.ATTENTION, null, p("scale", t(1)), s(2, 5, 4), new int[][]{{5, 4}, {6, 4}}),
                new Case(Op.IDENTITY, null, null, s(2, 3, 6), new int[][]{{3, 6}}));
        for (Case c : cases) {
            int[] got = infer(c.op, c.attrs, c.params, c.in);
            assertArrayEquals(c.want, got, c.op + ": " + Arrays.toString(got));
            covered.add(c.op);
        }
        assertEquals(EnumSet.allOf(Op.class), covered, "ops without a shape case");
    }

    @Test
    void macsComeFromTheDefinitions() {
        Graph g = graph(Op.CONV2D, null, p("weight", t(3, 3, 4, 8)), s(8, 9, 4));
        assertEquals(2L * 6 * 7 * 8 * 3 * 3 * 4, ShapeInference.infer(g, 2).macs());
        assertEquals(2L * 10 * 6, ShapeInference.infer(graph(Op.DENSE, null, p("weight", t(6, 10)), s(6)), 2).macs());
    }

    static void assertFails(Graph g, String... fragments) {
        GraphException e = assertThrows(GraphException.class, () -> ShapeInference.infer(g, 1));
        assertTrue(e.getMessage().startsWith("node"), "names the node: " + e.getMessage());
        for (String f : fragments) assertTrue(e.getMessage().contains(f), "'" + f + "' in: " + e.getMessage());
    }

    @Test
    void attributeErrorsNameTheNodeAndTheAttribute() {
        assertFails(graph(Op.CONCAT, new Attrs().set("axis", 1.5f), null, s(3), s(3)), "axis", "int");
        assertFails(graph(Op.SLICE, new Attrs().set("axis", 1).set("start", 0), null, s(3)), "missing attribute 'end'");
        assertFails(graph(Op.ACTIVATION, new Attrs().set("activation", "gelu"), null, s(3)), "activation", "gelu");
        assertFails(graph(Op.RESIZE, new Attrs().set("size", s(4)), null, s(3, 3, 1)), "size", "2 values");
        assertFails(graph(Op.SOFTMAX, new Attrs().set("axes", 1), null, s(3)), "unknown attribute 'axes'");
        assertFails(graph(Op.RESIZE, new Attrs().set("size", s(4, 4)).set("mode", "bicubic"), null, s(3, 3, 1)), "bicubic");
        assertFails(graph(Op.DENSE, null, null, s(3)), "missing weight 'weight'");
        assertFails(graph(Op.ADD, null, null, s(3)), "at least 2 inputs");
    }

    @Test
    void shapeErrorsNameTheNodeAndTheShapes() {
        assertFails(graph(Op.CONCAT, new Attrs().set("axis", -1), null, s(4, 3), s(5, 3)), "[1, 4, 3]", "[1, 5, 3]");
        assertFails(graph(Op.RESHAPE, new Attrs().set("shape", s(5, -1)), null, s(4, 3)), "cannot reshape");
        assertFails(graph(Op.ADD, null, null, s(4, 3), s(2)), "cannot broadcast");
        assertFails(graph(Op.CONV2D, null, p("weight", t(3, 3, 5, 8)), s(8, 8, 4)), "channels");
        assertFails(graph(Op.MAX_POOL2D, new Attrs().set("kernel", s(5, 5)), null, s(3, 3, 1)));
        assertFails(graph(Op.PWFS, null, null, s(4)), "divisible by 3");
        assertFails(graph(Op.TRANSPOSE, new Attrs().set("perm", s(0, 1, 1)), null, s(2, 2)), "bad perm");
        assertFails(graph(Op.REDUCE, new Attrs().set("op", "sum").set("axes", s(0)), null, s(2, 2)), "batch axis");
    }

    @Test
    void constantsHaveTheirOwnShapesAndBroadcast() {
        Graph g = new Graph(List.of(new ValueInfo("x", s(4, 5, 3), "NHWC")), Map.of("k", t(4, 1, 3)),
                List.of(Node.of("node", Op.MUL, List.of("x", "k"), null, null)), List.of("node"), Map.of());
        ShapeInference.Result r = ShapeInference.infer(g, 2);
        assertArrayEquals(s(4, 1, 3), r.shape("k"));
        assertArrayEquals(s(2, 4, 5, 3), r.shape("node"));
    }

    @Test
    void typedAccessUsesTheSchemaDefaults() {
        Node n = Node.of("c", Op.CONV2D, List.of("x"), new Attrs().set("groups", 2), p("weight", t(1, 1, 1, 2)));
        OpDefinition d = OpDefinitions.of(Op.CONV2D);
        assertArrayEquals(s(1, 1), d.intsAttr(n, "strides"));
        assertArrayEquals(s(0, 0, 0, 0), d.intsAttr(n, "pads"));
        assertEquals(2, d.intAttr(n, "groups"));
        assertEquals("none", d.stringAttr(n, "activation"));
        assertThrows(IllegalStateException.class, () -> d.intAttr(n, "axis"), "an attribute the op does not define is a programming error");
    }

    /**
     * A Model keeps its graph with conv and dense weights stripped (their shapes in the
     * weight_shape attribute): validation, shapes and MACs read the same weight shape either way.
     */
    @Test
    void strippedWeightsKeepTheirShapeThroughWeightShape() {
        Attrs conv = new Attrs().set("strides", new int[]{2, 2}).set("pads", new int[]{1, 1, 1, 1});
        Graph full = graph(Op.CONV2D, conv, p("weight", t(3, 3, 4, 8), "bias", t(8)), new int[]{9, 9, 4});
        Node n = full.nodes().get(0);
        Map<String, Tensor> params = new LinkedHashMap<>(n.params());
        params.remove("weight");
        Node stripped = new Node(n.name(), n.op(), n.inputs(), n.outputs(), n.attrs().copy().set(OpDefinition.WEIGHT_SHAPE, new int[]{3, 3, 4, 8}), params);
        Graph g = full.withNodes(List.of(stripped));
        ShapeInference.Result a = ShapeInference.infer(full, 2), b = ShapeInference.infer(g, 2);
        assertArrayEquals(a.shape("node"), b.shape("node"));
        assertEquals(a.macs(), b.macs());
        assertArrayEquals(new int[]{3, 3, 4, 8}, OpDefinitions.weightShape(stripped));

        Node dense = new Node("node", Op.DENSE, List.of("x0"), List.of("node"), new Attrs().set(OpDefinition.WEIGHT_SHAPE, new int[]{6, 5}), Map.of());
        Graph dg = new Graph(List.of(new ValueInfo("x0", new int[]{6}, "NHWC")), List.of(dense), List.of("node"), Map.of());
        assertArrayEquals(new int[]{2, 5}, ShapeInference.infer(dg, 2).shape("node"));
        // Neither the tensor nor its shape: still a missing weight; weight_shape is not an attribute of other ops.
        Node bare = new Node("node", Op.DENSE, List.of("x0"), List.of("node"), new Attrs(), Map.of());
        assertTrue(assertThrows(GraphException.class, () -> OpDefinitions.of(Op.DENSE).validate(bare)).getMessage().contains("missing weight"));
        Node relu = new Node("node", Op.ACTIVATION, List.of("x0"), List.of("node"), new Attrs().set(OpDefinition.WEIGHT_SHAPE, new int[]{1}), Map.of());
        assertTrue(assertThrows(GraphException.class, () -> OpDefinitions.of(Op.ACTIVATION).validate(relu)).getMessage().contains("unknown attribute"));
    }
}
