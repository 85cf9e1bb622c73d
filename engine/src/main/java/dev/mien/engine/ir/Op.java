package dev.mien.engine.ir;

/**
 * The operations of Mien's graph IR. Activations are NHWC; axis attributes count the batch
 * axis as 0 and may be negative. Weights live in a node's params, in the layouts named here.
 * Any input may also be a graph constant ({@link Graph#constants()}). Each op's attribute schema
 * and shape inference is its definition in {@code dev.mien.engine.ops.OpDefinitions};
 * docs/ADDING_AN_OP.md lists what a new op needs.
 *
 * <pre>
 * CONV2D            x [, residual]  params weight [kH,kW,Cin/groups,Cout], bias? [Cout]
 *                   attrs strides[2] dilations[2] pads[4]=top,left,bottom,right groups activation alpha
 *                   out = act(conv(x) + bias + residual)
 * CONV_TRANSPOSE2D  x  params weight [kH,kW,Cout,Cin], bias?  attrs strides[2] pads[4] activation alpha
 *                   outH = (inH-1)*sH + kH - top - bottom (bottom/right may be negative: output_padding)
 * MAX_POOL2D, AVG_POOL2D  attrs kernel[2] strides[2] pads[4] ceil_mode count_include_pad
 * GLOBAL_AVG_POOL, GLOBAL_MAX_POOL  attrs keepdims -> [N,C] or [N,1,1,C]
 * DENSE             last axis: params weight [in,out], bias?  attrs activation alpha
 * BATCH_NORM        last axis: params gamma beta mean var  attrs epsilon  (folded away by passes)
 * SCALE_SHIFT       last axis: params scale, shift (length 1 or C)  attrs activation alpha
 * ACTIVATION        attrs activation alpha
 * PRELU             params alpha (broadcast to the per-sample shape)
 * SOFTMAX           attrs axis (last axis only)
 * ADD SUB MUL DIV MAX MIN AVERAGE   2+ inputs, NumPy broadcasting, folded left (AVERAGE: mean)
 * CONCAT            attrs axis
 * SLICE             attrs axis start end  (one output)
 * RESHAPE           attrs shape (per-sample shape, batch excluded; one -1 allowed)
 * FLATTEN           -> [N, rest] in row-major (NHWC) order
 * TRANSPOSE         attrs perm (full rank, perm[0] == 0)
 * PAD               attrs pads[4] (zeros, spatial)      CROP  attrs crops[4]
 * RESIZE            attrs size[2] mode (bilinear|nearest) coord (half_pixel|align_corners|asymmetric)
 * REDUCE            attrs op (sum|mean|max|min) axes keepdims
 * CHANNEL_SHUFFLE   attrs groups: (h,w,g,c/g) -> (h,w,c/g,g) on the last axis
 * PWFS              last axis split in 3 groups s1..s3: 0.5*(max + median)
 * ATTENTION         inputs query, value [, key]  params scale? (use_scale)  attrs score_mode (dot)
 *                   2-D inputs: per image unless the run asks for Keras' batch-coupled scores
 * IDENTITY          passes its input through
 * </pre>
 */
public enum Op {
    CONV2D, CONV_TRANSPOSE2D, MAX_POOL2D, AVG_POOL2D, GLOBAL_AVG_POOL, GLOBAL_MAX_POOL,
    DENSE, BATCH_NORM, SCALE_SHIFT, ACTIVATION, PRELU, SOFTMAX,
    ADD, SUB, MUL, DIV, MAX, MIN, AVERAGE,
    CONCAT, SLICE, RESHAPE, FLATTEN, TRANSPOSE, PAD, CROP, RESIZE, REDUCE,
    CHANNEL_SHUFFLE, PWFS, ATTENTION, IDENTITY
}
