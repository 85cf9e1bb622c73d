package dev.mien.engine;

import dev.mien.engine.ir.Attrs;
import dev.mien.engine.ir.Graph;
import dev.mien.engine.ir.Node;
import dev.mien.engine.ir.Op;
import dev.mien.engine.ir.ValueInfo;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Terse construction of small test graphs with seeded random weights. */
public final class GraphBuilder {
    private final List<ValueInfo> inputs = new ArrayList<>();
    private final List<Node> nodes = new ArrayList<>();
    private final Random rnd;
    private int counter;

    public GraphBuilder(long seed) { rnd = new Random(seed); }

    public String input(String name, int... sampleShape) {
        inputs.add(new ValueInfo(name, sampleShape, "NHWC"));
        return name;
    }

    public String node(Op op, List<String> ins, Attrs attrs, Map<String, Tensor> params) {
        String name = op.name().toLowerCase() + "_" + (counter++);
        nodes.add(Node.of(name, op, ins, attrs, params));
        return name;
    }

    public String node(Op op, String in, Attrs attrs) { return node(op, List.of(in), attrs, null); }

    public Tensor random(int... shape) {
        float[] d = new float[(int) Tensor.sizeOf(shape)];
        for (int i = 0; i < d.length; i++) d[i] = (float) rnd.nextGaussian() * 0.5f;
        return new Tensor(shape, d);
    }

    public Tensor positive(int... shape) {
        float[] d = new float[(int) Tensor.sizeOf(shape)];
        for (int i = 0; i < d.length; i++) d[i] = 0.5f + rnd.nextFloat();
        return new Tensor(shape, d);
    }

    public String conv(String x, int cin, int cout, int k, int stride, int pad, int groups, String act, boolean bias) {
        Map<String, Tensor> p = new LinkedHashMap<>();
        p.put("weight", random(k, k, cin / groups, cout));
        if (bias) p.put("bias", random(cout));
        Attrs a = new Attrs().set("strides", new int[]{stride, stride}).set("pads", new int[]{pad, pad, pad, pad})
                .set("groups", groups).set("activation", act);
        return node(Op.CONV2D, List.of(x), a, p);
    }

    public String batchNorm(String x, int c) {
        Map<String, Tensor> p = new LinkedHashMap<>();
        p.put("gamma", positive(c));
        p.put("beta", random(c));
        p.put("mean", random(c));
        p.put("var", positive(c));
        return node(Op.BATCH_NORM, List.of(x), new Attrs().set("epsilon", 1e-3f), p);
    }

    public String act(String x, String act) { return node(Op.ACTIVATION, x, new Attrs().set("activation", act)); }

    public Graph build(String... outputs) { return new Graph(inputs, nodes, List.of(outputs), Map.of()); }
}
