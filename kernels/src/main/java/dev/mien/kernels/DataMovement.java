package dev.mien.kernels;

/**
 * The reference loops of the layout, resize, selection and attention kernels. Plain loops, one
 * thread, no allocation (recursion over the axes instead of index arrays), so a warm run
 * allocates nothing on either backend.
 */
final class DataMovement {
    private DataMovement() {}

    static void copyRows(int rows, int len, float[] src, int srcOff, int srcStride, float[] dst, int dstOff, int dstStride) {
        for (int r = 0; r < rows; r++) System.arraycopy(src, srcOff + r * srcStride, dst, dstOff + r * dstStride, len);
    }

    static void pad2d(int n, int inH, int inW, int c, int top, int left, int outH, int outW, float[] x, int xOff, float[] y, int yOff) {
        java.util.Arrays.fill(y, yOff, yOff + n * outH * outW * c, 0f);
        int ow0 = Math.max(0, left), ow1 = Math.min(outW, inW + left);
        if (ow1 <= ow0) return;
        int iw0 = ow0 - left;
        for (int b = 0; b < n; b++)
            for (int oh = 0; oh < outH; oh++) {
                int ih = oh - top;
                if (ih < 0 || ih >= inH) continue;
                System.arraycopy(x, xOff + ((b * inH + ih) * inW + iw0) * c, y, yOff + ((b * outH + oh) * outW + ow0) * c, (ow1 - ow0) * c);
            }
    }

    static void transpose(int[] in, int[] perm, float[] x, int xOff, float[] y, int yOff) {
        transpose(0, in, perm, x, xOff, y, yOff);
    }

    /** Writes output axis {@code d} onward in order; returns the next output offset. */
    private static int transpose(int d, int[] in, int[] perm, float[] x, int xOff, float[] y, int yOff) {
        int axis = perm[d], len = in[axis], stride = 1;
        for (int i = axis + 1; i < in.length; i++) stride *= in[i];
        if (d == perm.length - 1) {
            for (int i = 0; i < len; i++) y[yOff++] = x[xOff + i * stride];
            return yOff;
        }
        for (int i = 0; i < len; i++) yOff = transpose(d + 1, in, perm, x, xOff + i * stride, y, yOff);
        return yOff;
    }

    static void channelShuffle(int rows, int c, int groups, float[] x, int xOff, float[] y, int yOff) {
        int per = c / groups;
        for (int r = 0, base = 0; r < rows; r++, base += c)
            for (int g = 0; g < groups; g++)
                for (int j = 0; j < per; j++) y[yOff + base + j * groups + g] = x[xOff + base + g * per + j];
    }

    static void resize(ResizeShape s, float[] x, int xOff, float[] y, int yOff, double[] rows) {
        resizeRows(s, x, xOff, y, yOff, rows, 0, s.n() * s.outH());
    }

    /**
     * Output rows [from, to) of a resize, counted over the batch (image * outH + oy): each row
     * depends only on the input, so ranges can run on different threads, each with its own
     * {@code rows} scratch ({@link ResizeShape#scratchLength()}), with the same bits.
     */
    static void resizeRows(ResizeShape s, float[] x, int xOff, float[] y, int yOff, double[] rows, int from, int to) {
        int inH = s.inH(), inW = s.inW(), outH = s.outH(), outW = s.outW(), c = s.c();
        ResizeAxis ys = s.ys(), xs = s.xs();
        int rowLen = outW * c;
        if (!s.bilinear()) {
            for (int r = from; r < to; r++) {
                int b = r / outH, oy = r % outH, d = yOff + r * rowLen;
                int r0 = xOff + b * inH * inW * c + ys.lo()[oy] * inW * c;
                for (int ox = 0; ox < outW; ox++, d += c) System.arraycopy(x, r0 + xs.lo()[ox] * c, y, d, c);
            }
            return;
        }
        // Separably: each input row is interpolated along x once (kept while output rows still
        // use it), then each output value is one interpolation along y. The same double
        // expressions as interpolating all four corners per output value, for about half the
        // work when upscaling. rows holds two interpolated rows side by side.
        int held0 = -1, held1 = -1;   // the input row (over the batch: image * inH + iy) each half of rows holds
        for (int r = from; r < to; r++) {
            int b = r / outH, oy = r % outH, base = xOff + b * inH * inW * c, d = yOff + r * rowLen;
            int lo = b * inH + ys.lo()[oy], hi = b * inH + ys.hi()[oy];
            int top, bot;
            if (held0 == lo) top = 0;
            else if (held1 == lo) top = rowLen;
            else {
                // Replace the row the caller is done with: rows only move down as output rows do.
                top = held0 < held1 ? 0 : rowLen;
                horizontal(x, base + ys.lo()[oy] * inW * c, c, xs, rows, top);
                if (top == 0) held0 = lo; else held1 = lo;
            }
            if (held0 == hi) bot = 0;
            else if (held1 == hi) bot = rowLen;
            else {
                bot = top == 0 ? rowLen : 0;
                horizontal(x, base + ys.hi()[oy] * inW * c, c, xs, rows, bot);
                if (bot == 0) held0 = hi; else held1 = hi;
            }
            double fy = ys.frac()[oy];
            for (int k = 0; k < rowLen; k++, d++) {
                double t = rows[top + k];
                y[d] = (float) (t + (rows[bot + k] - t) * fy);
            }
        }
    }

    private static void horizontal(float[] x, int row, int c, ResizeAxis xs, double[] rows, int at) {
        int k = at;
        for (int ox = 0; ox < xs.out(); ox++) {
            int c0 = row + xs.lo()[ox] * c, c1 = row + xs.hi()[ox] * c;
            double fx = xs.frac()[ox];
            for (int ch = 0; ch < c; ch++, k++) {
                double l = x[c0 + ch], h = x[c1 + ch];
                rows[k] = l + (h - l) * fx;
            }
        }
    }

    static void pwfs(int rows, int c, float[] x, int xOff, float[] y, int yOff) {
        int g = c / 3;
        for (int r = 0; r < rows; r++) {
            int s = xOff + r * c, d = yOff + r * g;
            for (int j = 0; j < g; j++) {
                float a = x[s + j], b = x[s + g + j], e = x[s + 2 * g + j];
                // The median as max(min(a,b), min(max(a,b), e)), not sum - min - max: exact, and an
                // infinite channel does not make it Inf - Inf = NaN; Math.max/min keep NaN.
                float mx = Math.max(Math.max(a, b), e);
                float med = Math.max(Math.min(a, b), Math.min(Math.max(a, b), e));
                y[d + j] = 0.5f * (mx + med);
            }
        }
    }

    static void prelu(int batch, int per, float[] x, int xOff, float[] alpha, float[] y, int yOff) {
        for (int i = 0, o = 0; i < batch; i++)
            for (int j = 0; j < per; j++, o++) { float v = x[xOff + o]; y[yOff + o] = v >= 0 ? v : alpha[j] * v; }
    }

    static void reduce(ReduceOp op, int[] in, boolean[] reduced, float[] x, int xOff, float[] y, int yOff) {
        int outLen = 1;
        long group = 1;
        for (int i = 0; i < in.length; i++) { if (reduced[i]) group *= in[i]; else outLen *= in[i]; }
        float init = switch (op) { case MAX -> Float.NEGATIVE_INFINITY; case MIN -> Float.POSITIVE_INFINITY; default -> 0f; };
        java.util.Arrays.fill(y, yOff, yOff + outLen, init);
        reduce(0, op, in, reduced, x, xOff, y, yOff);
        if (op == ReduceOp.MEAN) {
            float norm = (float) (1.0 / group);
            for (int i = 0; i < outLen; i++) y[yOff + i] *= norm;
        }
    }

    /** Accumulates the input from axis {@code d} on, read in order; returns the next input offset. */
    private static int reduce(int d, ReduceOp op, int[] in, boolean[] reduced, float[] x, int xOff, float[] y, int yOff) {
        int outStride = 0;
        if (!reduced[d]) { outStride = 1; for (int i = d + 1; i < in.length; i++) if (!reduced[i]) outStride *= in[i]; }
        if (d == in.length - 1) {
            for (int i = 0; i < in[d]; i++) {
                float v = x[xOff++];
                int o = yOff + i * outStride;
                y[o] = switch (op) { case MAX -> Math.max(y[o], v); case MIN -> Math.min(y[o], v); default -> y[o] + v; };
            }
            return xOff;
        }
        for (int i = 0; i < in[d]; i++) xOff = reduce(d + 1, op, in, reduced, x, xOff, y, yOff + i * outStride);
        return xOff;
    }

    static void attention(int groups, int tq, int tv, int d, float scale, float[] q, int qOff, float[] k, int kOff,
                          float[] v, int vOff, float[] y, int yOff, float[] w) {
        for (int g = 0; g < groups; g++) {
            int qb = qOff + g * tq * d, kb = kOff + g * tv * d, vb = vOff + g * tv * d, yb = yOff + g * tq * d;
            for (int i = 0; i < tq; i++) {
                float max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < tv; j++) {
                    float s = 0f;
                    for (int e = 0; e < d; e++) s += q[qb + i * d + e] * k[kb + j * d + e];
                    w[j] = s * scale;
                    max = Math.max(max, w[j]);
                }
                float sum = 0f;
                for (int j = 0; j < tv; j++) { w[j] = (float) Math.exp(w[j] - max); sum += w[j]; }
                for (int e = 0; e < d; e++) {
                    float acc = 0f;
                    for (int j = 0; j < tv; j++) acc += w[j] * v[vb + j * d + e];
                    y[yb + i * d + e] = acc / sum;
                }
            }
        }
    }
}
