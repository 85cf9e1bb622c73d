package dev.mien.engine.runtime;

import dev.mien.engine.ir.Node;
import dev.mien.engine.ir.Op;

import java.util.Arrays;

/** Data movement: concat, slice, reshape, transpose, pad, crop, channel shuffle. */
final class LayoutLowering {
    private LayoutLowering() {}

    /** RESHAPE, FLATTEN and IDENTITY change only the shape: the output aliases the input. */
    static final class View implements Lowering {
        @Override public boolean aliasesInput(Node n) { return true; }

        @Override public int[][] outputShapes(Node n, int[][] in) {
            int[] x = in[0];
            long per = Shapes.size(x) / Math.max(1, x[0]);
            if (n.op() == Op.IDENTITY) return new int[][]{x.clone()};
            if (n.op() == Op.FLATTEN) return new int[][]{{x[0], (int) per}};
            int[] t = n.attrs().getInts("shape");
            int[] out = new int[t.length + 1];
            out[0] = x[0];
            int unknown = -1;
            long known = 1;
            for (int i = 0; i < t.length; i++) {
                if (t[i] == -1) {
                    if (unknown >= 0) throw new PlanException(n.name() + ": more than one -1 in reshape " + Arrays.toString(t));
                    unknown = i;
                } else { out[i + 1] = t[i]; known *= t[i]; }
            }
            if (unknown >= 0) {
                if (known == 0 || per % known != 0) throw new PlanException(n.name() + ": cannot reshape " + Shapes.str(x) + " to " + Arrays.toString(t));
                out[unknown + 1] = (int) (per / known);
            } else if (known != per) {
                throw new PlanException(n.name() + ": cannot reshape " + Shapes.str(x) + " to " + Arrays.toString(t));
            }
            return new int[][]{out};
        }

        /** Never called: the planner emits no step for a view. */
        @Override public Step lower(Node n, int[][] in, int[][] out, int[] inS, int[] outS, LoweringContext ctx) {
            return b -> { };
        }
    }

    static final class Concat implements Lowering {
        @Override public int[][] outputShapes(Node n, int[][] in) {
            int r = in[0].length, ax = Shapes.axis(n.attrs().getInt("axis", -1), r);
            int[] o = in[0].clone();
            o[ax] = 0;
            for (int[] s : in) {
                if (s.length != r) throw new PlanException(n.name() + ": concat of different ranks");
                for (int i = 0; i < r; i++)
                    if (i != ax && s[i] != o[i]) throw new PlanException(n.name() + ": concat shapes " + Shapes.str(in[0]) + " and " + Shapes.str(s) + " differ off axis " + ax);
                o[ax] += s[ax];
            }
            return new int[][]{o};
        }

        @Override public Step lower(Node n, int[][] in, int[][] out, int[] inS, int[] outS, LoweringContext ctx) {
            int ax = Shapes.axis(n.attrs().getInt("axis", -1), in[0].length);
            int outer = Shapes.outer(out[0], ax), inner = Shapes.inner(out[0], ax);
            int k = in.length;
            int[] chunk = new int[k];
            for (int i = 0; i < k; i++) chunk[i] = in[i][ax] * inner;
            int outRow = out[0][ax] * inner, y = outS[0];
            return b -> {
                float[] dst = b.slots[y];
                for (int i = 0, off = 0; i < k; off += chunk[i], i++) {
                    float[] src = b.slots[inS[i]];
                    int c = chunk[i];
                    for (int o = 0; o < outer; o++) System.arraycopy(src, o * c, dst, o * outRow + off, c);
                }
            };
        }
    }

    static final class Slice implements Lowering {
        @Override public int[][] outputShapes(Node n, int[][] in) {
            int[] x = in[0];
            int ax = Shapes.axis(n.attrs().getInt("axis"), x.length);
            if (ax == 0) throw new PlanException(n.name() + ": slicing the batch axis is not supported");
            int start = n.attrs().getInt("start"), end = n.attrs().getInt("end");
            if (start < 0 || end > x[ax] || start >= end)
                throw new PlanException(n.name() + ": slice [" + start + ":" + end + "] out of range for axis size " + x[ax]);
            int[] o = x.clone();
            o[ax] = end - start;
            return new int[][]{o};
        }

        @Override public Step lower(Node n, int[][] in, int[][] out, int[] inS, int[] outS, LoweringContext ctx) {
            int ax = Shapes.axis(n.attrs().getInt("axis"), in[0].length);
            int start = n.attrs().getInt("start");
            int outer = Shapes.outer(in[0], ax), inner = Shapes.inner(in[0], ax);
            int inRow = in[0][ax] * inner, outRow = out[0][ax] * inner, skip = start * inner;
            int x = inS[0], y = outS[0];
            return b -> {
                float[] src = b.slots[x], dst = b.slots[y];
                for (int o = 0; o < outer; o++) System.arraycopy(src, o * inRow + skip, dst, o * outRow, outRow);
            };
        }
    }

    static final class Transpose implements Lowering {
        @Override public int[][] outputShapes(Node n, int[][] in) {
            int[] p = n.attrs().getInts("perm");
            int[] x = in[0];
            if (p.length != x.length || p[0] != 0) throw new PlanException(n.name() + ": bad perm " + Arrays.toString(p) + " for " + Shapes.str(x));
            boolean[] seen = new boolean[p.length];
            int[] o = new int[p.length];
            for (int i = 0; i < p.length; i++) {
                if (p[i] < 0 || p[i] >= p.length || seen[p[i]]) throw new PlanException(n.name() + ": bad perm " + Arrays.toString(p));
                seen[p[i]] = true;
                o[i] = x[p[i]];
            }
            return new int[][]{o};
        }

        @Override public Step lower(Node n, int[][] in, int[][] out, int[] inS, int[] outS, LoweringContext ctx) {
            int[] p = n.attrs().getInts("perm"), o = out[0];
            int r = p.length;
            int[] inStride = dev.mien.engine.Tensor.strides(in[0]);
            int[] stride = new int[r];
            for (int i = 0; i < r; i++) stride[i] = inStride[p[i]];
            int len = Shapes.isize(o), x = inS[0], y = outS[0];
            return b -> {
                float[] src = b.slots[x], dst = b.slots[y];
                int[] idx = new int[r];
                int srcOff = 0;
                for (int i = 0; i < len; i++) {
                    dst[i] = src[srcOff];
                    for (int d = r - 1; d >= 0; d--) {
                        srcOff += stride[d];
                        if (++idx[d] < o[d]) break;
                        srcOff -= stride[d] * o[d];
                        idx[d] = 0;
                    }
                }
            };
        }
    }

    /** PAD (zeros) and CROP on the two spatial axes of NHWC. */
    static final class PadCrop implements Lowering {
        static int[] amounts(Node n) {
            int[] p = n.op() == Op.PAD ? n.attrs().getInts("pads") : n.attrs().getInts("crops");
            if (p.length != 4) throw new PlanException(n.name() + ": expected 4 values top,left,bottom,right");
            int sign = n.op() == Op.PAD ? 1 : -1;
            return new int[]{sign * p[0], sign * p[1], sign * p[2], sign * p[3]};
        }

        @Override public int[][] outputShapes(Node n, int[][] in) {
            int[] x = in[0];
            Shapes.requireRank(n.name(), x, 4);
            int[] p = amounts(n);
            int[] o = {x[0], x[1] + p[0] + p[2], x[2] + p[1] + p[3], x[3]};
            if (o[1] < 1 || o[2] < 1) throw new PlanException(n.name() + ": result would be empty " + Shapes.str(o));
            return new int[][]{o};
        }

        @Override public Step lower(Node n, int[][] in, int[][] out, int[] inS, int[] outS, LoweringContext ctx) {
            int[] x = in[0], o = out[0], p = amounts(n);
            int c = x[3], x0 = inS[0], y = outS[0];
            return b -> {
                float[] src = b.slots[x0], dst = b.slots[y];
                Arrays.fill(dst, 0, Shapes.isize(o), 0f);
                for (int bi = 0; bi < o[0]; bi++)
                    for (int oh = 0; oh < o[1]; oh++) {
                        int ih = oh - p[0];
                        if (ih < 0 || ih >= x[1]) continue;
                        int ow0 = Math.max(0, p[1]), ow1 = Math.min(o[2], x[2] + p[1]);
                        if (ow1 <= ow0) continue;
                        int iw0 = ow0 - p[1];
                        System.arraycopy(src, ((bi * x[1] + ih) * x[2] + iw0) * c,
                                dst, ((bi * o[1] + oh) * o[2] + ow0) * c, (ow1 - ow0) * c);
                    }
            };
        }
    }

    /** Keras ChannelShuffle: view the channels as (g, C/g), transpose to (C/g, g). */
    static final class ChannelShuffle implements Lowering {
        @Override public int[][] outputShapes(Node n, int[][] in) {
            int g = n.attrs().getInt("groups");
            int c = Shapes.last(in[0]);
            if (g < 1 || c % g != 0) throw new PlanException(n.name() + ": " + c + " channels not divisible by " + g + " groups");
            return ElementwiseLowering.same(in);
        }

        @Override public Step lower(Node n, int[][] in, int[][] out, int[] inS, int[] outS, LoweringContext ctx) {
            int g = n.attrs().getInt("groups"), c = Shapes.last(in[0]), per = c / g, rows = Shapes.rowsExceptLast(in[0]);
            int x = inS[0], y = outS[0];
            return b -> {
                float[] src = b.slots[x], dst = b.slots[y];
                for (int r = 0, base = 0; r < rows; r++, base += c)
                    for (int gi = 0; gi < g; gi++)
                        for (int j = 0; j < per; j++) dst[base + j * g + gi] = src[base + gi * per + j];
            };
        }
    }
}
