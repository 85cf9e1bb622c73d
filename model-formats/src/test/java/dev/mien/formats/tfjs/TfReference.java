package dev.mien.formats.tfjs;

/**
 * Plain loops computing TensorFlow's NHWC ops straight from their definitions, to check the
 * imported graphs against: SAME output size ceil(in/stride) with the odd padding pixel after,
 * max pooling over valid pixels only, average pooling dividing by the valid count.
 */
final class TfReference {
    private TfReference() {}

    /** A tensor: NHWC data and its 4-D shape. */
    record T(float[] d, int n, int h, int w, int c) {
        float at(int b, int y, int x, int ch) { return d[((b * h + y) * w + x) * c + ch]; }
        static T zeros(int n, int h, int w, int c) { return new T(new float[n * h * w * c], n, h, w, c); }
        void set(int b, int y, int x, int ch, float v) { d[((b * h + y) * w + x) * c + ch] = v; }
    }

    static int outSize(int in, int k, int s, int dil, boolean same) {
        int eff = (k - 1) * dil + 1;
        return same ? (in + s - 1) / s : (in - eff) / s + 1;
    }

    static int padBefore(int in, int k, int s, int dil, boolean same) {
        if (!same) return 0;
        int eff = (k - 1) * dil + 1, out = outSize(in, k, s, dil, true);
        return Math.max((out - 1) * s + eff - in, 0) / 2;
    }

    /** Conv2D with filter [kh,kw,cin,cout]; bias may be null. */
    static T conv(T x, float[] f, int kh, int kw, int cout, int s, int dil, boolean same, float[] bias) {
        int oh = outSize(x.h, kh, s, dil, same), ow = outSize(x.w, kw, s, dil, same);
        int pt = padBefore(x.h, kh, s, dil, same), pl = padBefore(x.w, kw, s, dil, same);
        T y = T.zeros(x.n, oh, ow, cout);
        for (int b = 0; b < x.n; b++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++)
                    for (int co = 0; co < cout; co++) {
                        double acc = bias == null ? 0 : bias[co];
                        for (int ky = 0; ky < kh; ky++)
                            for (int kx = 0; kx < kw; kx++) {
                                int iy = oy * s - pt + ky * dil, ix = ox * s - pl + kx * dil;
                                if (iy < 0 || iy >= x.h || ix < 0 || ix >= x.w) continue;
                                for (int ci = 0; ci < x.c; ci++)
                                    acc += (double) x.at(b, iy, ix, ci) * f[((ky * kw + kx) * x.c + ci) * cout + co];
                            }
                        y.set(b, oy, ox, co, (float) acc);
                    }
        return y;
    }

    /** DepthwiseConv2dNative with filter [kh,kw,C,mult]: output channel c*mult+m. */
    static T depthwise(T x, float[] f, int kh, int kw, int mult, int s, boolean same, float[] bias) {
        int oh = outSize(x.h, kh, s, 1, same), ow = outSize(x.w, kw, s, 1, same);
        int pt = padBefore(x.h, kh, s, 1, same), pl = padBefore(x.w, kw, s, 1, same);
        T y = T.zeros(x.n, oh, ow, x.c * mult);
        for (int b = 0; b < x.n; b++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++)
                    for (int c = 0; c < x.c; c++)
                        for (int m = 0; m < mult; m++) {
                            double acc = bias == null ? 0 : bias[c * mult + m];
                            for (int ky = 0; ky < kh; ky++)
                                for (int kx = 0; kx < kw; kx++) {
                                    int iy = oy * s - pt + ky, ix = ox * s - pl + kx;
                                    if (iy < 0 || iy >= x.h || ix < 0 || ix >= x.w) continue;
                                    acc += (double) x.at(b, iy, ix, c) * f[((ky * kw + kx) * x.c + c) * mult + m];
                                }
                            y.set(b, oy, ox, c * mult + m, (float) acc);
                        }
        return y;
    }

    static T pool(T x, int k, int s, boolean same, boolean max) { return pool(x, k, s, s, same, max); }

    static T pool(T x, int k, int sh, int sw, boolean same, boolean max) {
        int oh = outSize(x.h, k, sh, 1, same), ow = outSize(x.w, k, sw, 1, same);
        int pt = padBefore(x.h, k, sh, 1, same), pl = padBefore(x.w, k, sw, 1, same);
        T y = T.zeros(x.n, oh, ow, x.c);
        for (int b = 0; b < x.n; b++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++)
                    for (int c = 0; c < x.c; c++) {
                        double acc = max ? Double.NEGATIVE_INFINITY : 0;
                        int count = 0;
                        for (int ky = 0; ky < k; ky++)
                            for (int kx = 0; kx < k; kx++) {
                                int iy = oy * sh - pt + ky, ix = ox * sw - pl + kx;
                                if (iy < 0 || iy >= x.h || ix < 0 || ix >= x.w) continue;
                                float v = x.at(b, iy, ix, c);
                                acc = max ? Math.max(acc, v) : acc + v;
                                count++;
                            }
                        y.set(b, oy, ox, c, (float) (max ? acc : acc / count));
                    }
        return y;
    }

    /** Zero padding; p = [top, bottom, left, right, channelsBefore, channelsAfter]. */
    static T pad(T x, int... p) {
        T y = T.zeros(x.n, x.h + p[0] + p[1], x.w + p[2] + p[3], x.c + p[4] + p[5]);
        for (int b = 0; b < x.n; b++)
            for (int i = 0; i < x.h; i++)
                for (int j = 0; j < x.w; j++)
                    for (int c = 0; c < x.c; c++) y.set(b, i + p[0], j + p[2], c + p[4], x.at(b, i, j, c));
        return y;
    }

    interface F { float apply(float v, int channel); }

    static T map(T x, F f) {
        float[] d = new float[x.d.length];
        for (int i = 0; i < d.length; i++) d[i] = f.apply(x.d[i], i % x.c);
        return new T(d, x.n, x.h, x.w, x.c);
    }

    static T add(T a, T b) {
        float[] d = new float[a.d.length];
        for (int i = 0; i < d.length; i++) d[i] = a.d[i] + b.d[i];
        return new T(d, a.n, a.h, a.w, a.c);
    }

    static float relu(float v) { return Math.max(v, 0f); }
    static float relu6(float v) { return Math.min(Math.max(v, 0f), 6f); }
    static float sigmoid(float v) { return (float) (1 / (1 + Math.exp(-v))); }

    /** Mean over H and W per channel: [n][c]. */
    static float[][] meanHw(T x) {
        float[][] out = new float[x.n][x.c];
        for (int b = 0; b < x.n; b++)
            for (int c = 0; c < x.c; c++) {
                double s = 0;
                for (int i = 0; i < x.h; i++) for (int j = 0; j < x.w; j++) s += x.at(b, i, j, c);
                out[b][c] = (float) (s / (x.h * x.w));
            }
        return out;
    }

    static float[] softmax(float[] v) {
        double m = Double.NEGATIVE_INFINITY, s = 0;
        for (float f : v) m = Math.max(m, f);
        double[] e = new double[v.length];
        for (int i = 0; i < v.length; i++) { e[i] = Math.exp(v[i] - m); s += e[i]; }
        float[] o = new float[v.length];
        for (int i = 0; i < v.length; i++) o[i] = (float) (e[i] / s);
        return o;
    }
}
