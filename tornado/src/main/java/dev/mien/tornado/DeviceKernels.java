package dev.mien.tornado;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * The device kernels TornadoVM compiles (to OpenCL C or PTX): one work item per output value,
 * each computing it in the order the scalar reference ({@code dev.mien.kernels.ScalarBackend})
 * does, so results agree to fp32 rounding. Integer parameters come in one {@link IntArray} per
 * call (uploaded once with the weights; at most 20 task arguments); offsets into the host
 * arrays travel with them, so one device buffer serves every value a planned slot holds.
 *
 * <p>NaN rules are the reference's: clamps and max/min propagate NaN (written out, not with
 * OpenCL's fmax/fmin, which drop a NaN operand); -Inf and +Inf reach the kernels as arguments,
 * never as literals in the generated code.
 */
public final class DeviceKernels {
    private DeviceKernels() {}

    // Activation codes: Activation.ordinal().
    static final int NONE = 0, RELU = 1, RELU6 = 2, SIGMOID = 3, HARD_SIGMOID = 4, TANH = 5, ELU = 6, SWISH = 7, LEAKY_RELU = 8;
    // BinaryOp.ordinal().
    static final int ADD = 0, SUB = 1, MUL = 2, DIV = 3, MAX = 4, MIN = 5;
    // ReduceOp.ordinal().
    static final int R_SUM = 0, R_MEAN = 1, R_MAX = 2, R_MIN = 3;
    static final int MAX_RANK = 8;

    /** Java's Math.max: NaN if either is NaN. */
    static float jmax(float a, float b) {
        if (a != a) return a;
        if (b != b) return b;
        return a >= b ? a : b;
    }

    static float jmin(float a, float b) {
        if (a != a) return a;
        if (b != b) return b;
        return a <= b ? a : b;
    }

    static float act(float x, int kind, float alpha) {
        float r = x;
        if (kind == RELU) {
            r = x < 0f ? 0f : x;
        } else if (kind == RELU6) {
            r = x < 0f ? 0f : (x > 6f ? 6f : x);
        } else if (kind == SIGMOID) {
            r = 1f / (1f + TornadoMath.exp(-x));
        } else if (kind == HARD_SIGMOID) {
            float v = alpha * x + 0.5f;
            r = v < 0f ? 0f : (v > 1f ? 1f : v);
        } else if (kind == TANH) {
            r = TornadoMath.tanh(x);
        } else if (kind == ELU) {
            r = x > 0f ? x : alpha * (TornadoMath.exp(x) - 1f);
        } else if (kind == SWISH) {
            r = x / (1f + TornadoMath.exp(-x));
        } else if (kind == LEAKY_RELU) {
            r = x > 0f ? x : alpha * x;
        }
        return r;
    }

    static float binaryOp(int op, float a, float b) {
        float r;
        if (op == ADD) r = a + b;
        else if (op == SUB) r = a - b;
        else if (op == MUL) r = a * b;
        else if (op == DIV) r = a / b;
        else if (op == MAX) r = jmax(a, b);
        else r = jmin(a, b);
        return r;
    }

    /**
     * Reads and rewrites one value (times p[1] = 1): makes TornadoVM see the buffer as read, so that
     * a call run on its own gets the buffer's host contents before it writes part of it (a buffer
     * whose first use writes it is only allocated). p: 1, 1.
     */
    public static void keep(KernelContext ctx, IntArray p, FloatArray a) {
        if (ctx.globalIdx == 0) a.set(0, a.get(0) * p.get(1));
    }

    /**
     * Convolution with its fused epilogue (bias, residual, activation), any groups, stride,
     * dilation and padding: direct, pointwise, depthwise and dilated layers alike. HWIO weights.
     * p: total, n, inH, inW, inC, outC, kH, kW, sH, sW, dH, dW, padTop, padLeft, groups, outH, outW,
     * inOff, outOff, resOff, hasBias, hasRes, act.
     */
    public static void conv2d(KernelContext ctx, IntArray p, FloatArray in, FloatArray w, FloatArray bias, FloatArray res,
                              FloatArray out, float alpha) {
        int i = ctx.globalIdx;
        if (i < p.get(0)) {
            int inH = p.get(2), inW = p.get(3), inC = p.get(4), outC = p.get(5), kH = p.get(6), kW = p.get(7);
            int sH = p.get(8), sW = p.get(9), dH = p.get(10), dW = p.get(11), padT = p.get(12), padL = p.get(13), groups = p.get(14);
            int outH = p.get(15), outW = p.get(16), inOff = p.get(17);
            int co = i % outC;
            int t = i / outC;
            int x = t % outW;
            t = t / outW;
            int y = t % outH;
            int nb = t / outH;
            int cig = inC / groups;
            int g = co / (outC / groups);
            float acc = 0f;
            for (int kh = 0; kh < kH; kh++) {
                int iy = y * sH + kh * dH - padT;
                if (iy >= 0 && iy < inH) {
                    for (int kw = 0; kw < kW; kw++) {
                        int ix = x * sW + kw * dW - padL;
                        if (ix >= 0 && ix < inW) {
                            int ib = inOff + ((nb * inH + iy) * inW + ix) * inC + g * cig;
                            int wb = ((kh * kW + kw) * cig) * outC + co;
                            for (int ci = 0; ci < cig; ci++) acc += in.get(ib + ci) * w.get(wb + ci * outC);
                        }
                    }
                }
            }
            if (p.get(20) != 0) acc += bias.get(co);
            if (p.get(21) != 0) acc += res.get(p.get(19) + i);
            out.set(p.get(18) + i, act(acc, p.get(22), alpha));
        }
    }

    /**
     * Transposed convolution, weights [kH][kW][outC][inC], as a gather: each output value sums the
     * input pixels whose stride grid reaches it. p: total, inH, inW, inC, outC, kH, kW, sH, sW,
     * padTop, padLeft, outH, outW, inOff, outOff, hasBias, act.
     */
    public static void convTranspose2d(KernelContext ctx, IntArray p, FloatArray in, FloatArray w, FloatArray bias, FloatArray out,
                                       float alpha) {
        int i = ctx.globalIdx;
        if (i < p.get(0)) {
            int inH = p.get(1), inW = p.get(2), ic = p.get(3), oc = p.get(4), kH = p.get(5), kW = p.get(6);
            int sH = p.get(7), sW = p.get(8), padT = p.get(9), padL = p.get(10), outH = p.get(11), outW = p.get(12), inOff = p.get(13);
            int co = i % oc;
            int t = i / oc;
            int ox = t % outW;
            t = t / outW;
            int oy = t % outH;
            int nb = t / outH;
            float acc = 0f;
            for (int kh = 0; kh < kH; kh++) {
                int ty = oy + padT - kh;
                if (ty >= 0 && ty % sH == 0 && ty / sH < inH) {
                    int y = ty / sH;
                    for (int kw = 0; kw < kW; kw++) {
                        int tx = ox + padL - kw;
                        if (tx >= 0 && tx % sW == 0 && tx / sW < inW) {
                            int x = tx / sW;
                            int ib = inOff + ((nb * inH + y) * inW + x) * ic;
                            int wb = (kh * kW + kw) * oc * ic + co * ic;
                            for (int ci = 0; ci < ic; ci++) acc += in.get(ib + ci) * w.get(wb + ci);
                        }
                    }
                }
            }
            if (p.get(15) != 0) acc += bias.get(co);
            out.set(p.get(14) + i, act(acc, p.get(16), alpha));
        }
    }

    /**
     * Max or average pooling window; cells past the padded input never count.
     * p: total, inH, inW, c, kH, kW, sH, sW, padTop, padLeft, padBottom, padRight, outH, outW,
     * countIncludePad, isMax, inOff, outOff. {@code negInf}: -Inf, the max of an empty window.
     */
    public static void pool2d(KernelContext ctx, IntArray p, FloatArray in, FloatArray out, float negInf) {
        int i = ctx.globalIdx;
        if (i < p.get(0)) {
            int inH = p.get(1), inW = p.get(2), c = p.get(3), kH = p.get(4), kW = p.get(5), sH = p.get(6), sW = p.get(7);
            int padT = p.get(8), padL = p.get(9), padB = p.get(10), padR = p.get(11), outH = p.get(12), outW = p.get(13);
            int isMax = p.get(15), inOff = p.get(16);
            int ch = i % c;
            int t = i / c;
            int x = t % outW;
            t = t / outW;
            int y = t % outH;
            int nb = t / outH;
            int y0 = y * sH - padT;
            int x0 = x * sW - padL;
            int y1 = Math.min(y0 + kH, inH + padB);
            int x1 = Math.min(x0 + kW, inW + padR);
            int ya = Math.max(y0, 0);
            int xa = Math.max(x0, 0);
            int yb = Math.min(y1, inH);
            int xb = Math.min(x1, inW);
            int count = p.get(14) != 0 ? (y1 - y0) * (x1 - x0) : (yb - ya) * (xb - xa);
            float acc = isMax != 0 ? negInf : 0f;
            for (int iy = ya; iy < yb; iy++) {
                for (int ix = xa; ix < xb; ix++) {
                    float v = in.get(inOff + ((nb * inH + iy) * inW + ix) * c + ch);
                    if (isMax != 0) acc = jmax(acc, v);
                    else acc = acc + v;
                }
            }
            float r = acc;
            if (isMax == 0) r = acc / Math.max(count, 1);
            out.set(p.get(17) + i, r);
        }
    }

    /** Global average or max over the pixels of each (image, channel). p: total, n, hw, c, isMax, inOff, outOff. */
    public static void globalPool(KernelContext ctx, IntArray p, FloatArray in, FloatArray out, float negInf) {
        int i = ctx.globalIdx;
        if (i < p.get(0)) {
            int hw = p.get(2), c = p.get(3), isMax = p.get(4), inOff = p.get(5);
            int ch = i % c;
            int b = i / c;
            float acc = isMax != 0 ? negInf : 0f;
            for (int q = 0; q < hw; q++) {
                float v = in.get(inOff + (b * hw + q) * c + ch);
                if (isMax != 0) acc = jmax(acc, v);
                else acc = acc + v;
            }
            float r = acc;
            if (isMax == 0) r = acc / hw;
            out.set(p.get(6) + i, r);
        }
    }

    /** {@code y = act(x . W + bias)}, W [in][out]. p: total, rows, in, out, xOff, yOff, hasBias, act. */
    public static void dense(KernelContext ctx, IntArray p, FloatArray x, FloatArray w, FloatArray bias, FloatArray y, float alpha) {
        int i = ctx.globalIdx;
        if (i < p.get(0)) {
            int in = p.get(2), out = p.get(3), xOff = p.get(4);
            int o = i % out;
            int r = i / out;
            float acc = 0f;
            for (int k = 0; k < in; k++) acc += x.get(xOff + r * in + k) * w.get(k * out + o);
            if (p.get(6) != 0) acc += bias.get(o);
            y.set(p.get(5) + i, act(acc, p.get(7), alpha));
        }
    }

    /** p: total, xOff, yOff, act. */
    public static void activation(KernelContext ctx, IntArray p, FloatArray x, FloatArray y, float alpha) {
        int i = ctx.globalIdx;
        if (i < p.get(0)) y.set(p.get(2) + i, act(x.get(p.get(1) + i), p.get(3), alpha));
    }

    /** Per-channel affine then activation. p: total, c, xOff, yOff, act. */
    public static void scaleShift(KernelContext ctx, IntArray p, FloatArray x, FloatArray scale, FloatArray shift, FloatArray y, float alpha) {
        int i = ctx.globalIdx;
        if (i < p.get(0)) {
            int ch = i % p.get(1);
            y.set(p.get(3) + i, act(x.get(p.get(2) + i) * scale.get(ch) + shift.get(ch), p.get(4), alpha));
        }
    }

    /** PReLU with one slope per position of a sample. p: total, per, xOff, yOff. */
    public static void prelu(KernelContext ctx, IntArray p, FloatArray x, FloatArray slope, FloatArray y) {
        int i = ctx.globalIdx;
        if (i < p.get(0)) {
            float v = x.get(p.get(2) + i);
            y.set(p.get(3) + i, v >= 0f ? v : slope.get(i % p.get(1)) * v);
        }
    }

    /** Softmax of one row per work item, max subtracted first. p: rows, len, xOff, yOff. */
    public static void softmax(KernelContext ctx, IntArray p, FloatArray x, FloatArray y) {
        int r = ctx.globalIdx;
        if (r < p.get(0)) {
            int len = p.get(1);
            int xb = p.get(2) + r * len;
            int yb = p.get(3) + r * len;
            float max = x.get(xb);
            for (int k = 1; k < len; k++) max = jmax(max, x.get(xb + k));
            float sum = 0f;
            for (int k = 0; k < len; k++) {
                float e = TornadoMath.exp(x.get(xb + k) - max);
                y.set(yb + k, e);
                sum += e;
            }
            for (int k = 0; k < len; k++) y.set(yb + k, y.get(yb + k) / sum);
        }
    }

    /**
     * NumPy-broadcast binary op, rank up to 8. p: total, op, rank, aOff, bOff, outOff, then
     * outShape[8], aStrides[8], bStrides[8] (0 along broadcast axes).
     */
    public static void binary(KernelContext ctx, IntArray p, FloatArray a, FloatArray b, FloatArray out) {
        int i = ctx.globalIdx;
        if (i < p.get(0)) {
            int rank = p.get(2);
            int ai = p.get(3);
            int bi = p.get(4);
            int rest = i;
            for (int d = rank - 1; d >= 0; d--) {
                int size = p.get(6 + d);
                int idx = rest % size;
                rest = rest / size;
                ai += idx * p.get(6 + MAX_RANK + d);
                bi += idx * p.get(6 + 2 * MAX_RANK + d);
            }
            out.set(p.get(5) + i, binaryOp(p.get(1), a.get(ai), b.get(bi)));
        }
    }

    /** Sum, mean, max or min of each row. p: rows, len, op, xOff, yOff. */
    public static void reduceRows(KernelContext ctx, IntArray p, FloatArray x, FloatArray y) {
        int r = ctx.globalIdx;
        if (r < p.get(0)) {
            int len = p.get(1), op = p.get(2);
            int xb = p.get(3) + r * len;
            float acc = 0f;
            if (op == R_MAX || op == R_MIN) acc = x.get(xb);
            for (int k = 0; k < len; k++) {
                float v = x.get(xb + k);
                if (op == R_MAX) acc = jmax(acc, v);
                else if (op == R_MIN) acc = jmin(acc, v);
                else acc = acc + v;
            }
            float res = acc;
            if (op == R_MEAN) res = acc / len;
            y.set(p.get(4) + r, res);
        }
    }

    /**
     * Reduction over any set of axes, inputs read in order for each output. p: outLen, op, rank,
     * xOff, yOff, group, then sizes[8], strides[8], reduced[8]. {@code norm}: 1/group for a mean.
     */
    public static void reduceAxes(KernelContext ctx, IntArray p, FloatArray x, FloatArray y, float norm) {
        int o = ctx.globalIdx;
        if (o < p.get(0)) {
            int op = p.get(1), rank = p.get(2), group = p.get(5);
            // The input offset of this output's first element: its kept coordinates, innermost last.
            int base = p.get(3);
            int rest = o;
            for (int d = rank - 1; d >= 0; d--) {
                if (p.get(6 + 2 * MAX_RANK + d) == 0) {
                    int size = p.get(6 + d);
                    base += (rest % size) * p.get(6 + MAX_RANK + d);
                    rest = rest / size;
                }
            }
            float acc = 0f;
            for (int g = 0; g < group; g++) {
                int off = base;
                int gr = g;
                for (int d = rank - 1; d >= 0; d--) {
                    if (p.get(6 + 2 * MAX_RANK + d) != 0) {
                        int size = p.get(6 + d);
                        off += (gr % size) * p.get(6 + MAX_RANK + d);
                        gr = gr / size;
                    }
                }
                float v = x.get(off);
                if (g == 0 && (op == R_MAX || op == R_MIN)) acc = v;
                else if (op == R_MAX) acc = jmax(acc, v);
                else if (op == R_MIN) acc = jmin(acc, v);
                else acc = acc + v;
            }
            float r = acc;
            if (op == R_MEAN) r = acc * norm;
            y.set(p.get(4) + o, r);
        }
    }

    /** Strided row copy (concat, slice). p: total, len, srcOff, srcStride, dstOff, dstStride. */
    public static void copyRows(KernelContext ctx, IntArray p, FloatArray src, FloatArray dst) {
        int i = ctx.globalIdx;
        if (i < p.get(0)) {
            int len = p.get(1);
            int r = i / len;
            int k = i % len;
            dst.set(p.get(4) + r * p.get(5) + k, src.get(p.get(2) + r * p.get(3) + k));
        }
    }

    /** Zero padding / cropping of an NHWC batch. p: total, inH, inW, c, top, left, outH, outW, xOff, yOff. */
    public static void pad2d(KernelContext ctx, IntArray p, FloatArray x, FloatArray y) {
        int i = ctx.globalIdx;
        if (i < p.get(0)) {
            int inH = p.get(1), inW = p.get(2), c = p.get(3), outH = p.get(6), outW = p.get(7);
            int ch = i % c;
            int t = i / c;
            int ow = t % outW;
            t = t / outW;
            int oh = t % outH;
            int nb = t / outH;
            int ih = oh - p.get(4);
            int iw = ow - p.get(5);
            float v = 0f;
            if (ih >= 0 && ih < inH && iw >= 0 && iw < inW) v = x.get(p.get(8) + ((nb * inH + ih) * inW + iw) * c + ch);
            y.set(p.get(9) + i, v);
        }
    }

    /** Transpose of rank up to 8. p: total, rank, xOff, yOff, then outShape[8], source stride of each output axis[8]. */
    public static void transpose(KernelContext ctx, IntArray p, FloatArray x, FloatArray y) {
        int i = ctx.globalIdx;
        if (i < p.get(0)) {
            int rank = p.get(1);
            int src = p.get(2);
            int rest = i;
            for (int d = rank - 1; d >= 0; d--) {
                int size = p.get(4 + d);
                src += (rest % size) * p.get(4 + MAX_RANK + d);
                rest = rest / size;
            }
            y.set(p.get(3) + i, x.get(src));
        }
    }

    /** Keras ChannelShuffle per row of c channels. p: total, c, groups, xOff, yOff. */
    public static void channelShuffle(KernelContext ctx, IntArray p, FloatArray x, FloatArray y) {
        int i = ctx.globalIdx;
        if (i < p.get(0)) {
            int c = p.get(1), groups = p.get(2);
            int per = c / groups;
            int row = i / c;
            int k = i % c;
            int g = k % groups;
            int j = k / groups;
            y.set(p.get(4) + i, x.get(p.get(3) + row * c + g * per + j));
        }
    }

    /**
     * Bilinear (or nearest) resize from precomputed axis maps. p: total, c, inH, inW, outH, outW,
     * bilinear, xOff, yOff. idx: y lo[outH], y hi[outH], x lo[outW], x hi[outW]; frac: y[outH], x[outW].
     */
    public static void resize(KernelContext ctx, IntArray p, IntArray idx, FloatArray frac, FloatArray x, FloatArray y) {
        int i = ctx.globalIdx;
        if (i < p.get(0)) {
            int c = p.get(1), inH = p.get(2), inW = p.get(3), outH = p.get(4), outW = p.get(5);
            int ch = i % c;
            int t = i / c;
            int ox = t % outW;
            t = t / outW;
            int oy = t % outH;
            int nb = t / outH;
            int base = p.get(7) + nb * inH * inW * c;
            int ylo = idx.get(oy), yhi = idx.get(outH + oy), xlo = idx.get(2 * outH + ox), xhi = idx.get(2 * outH + outW + ox);
            float v;
            if (p.get(6) != 0) {
                float fx = frac.get(outH + ox);
                float fy = frac.get(oy);
                float a = x.get(base + (ylo * inW + xlo) * c + ch);
                float b = x.get(base + (ylo * inW + xhi) * c + ch);
                float top = a + (b - a) * fx;
                float d = x.get(base + (yhi * inW + xlo) * c + ch);
                float e = x.get(base + (yhi * inW + xhi) * c + ch);
                float bot = d + (e - d) * fx;
                v = top + (bot - top) * fy;
            } else {
                v = x.get(base + (ylo * inW + xlo) * c + ch);
            }
            y.set(p.get(8) + i, v);
        }
    }

    /** LANMSFF's PWFS: 0.5 * (max + median) of the three channel groups. p: total, c, xOff, yOff. */
    public static void pwfs(KernelContext ctx, IntArray p, FloatArray x, FloatArray y) {
        int i = ctx.globalIdx;
        if (i < p.get(0)) {
            int c = p.get(1);
            int g = c / 3;
            int r = i / g;
            int j = i % g;
            int s = p.get(2) + r * c;
            float a = x.get(s + j);
            float b = x.get(s + g + j);
            float e = x.get(s + 2 * g + j);
            float mx = jmax(jmax(a, b), e);
            float med = jmax(jmin(a, b), jmin(jmax(a, b), e));
            y.set(p.get(3) + i, 0.5f * (mx + med));
        }
    }

    /**
     * Dot-product attention, one output value per work item (scores recomputed: the blocks are
     * small). p: total, tq, tv, d, qOff, kOff, vOff, yOff.
     */
    public static void attention(KernelContext ctx, IntArray p, FloatArray q, FloatArray k, FloatArray v, FloatArray y, float scale) {
        int i = ctx.globalIdx;
        if (i < p.get(0)) {
            int tq = p.get(1), tv = p.get(2), d = p.get(3);
            int e = i % d;
            int t = i / d;
            int row = t % tq;
            int g = t / tq;
            int qb = p.get(4) + g * tq * d + row * d;
            int kb = p.get(5) + g * tv * d;
            int vb = p.get(6) + g * tv * d;
            float max = 0f;
            for (int j = 0; j < tv; j++) {
                float s = 0f;
                for (int f = 0; f < d; f++) s += q.get(qb + f) * k.get(kb + j * d + f);
                s = s * scale;
                if (j == 0) max = s;
                else max = jmax(max, s);
            }
            float sum = 0f;
            float acc = 0f;
            for (int j = 0; j < tv; j++) {
                float s = 0f;
                for (int f = 0; f < d; f++) s += q.get(qb + f) * k.get(kb + j * d + f);
                float w = TornadoMath.exp(s * scale - max);
                sum += w;
                acc += w * v.get(vb + j * d + e);
            }
            y.set(p.get(7) + i, acc / sum);
        }
    }
}
