package dev.mien.engine.runtime;

import dev.mien.engine.ir.Op;

import java.util.EnumMap;
import java.util.Map;

/** The lowering of every IR op; an op missing here is reported by the planner, all at once. */
final class Lowerings {
    private Lowerings() {}

    private static final Map<Op, Lowering> BY_OP = new EnumMap<>(Op.class);

    static {
        BY_OP.put(Op.CONV2D, new ConvLowering.Conv());
        BY_OP.put(Op.CONV_TRANSPOSE2D, new ConvLowering.ConvTranspose());
        BY_OP.put(Op.DENSE, new ConvLowering.Dense());
        Lowering window = new PoolLowering.Window(), global = new PoolLowering.Global();
        BY_OP.put(Op.MAX_POOL2D, window);
        BY_OP.put(Op.AVG_POOL2D, window);
        BY_OP.put(Op.GLOBAL_AVG_POOL, global);
        BY_OP.put(Op.GLOBAL_MAX_POOL, global);
        Lowering affine = new ElementwiseLowering.Affine();
        BY_OP.put(Op.BATCH_NORM, affine);
        BY_OP.put(Op.SCALE_SHIFT, affine);
        BY_OP.put(Op.ACTIVATION, new ElementwiseLowering.Act());
        BY_OP.put(Op.PRELU, new ElementwiseLowering.PRelu());
        BY_OP.put(Op.SOFTMAX, new ElementwiseLowering.Softmax());
        Lowering binary = new ElementwiseLowering.Binary();
        for (Op op : new Op[]{Op.ADD, Op.SUB, Op.MUL, Op.DIV, Op.MAX, Op.MIN, Op.AVERAGE}) BY_OP.put(op, binary);
        BY_OP.put(Op.CONCAT, new LayoutLowering.Concat());
        BY_OP.put(Op.SLICE, new LayoutLowering.Slice());
        Lowering view = new LayoutLowering.View();
        BY_OP.put(Op.RESHAPE, view);
        BY_OP.put(Op.FLATTEN, view);
        BY_OP.put(Op.IDENTITY, view);
        BY_OP.put(Op.TRANSPOSE, new LayoutLowering.Transpose());
        Lowering padCrop = new LayoutLowering.PadCrop();
        BY_OP.put(Op.PAD, padCrop);
        BY_OP.put(Op.CROP, padCrop);
        BY_OP.put(Op.CHANNEL_SHUFFLE, new LayoutLowering.ChannelShuffle());
        BY_OP.put(Op.RESIZE, new ResizeLowering());
        BY_OP.put(Op.REDUCE, new ReduceLowering());
        BY_OP.put(Op.PWFS, new PwfsLowering());
        BY_OP.put(Op.ATTENTION, new AttentionLowering());
    }

    static Lowering of(Op op) { return BY_OP.get(op); }
}
