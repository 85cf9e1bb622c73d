package dev.mien.engine.runtime;

import dev.mien.engine.GraphBuilder;
import dev.mien.engine.Model;
import dev.mien.engine.Tensor;
import dev.mien.engine.ir.Attrs;
import dev.mien.engine.ir.Graph;
import dev.mien.engine.ir.Node;
import dev.mien.engine.ir.Op;
import dev.mien.kernels.ResizeAxis;
import dev.mien.kernels.KernelRegistry;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static dev.mien.engine.Assertions2.assertClose;
import static org.junit.jupiter.api.Assertions.*;

/** Each op's lowering against a direct computation written here, independent of the kernels. */
class OpsTest {
    static Tensor run(Graph g, Tensor x) { return run(g, x, RunOptions.DEFAULT); }

    static Tensor run(Graph g, Tensor x, RunOptions o) {
        Model m = new Model(g, KernelRegistry.create("scalar", 1));
        return m.run(Map.of(g.inputs().get(0).name(), x), o).get(g.outputs().get(0));
    }

    static float at(Tensor t, int... idx) {
        int[] s = Tensor.strides(t.shape());
        int o = 0;
        for (int i = 0; i < idx.length; i++) o += idx[i] * s[i];
        return t.data()[o];
    }

    @Test
    void convWithAsymmetricPaddingStrideAndDilation() {
        GraphBuilder b = new GraphBuilder(10);
        String x = b.input("x", 7, 6, 3);
        Tensor w = b.random(3, 2, 3, 4), bias = b.random(4);
        Map<String, Tensor> p = new LinkedHashMap<>();
        p.put("weight", w);
        p.put("bias", bias);
        int[] pads = {0, 1, 2, 1};
        String y = b.node(Op.CONV2D, List.of(x), new Attrs().set("strides", new int[]{2, 1}).set("dilations", new int[]{1, 2})
                .set("pads", pads).set("activation", "relu"), p);
        Tensor in = b.random(2, 7, 6, 3);
        Tensor out = run(b.build(y), in);
        int oh = (7 + 0 + 2 - 3) / 2 + 1, ow = (6 + 1 + 1 - 3) / 1 + 1;
        assertArrayEquals(new int[]{2, oh, ow, 4}, out.shape());
        float[] exp = new float[out.size()];
        int k = 0;
        for (int n = 0; n < 2; n++) for (int i = 0; i < oh; i++) for (int j = 0; j < ow; j++) for (int co = 0; co < 4; co++) {
            double s = bias.data()[co];
            for (int kh = 0; kh < 3; kh++) for (int kw = 0; kw < 2; kw++) {
                int ih = i * 2 + kh - pads[0], iw = j + kw * 2 - pads[1];
                if (ih < 0 || ih >= 7 || iw < 0 || iw >= 6) continue;
                for (int ci = 0; ci < 3; ci++) s += at(in, n, ih, iw, ci) * at(w, kh, kw, ci, co);
            }
            exp[k++] = (float) Math.max(0, s);
        }
        assertClose(new Tensor(out.shape(), exp), out, 1e-5f, 1e-5f, "conv");
    }

    @Test
    void transposedConvOutputSizeAndValues() {
        GraphBuilder b = new GraphBuilder(11);
        String x = b.input("x", 3, 3, 2);
        Tensor w = b.random(3, 3, 4, 2);
        Map<String, Tensor> p = Map.of("weight", w);
        // Keras 'same', stride 2, k 3: output 6, crop top/left 0 and bottom/right 1.
        String y = b.node(Op.CONV_TRANSPOSE2D, List.of(x), new Attrs().set("strides", new int[]{2, 2}).set("pads", new int[]{0, 0, 1, 1}), p);
        Tensor in = b.random(1, 3, 3, 2);
        Tensor out = run(b.build(y), in);
        assertArrayEquals(new int[]{1, 6, 6, 4}, out.shape());
        float[] full = new float[7 * 7 * 4];
        for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) for (int kh = 0; kh < 3; kh++) for (int kw = 0; kw < 3; kw++)
            for (int co = 0; co < 4; co++) for (int ci = 0; ci < 2; ci++)
                full[((i * 2 + kh) * 7 + j * 2 + kw) * 4 + co] += at(in, 0, i, j, ci) * at(w, kh, kw, co, ci);
        float[] exp = new float[6 * 6 * 4];
        for (int i = 0; i < 6; i++) for (int j = 0; j < 6; j++) for (int c = 0; c < 4; c++) exp[(i * 6 + j) * 4 + c] = full[(i * 7 + j) * 4 + c];
        assertClose(new Tensor(out.shape(), exp), out, 1e-5f, 1e-5f, "conv transpose");
    }

    @Test
    void concatSliceTransposePadCrop() {
        GraphBuilder b = new GraphBuilder(12);
        String x = b.input("x", 4, 5, 3);
        String s1 = b.node(Op.SLICE, x, new Attrs().set("axis", 2).set("start", 1).set("end", 4));
        String s2 = b.node(Op.SLICE, x, new Attrs().set("axis", -1).set("start", 0).set("end", 2));
        String t = b.node(Op.TRANSPOSE, s1, new Attrs().set("perm", new int[]{0, 2, 1, 3})); // [N,3,4,3]
        String pd = b.node(Op.PAD, t, new Attrs().set("pads", new int[]{1, 0, 0, 2}));      // [N,4,6,3]
        String cr = b.node(Op.CROP, pd, new Attrs().set("crops", new int[]{0, 1, 0, 1}));    // [N,4,4,3]
        String cat = b.node(Op.CONCAT, List.of(cr, s2), new Attrs().set("axis", -1), null); // s2 [N,4,5,2]: mismatch on W
        Tensor in = b.random(2, 4, 5, 3);
        assertThrows(PlanException.class, () -> run(b.build(cat), in));

        GraphBuilder b2 = new GraphBuilder(12);
        String x2 = b2.input("x", 4, 5, 3);
        String a = b2.node(Op.SLICE, x2, new Attrs().set("axis", -1).set("start", 1).set("end", 3));
        String c2 = b2.node(Op.CONCAT, List.of(x2, a), new Attrs().set("axis", 3), null);
        String tt = b2.node(Op.TRANSPOSE, c2, new Attrs().set("perm", new int[]{0, 2, 1, 3}));
        String p2 = b2.node(Op.PAD, tt, new Attrs().set("pads", new int[]{1, 0, 0, 2}));
        String cr2 = b2.node(Op.CROP, p2, new Attrs().set("crops", new int[]{0, 1, 1, 1}));
        Tensor out = run(b2.build(cr2), in);
        // concat -> [N,4,5,5]; transpose -> [N,5,4,5]; pad -> [N,6,6,5]; crop -> [N,5,4,5]
        assertArrayEquals(new int[]{2, 5, 4, 5}, out.shape());
        for (int n = 0; n < 2; n++) for (int i = 0; i < 5; i++) for (int j = 0; j < 4; j++) for (int c = 0; c < 5; c++) {
            int pi = i, pj = j + 1;              // position in the padded map
            int ti = pi - 1, tj = pj;            // position in the transposed map
            float e = 0f;
            if (ti >= 0 && ti < 5 && tj < 4) {
                int h = tj, w = ti;              // transposed back
                e = c < 3 ? at(in, n, h, w, c) : at(in, n, h, w, c - 3 + 1);
            }
            assertEquals(e, at(out, n, i, j, c), 0f, "at " + n + "," + i + "," + j + "," + c);
        }
    }

    @Test
    void poolsWithCeilModeAndPadding() {
        GraphBuilder b = new GraphBuilder(13);
        String x = b.input("x", 5, 5, 2);
        String mp = b.node(Op.MAX_POOL2D, x, new Attrs().set("kernel", new int[]{3, 3}).set("strides", new int[]{2, 2})
                .set("pads", new int[]{1, 1, 1, 1}));
        String ap = b.node(Op.AVG_POOL2D, x, new Attrs().set("kernel", new int[]{2, 2}).set("strides", new int[]{2, 2})
                .set("ceil_mode", true).set("count_include_pad", false));
        String cat = b.node(Op.CONCAT, List.of(mp, ap), new Attrs().set("axis", -1), null);
        Tensor in = b.random(1, 5, 5, 2);
        Tensor out = run(b.build(cat), in);
        assertArrayEquals(new int[]{1, 3, 3, 4}, out.shape());
        for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) for (int c = 0; c < 2; c++) {
            float mx = Float.NEGATIVE_INFINITY;
            for (int di = -1; di <= 1; di++) for (int dj = -1; dj <= 1; dj++) {
                int h = 2 * i + di, w = 2 * j + dj;
                if (h >= 0 && h < 5 && w >= 0 && w < 5) mx = Math.max(mx, at(in, 0, h, w, c));
            }
            assertEquals(mx, at(out, 0, i, j, c), 0f);
            double s = 0;
            int cnt = 0;
            for (int di = 0; di < 2; di++) for (int dj = 0; dj < 2; dj++) {
                int h = 2 * i + di, w = 2 * j + dj;
                if (h < 5 && w < 5) { s += at(in, 0, h, w, c); cnt++; }
            }
            assertEquals(s / cnt, at(out, 0, i, j, 2 + c), 1e-6);
        }
    }

    @Test
    void reduceChannelShufflePwfs() {
        GraphBuilder b = new GraphBuilder(14);
        String x = b.input("x", 3, 2, 6);
        String mean = b.node(Op.REDUCE, x, new Attrs().set("op", "mean").set("axes", new int[]{1, 2}).set("keepdims", true));
        String mx = b.node(Op.REDUCE, x, new Attrs().set("op", "max").set("axes", new int[]{-1}).set("keepdims", true));
        String sh = b.node(Op.CHANNEL_SHUFFLE, x, new Attrs().set("groups", 2));
        String pw = b.node(Op.PWFS, x, new Attrs());
        Tensor in = b.random(2, 3, 2, 6);
        Tensor m = run(b.build(mean), in), r = run(b.build(mx), in), s = run(b.build(sh), in), p = run(b.build(pw), in);
        assertArrayEquals(new int[]{2, 1, 1, 6}, m.shape());
        assertArrayEquals(new int[]{2, 3, 2, 1}, r.shape());
        assertArrayEquals(new int[]{2, 3, 2, 2}, p.shape());
        for (int n = 0; n < 2; n++) for (int c = 0; c < 6; c++) {
            double acc = 0;
            for (int i = 0; i < 3; i++) for (int j = 0; j < 2; j++) acc += at(in, n, i, j, c);
            assertEquals(acc / 6, at(m, n, 0, 0, c), 1e-6);
        }
        for (int n = 0; n < 2; n++) for (int i = 0; i < 3; i++) for (int j = 0; j < 2; j++) {
            float best = Float.NEGATIVE_INFINITY;
            for (int c = 0; c < 6; c++) best = Math.max(best, at(in, n, i, j, c));
            assertEquals(best, at(r, n, i, j, 0));
            // shuffle with 2 groups of 3: output channel j*2+g holds input channel g*3+j
            for (int g = 0; g < 2; g++) for (int k = 0; k < 3; k++) assertEquals(at(in, n, i, j, g * 3 + k), at(s, n, i, j, k * 2 + g));
            for (int c = 0; c < 2; c++) {
                float[] v = {at(in, n, i, j, c), at(in, n, i, j, c + 2), at(in, n, i, j, c + 4)};
                java.util.Arrays.sort(v);
                assertEquals(0.5f * (v[2] + v[1]), at(p, n, i, j, c), 1e-6f);
            }
        }
    }

    @Test
    void bilinearResizeHalfPixelMatchesTensorFlowFormula() {
        GraphBuilder b = new GraphBuilder(15);
        String x = b.input("x", 3, 4, 1);
        String y = b.node(Op.RESIZE, x, new Attrs().set("size", new int[]{5, 7}).set("mode", "bilinear").set("coord", "half_pixel"));
        Tensor in = b.random(1, 3, 4, 1);
        Tensor out = run(b.build(y), in);
        for (int i = 0; i < 5; i++) for (int j = 0; j < 7; j++) {
            double sy = (i + 0.5) * 3 / 5.0 - 0.5, sx = (j + 0.5) * 4 / 7.0 - 0.5;
            int y0 = (int) Math.floor(sy), x0 = (int) Math.floor(sx);
            double fy = sy - y0, fx = sx - x0;
            int ya = Math.max(y0, 0), yb = Math.min(y0 + 1, 2), xa = Math.max(x0, 0), xb = Math.min(x0 + 1, 3);
            double top = at(in, 0, ya, xa, 0) * (1 - fx) + at(in, 0, ya, xb, 0) * fx;
            double bot = at(in, 0, yb, xa, 0) * (1 - fx) + at(in, 0, yb, xb, 0) * fx;
            assertEquals(top * (1 - fy) + bot * fy, at(out, 0, i, j, 0), 1e-5);
        }
    }

    @Test
    void resizeOfBatchesAndChannelsUpAndDownInEveryMode() {
        // Every output value from its four corners, as the reference implementations compute it
        // (double precision): the separable implementation must give the same bits.
        for (String coord : List.of("half_pixel", "align_corners", "asymmetric"))
            for (String mode : List.of("bilinear", "nearest"))
                for (int[] size : new int[][]{{7, 13}, {4, 3}, {9, 2}}) {
                    GraphBuilder b = new GraphBuilder(17);
                    String x = b.input("x", 5, 6, 3);
                    String y = b.node(Op.RESIZE, x, new Attrs().set("size", size).set("mode", mode).set("coord", coord));
                    Tensor in = b.random(2, 5, 6, 3);
                    Tensor out = run(b.build(y), in);
                    ResizeAxis ys = ResizeAxis.of(5, size[0], coord, mode.equals("bilinear"));
                    ResizeAxis xs = ResizeAxis.of(6, size[1], coord, mode.equals("bilinear"));
                    for (int n = 0; n < 2; n++) for (int i = 0; i < size[0]; i++) for (int j = 0; j < size[1]; j++) for (int ch = 0; ch < 3; ch++) {
                        double tl = at(in, n, ys.lo()[i], xs.lo()[j], ch), tr = at(in, n, ys.lo()[i], xs.hi()[j], ch);
                        double bl = at(in, n, ys.hi()[i], xs.lo()[j], ch), br = at(in, n, ys.hi()[i], xs.hi()[j], ch);
                        double top = tl + (tr - tl) * xs.frac()[j], bot = bl + (br - bl) * xs.frac()[j];
                        float want = mode.equals("bilinear") ? (float) (top + (bot - top) * ys.frac()[i]) : (float) tl;
                        assertEquals(want, at(out, n, i, j, ch), 0f, coord + " " + mode + " " + Arrays.toString(size) + " at " + n + "," + i + "," + j + "," + ch);
                    }
                }
    }

    @Test
    void attentionPerImageAndBatchCoupled() {
        GraphBuilder b = new GraphBuilder(16);
        String x = b.input("x", 5);
        Map<String, Tensor> p = Map.of("scale", new Tensor(new int[]{1}, new float[]{0.7f}));
        String y = b.node(Op.ATTENTION, List.of(x, x), null, p);
        Graph g = b.build(y);
        Tensor in = b.random(3, 5);
        assertClose(in, run(g, in), 0f, 0f, "per-image attention is the identity");
        Tensor coupled = run(g, in, RunOptions.DEFAULT.withBatchCoupledAttention(true));
        for (int i = 0; i < 3; i++) {
            double[] w = new double[3];
            double sum = 0;
            for (int j = 0; j < 3; j++) {
                double s = 0;
                for (int e = 0; e < 5; e++) s += at(in, i, e) * at(in, j, e);
                w[j] = Math.exp(0.7 * s);
                sum += w[j];
            }
            for (int e = 0; e < 5; e++) {
                double v = 0;
                for (int j = 0; j < 3; j++) v += w[j] / sum * at(in, j, e);
                assertEquals(v, at(coupled, i, e), 1e-5);
            }
        }
    }

    @Test
    void broadcastingBinaryAndAverageAndPrelu() {
        GraphBuilder b = new GraphBuilder(17);
        String x = b.input("x", 2, 3, 4);
        String gate = b.node(Op.GLOBAL_AVG_POOL, x, new Attrs().set("keepdims", true));
        String mul = b.node(Op.MUL, List.of(x, gate), null, null);
        String avg = b.node(Op.AVERAGE, List.of(x, mul, x), null, null);
        String pr = b.node(Op.PRELU, List.of(avg), null, Map.of("alpha", b.random(1, 1, 4)));
        Graph g = b.build(pr);
        Tensor in = b.random(2, 2, 3, 4);
        Tensor out = run(g, in);
        Node prelu = g.nodes().get(g.nodes().size() - 1);
        float[] alpha = prelu.param("alpha").data();
        for (int n = 0; n < 2; n++) for (int c = 0; c < 4; c++) {
            double m = 0;
            for (int i = 0; i < 2; i++) for (int j = 0; j < 3; j++) m += at(in, n, i, j, c);
            m /= 6;
            for (int i = 0; i < 2; i++) for (int j = 0; j < 3; j++) {
                double v = at(in, n, i, j, c);
                double a = (v + v * m + v) / 3;
                double e = a >= 0 ? a : alpha[c] * a;
                assertEquals(e, at(out, n, i, j, c), 1e-5);
            }
        }
    }
}
