package dev.mien.engine.runtime;

import dev.mien.engine.ir.Node;
import dev.mien.engine.ops.OpDefinitions;
import dev.mien.kernels.ResizeAxis;
import dev.mien.kernels.ResizeShape;

/**
 * RESIZE on NHWC maps as tf.image.resize computes it without antialias: bilinear or nearest,
 * with half-pixel, align-corners or asymmetric coordinate mapping. Source coordinates and
 * weights are computed in double precision, as the reference implementations do; TensorFlow's
 * float32 coordinates differ from them by up to a few 1e-3 on 0..255 images after upscaling.
 * The source maps are made once here; the backend's {@code resize} kernel runs with a scratch
 * buffer of the plan (per Session).
 */
final class ResizeLowering implements Lowering {
    @Override public NamedStep lower(Node n, int[][] in, int[][] out, int[] inS, int[] outS, LoweringContext ctx) {
        int[] x = in[0], o = out[0];
        var def = OpDefinitions.of(n.op());
        boolean bilinear = def.stringAttr(n, "mode").equals("bilinear");
        String coord = def.stringAttr(n, "coord");
        ResizeShape rs = new ResizeShape(x[0], x[3], bilinear,
                ResizeAxis.of(x[1], o[1], coord, bilinear), ResizeAxis.of(x[2], o[2], coord, bilinear));
        int xi = inS[0], yi = outS[0];
        var be = ctx.backend;
        if (!bilinear) return NamedStep.backend("resize", b -> be.resize(rs, b.slots[xi], 0, b.slots[yi], 0, null));
        int rows = ctx.doubleScratch(n.name() + "/rows", rs.scratchLength());
        return NamedStep.backend("resize", b -> be.resize(rs, b.slots[xi], 0, b.slots[yi], 0, b.wide[rows]));
    }
}
