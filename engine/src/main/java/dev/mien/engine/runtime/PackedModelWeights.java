package dev.mien.engine.runtime;

import dev.mien.engine.Tensor;
import dev.mien.engine.ir.Attrs;
import dev.mien.engine.ir.Graph;
import dev.mien.engine.ir.Node;
import dev.mien.engine.ir.Op;
import dev.mien.kernels.Backend;
import dev.mien.kernels.ConvShape;
import dev.mien.kernels.PackedLayouts;
import dev.mien.kernels.PackedWeights;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every convolution and dense weight of a model, packed once for its backend, and the graph
 * without them. Packing does not depend on batch or image size, so one packed copy serves
 * every plan; the stripped graph keeps each weight's shape in the {@value #WEIGHT_SHAPE}
 * attribute, so that the model holds no second, raw copy.
 *
 * @param graph  the graph with the packed weights removed from its nodes
 * @param packed packed weights by node name
 */
public record PackedModelWeights(Graph graph, Map<String, PackedWeights> packed) {
    /** Attribute holding the shape of a weight that lives packed outside the graph. */
    public static final String WEIGHT_SHAPE = dev.mien.engine.ops.OpDefinition.WEIGHT_SHAPE;

    /** The ops whose "weight" is packed (transposed convolutions are tiny and read their weights as given). */
    public static boolean packs(Node n) {
        return (n.op() == Op.CONV2D || n.op() == Op.DENSE) && (n.param("weight") != null || n.attrs().has(WEIGHT_SHAPE));
    }

    /**
     * Packs every conv and dense weight of {@code g} for {@code backend}: from {@code saved}
     * where present (adopted in place when the backend uses the saved layout, else unpacked and
     * repacked on the heap), else from the node's own weight tensor.
     */
    public static PackedModelWeights pack(Graph g, Backend backend, Map<String, SavedWeights> saved) {
        Map<String, PackedWeights> packed = new LinkedHashMap<>();
        List<Node> nodes = new ArrayList<>(g.nodes().size());
        for (Node n : g.nodes()) {
            if (!packs(n)) { nodes.add(n); continue; }
            int[] shape = weightShape(n);
            SavedWeights s = saved.get(n.name());
            PackedWeights pw;
            try {
                if (s != null) pw = adopt(n, shape, s, backend);
                else pw = pack(n, shape, n.param("weight").data(), backend);
            } catch (IllegalArgumentException e) {
                throw new PlanException(n.name() + ": " + e.getMessage(), e);
            }
            packed.put(n.name(), pw);
            nodes.add(strip(n, shape));
        }
        return new PackedModelWeights(g.withNodes(nodes), Map.copyOf(packed));
    }

    /** Packs one node's raw weights (HWIO for conv, [in][out] for dense). */
    public static PackedWeights pack(Node n, int[] shape, float[] raw, Backend backend) {
        return n.op() == Op.DENSE ? backend.packDense(shape[0], shape[1], raw) : backend.packConv(packShape(n, shape), raw);
    }

    private static PackedWeights adopt(Node n, int[] shape, SavedWeights s, Backend backend) {
        boolean dense = n.op() == Op.DENSE;
        PackedWeights pw = dense ? backend.adoptDense(shape[0], shape[1], s.layout(), s.data())
                : backend.adoptConv(packShape(n, shape), s.layout(), s.data());
        return pw != null ? pw : pack(n, shape, unpack(n, shape, s), backend);
    }

    /** The raw weights (HWIO, or [in][out] for dense) back from a saved layout. */
    public static float[] unpack(Node n, int[] shape, SavedWeights s) {
        return PackedLayouts.unpack(s.layout(), packShape(n, shape), s.data());
    }

    /**
     * The shape weights are packed for: the kernel, channels and groups of the node, on the
     * smallest input that fits (packing does not depend on batch, image size or stride). Dense
     * {@code [in][out]} weights are a 1x1 convolution.
     */
    public static ConvShape packShape(Node n, int[] w) {
        if (n.op() == Op.DENSE) {
            if (w.length != 2) throw new PlanException(n.name() + ": dense weight must be rank 2, got " + java.util.Arrays.toString(w));
            return PackedLayouts.denseShape(1, w[0], w[1]);
        }
        if (w.length != 4) throw new PlanException(n.name() + ": conv weight must be HWIO rank 4, got " + java.util.Arrays.toString(w));
        Attrs a = n.attrs();
        int[] d = a.getInts("dilations", 1, 1);
        int groups = a.getInt("groups", 1);
        try {
            return new ConvShape(1, d[0] * (w[0] - 1) + 1, d[1] * (w[1] - 1) + 1, w[2] * groups, w[3], w[0], w[1], 1, 1,
                    d[0], d[1], 0, 0, 0, 0, groups);
        } catch (IllegalArgumentException e) {
            throw new PlanException(n.name() + ": " + e.getMessage());
        }
    }

    /** The weight's shape, from the tensor or, once stripped, from {@value #WEIGHT_SHAPE}. */
    public static int[] weightShape(Node n) {
        Tensor w = n.param("weight");
        if (w != null) return w.shape();
        if (n.attrs().has(WEIGHT_SHAPE)) return n.attrs().getInts(WEIGHT_SHAPE);
        throw new PlanException(n.name() + ": missing weight");
    }

    /** The node without its weight tensor, the shape kept as an attribute. */
    public static Node strip(Node n, int[] shape) {
        Map<String, Tensor> params = new LinkedHashMap<>(n.params());
        params.remove("weight");
        return new Node(n.name(), n.op(), n.inputs(), n.outputs(), n.attrs().copy().set(WEIGHT_SHAPE, shape), params);
    }

    /** Bytes of packed weights held (heap or mapped). */
    public long bytes() {
        long b = 0;
        for (PackedWeights p : packed.values()) b += p.segment().byteSize();
        return b;
    }
}
