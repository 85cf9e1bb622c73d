package dev.mien.kernels.simd;

import dev.mien.kernels.ConvAlgorithm;
import dev.mien.kernels.ConvShape;

/**
 * The copies around a dilated convolution run as undilated convolutions on its phases
 * ({@link ConvAlgorithm#dilationPhases}): {@link #copy} gathers each image's d x d phases
 * (rows {@code a, a + d, ...} and columns {@code b, b + d, ...}) into consecutive images of one
 * batch, or puts the phase outputs back in place. It works on rows of the phase batch
 * ({@code n * d * d * H/d} of them), so that the team can share them.
 */
final class DilationPhases {
    private DilationPhases() {}

    /**
     * Rows [from, to) of the phase batch of an NHWC map {@code h x w x c} at {@code x[xOff]},
     * gathered into {@code p} (when {@code toPhases}) or scattered back from it.
     */
    static void copy(int d, int h, int w, int c, float[] x, int xOff, float[] p, boolean toPhases, int from, int to) {
        int ph = h / d, pw = w / d;
        for (int row = from; row < to; row++) {
            // row = ((image * d + a) * d + b) * ph + j of the phase batch; source row a + d * j of the image.
            int j = row % ph, phase = row / ph, b = phase % d, a = (phase / d) % d, image = phase / (d * d);
            int src = xOff + ((image * h + a + d * j) * w + b) * c, dst = row * pw * c;
            for (int l = 0; l < pw; l++, src += d * c, dst += c) {
                if (toPhases) System.arraycopy(x, src, p, dst, c);
                else System.arraycopy(p, dst, x, src, c);
            }
        }
    }

    /** Phase-batch rows of the input ({@code s.n() * d * d * inH/d}). */
    static int inputRows(ConvShape s) { return s.n() * s.dilH() * s.inH(); }

    /** Phase-batch rows of the output. */
    static int outputRows(ConvShape s) { return s.n() * s.dilH() * s.outH(); }
}
