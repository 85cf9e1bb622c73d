package dev.mien.ort;

import dev.mien.engine.Session;
import dev.mien.engine.ir.Graph;
import dev.mien.engine.ir.Node;
import dev.mien.engine.ir.Op;
import dev.mien.engine.ops.OpDefinition;
import dev.mien.engine.ops.OpDefinitions;
import dev.mien.engine.runtime.Plan;
import dev.mien.kernels.ConvShape;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Mien's per-convolution times from its step profiler ({@link Session#runProfiled}), with each convolution's class. */
public final class MienConvTimes {
    private MienConvTimes() {}

    /** One convolution step: its class, its multiply-accumulates and its mean time per run. */
    public record StepTime(String name, ConvClass cls, long macs, double meanMs) {}

    /** The convolution steps, and the mean time of a whole profiled run. */
    public record Measured(List<StepTime> convs, double runMs) {}

    /** Every convolution step's mean time over {@code runs} profiled runs of {@code s}. */
    public static Measured measure(Graph g, Session s, int runs) {
        Plan plan = s.plan();
        long[] ns = new long[plan.stepCount()];
        for (int i = 0; i < runs; i++) s.runProfiled(ns);
        Map<String, Node> nodes = new HashMap<>();
        for (Node n : g.nodes()) nodes.put(n.name(), n);
        List<StepTime> result = new ArrayList<>();
        for (int i = 0; i < ns.length; i++) {
            Node n = nodes.get(plan.stepNames().get(i));
            if (n == null || (n.op() != Op.CONV2D && n.op() != Op.CONV_TRANSPOSE2D)) continue;
            result.add(new StepTime(n.name(), classOf(n, plan), plan.stepMacs(i), ns[i] / 1e6 / runs));
        }
        return new Measured(result, java.util.Arrays.stream(ns).sum() / 1e6 / runs);
    }

    static ConvClass classOf(Node n, Plan plan) {
        int[] x = plan.shape(n.inputs().get(0)), y = plan.shape(n.output());
        if (n.op() == Op.CONV2D) {
            ConvShape c = OpDefinitions.convShape(n, x);
            boolean dw = c.groups() > 1 && c.groups() == c.inC() && c.outC() == c.inC();
            return new ConvClass(c.kH(), c.kW(), c.strideH(), c.dilH(), c.inH(), c.inW(), y[1], y[2], c.inC(), c.outC(), dw, false, c.n());
        }
        // CONV_TRANSPOSE2D: weight [kH,kW,Cout,Cin], from the param or, once packed, the kept shape.
        int[] w = n.param("weight") != null ? n.param("weight").shape() : n.attrs().getInts(OpDefinition.WEIGHT_SHAPE);
        int stride = n.attrs().getInts("strides", 1, 1)[0];
        return new ConvClass(w[0], w[1], stride, 1, x[1], x[2], y[1], y[2], x[3], y[3], false, true, x[0]);
    }
}
