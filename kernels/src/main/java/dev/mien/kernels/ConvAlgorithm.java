package dev.mien.kernels;

import java.util.Arrays;
import java.util.Locale;

/**
 * How a convolution is computed. Chosen once per plan step, when the plan is made
 * ({@link Backend#convAlgorithm}), and recorded in the plan; tests and benchmarks can force
 * one ({@code -Dmien.conv=NAME}, {@code RunOptions.withConvAlgorithm}). Every algorithm
 * gives the same result within the reference tolerance.
 */
public enum ConvAlgorithm {
    /** The scalar backend's plain loops. */
    REFERENCE,
    /** Register-blocked tiles of 8 output pixels x 32 channels, tiles spread over the team (1x1 convolutions and dense layers). */
    DIRECT,
    /** As {@link #DIRECT}, all on the calling thread: too little work to be worth waking the team. */
    INLINE,
    /**
     * One work item per 32-channel block covering every pixel tile, the block's weights walked
     * once in L1-sized slices: small maps with long reductions (MA-Net's 7x7 and 14x14 layers).
     * Runs on the planar-rows copy of {@link #ROWS}.
     */
    SLICED,
    /** One input channel per output channel, vectorised along channels. */
    DEPTHWISE,
    /**
     * Winograd F(2x2, 3x3): 3x3 stride-1 convolutions in 2.25x fewer multiplies, for maps large
     * enough that the transforms pay (MA-Net's 56x56, 28x28 and 14x14 layers); dilated ones run
     * on their phases ({@link #dilationPhases}: LANMSFF's 32x32 two-path layers).
     */
    WINOGRAD,
    /**
     * Winograd F(4x4, 3x3): the same shapes as {@link #WINOGRAD} in 4x fewer multiplies, on 6x6
     * input windows whose larger transform coefficients cost some accuracy (still far inside the
     * parity tolerance); chosen where enough pixels share its larger transformed weights (see
     * {@link #winograd4Pays}: MA-Net's 56x56 and 28x28 layers, LANMSFF's 64x64 and dilated 32x32).
     */
    WINOGRAD4,
    /**
     * 1x1 convolutions as a packed matrix product: strided inputs gathered into contiguous
     * panels, micro-tiles of 5 pixels x 64 channels, one epilogue pass per tile; chosen for
     * unpadded 1x1 convolutions on maps that are not tiny (see {@link #MIN_POINTWISE_PIXELS}).
     */
    POINTWISE,
    /**
     * An image network's first convolution (few input channels, a large map): tiles of
     * {@link #STEM_PIXELS} pixels along an output row times a 32-channel block, the reduction
     * along each kernel row's short contiguous run (MA-Net's 7x7 and PAtt-Lite's 3x3 on RGB).
     */
    STEM,
    /**
     * As {@link #DIRECT}, on a planar-rows copy of the input (each padded row stored channel by
     * channel): a tile's pixels then read one base index plus constant displacements, which
     * keeps the micro-kernel's loop at its FMAs instead of per-pixel address arithmetic (see
     * the vector backend's RowTileKernel). The copy costs a pass over the input, which only
     * convolutions with several taps repay; {@link #SLICED} runs on the same copy.
     */
    ROWS;

    /** Below this many multiply-adds a convolution runs on the calling thread. */
    public static final long INLINE_MACS = 1 << 18;
    /** The sliced path keeps every tile's sums for a block: at most this many 8-pixel tiles. */
    public static final int MAX_SLICED_TILES = 32;
    /** ... and pays off only for reductions (kH x kW x Cin) at least this long. */
    public static final int MIN_SLICED_REDUCTION = 1024;
    static final int TILE = 8;
    /** The stem kernel's pixels per tile (one output row; narrower maps cannot take it) ... */
    public static final int STEM_PIXELS = 8;
    /** ... and it is chosen for convolutions with at most this many input channels. */
    public static final int MAX_STEM_CHANNELS = 4;

    /** Lower-case name as written on the command line. */
    public String label() { return name().toLowerCase(Locale.ROOT); }

    public static ConvAlgorithm parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown convolution algorithm '" + name + "'; known: "
                    + String.join(", ", Arrays.stream(values()).map(ConvAlgorithm::label).toList()));
        }
    }

    /**
     * The vector backend's choice for one call shape (batch and map size included) on
     * {@code threads} threads, with output channels in blocks of {@code channelBlock}: the one
     * place the rule lives.
     */
    public static ConvAlgorithm choose(ConvShape s, int threads, int channelBlock) {
        if (depthwise(s)) return DEPTHWISE;
        if (threads > 1 && s.macs() < INLINE_MACS) return INLINE;
        if (winogradRuns(s) && winogradPays(s)) return winograd4Pays(s) ? WINOGRAD4 : WINOGRAD;
        if (pointwiseRuns(s) && pointwisePays(s)) return POINTWISE;
        if (s.inC() <= MAX_STEM_CHANNELS && stemRuns(s)) return STEM;
        long tiles = (long) s.n() * ((s.outH() * s.outW() + TILE - 1) / TILE);
        if (slicedRuns(s, channelBlock) && tiles <= MAX_SLICED_TILES
                && (long) s.kH() * s.kW() * s.inGroupC() >= MIN_SLICED_REDUCTION) return SLICED;
        // Several taps repay the planar copy (LANMSFF's 3x3 layers 1.2x at one thread, MA-Net's
        // 56x56 stride-2 3x3 1.1x at two, inside the networks); a 1x1 does not (0.5-0.9x).
        return s.kH() * s.kW() > 1 ? ROWS : DIRECT;
    }

    /**
     * Shapes the Winograd kernel computes: 3x3, stride 1, one group, and either no dilation or a
     * dilation it can take apart into phases ({@link #dilationPhases}).
     */
    public static boolean winogradRuns(ConvShape s) {
        return s.kH() == 3 && s.kW() == 3 && s.strideH() == 1 && s.strideW() == 1 && s.groups() == 1 && !s.isDepthwise()
                && (s.dilH() == 1 && s.dilW() == 1 || dilationPhases(s));
    }

    /**
     * Whether a stride-1 convolution dilated by d (the same along both axes) is d x d undilated
     * convolutions on the input's phases (rows and columns taken every d-th, from each of the d
     * offsets), which it is when d divides the map and every padding: an output pixel then reads
     * only input pixels of its own phase, as an undilated kernel does on that phase. LANMSFF's
     * dilated 3x3 layers (32x32, dilation 2, padding 2) go through Winograd this way.
     */
    public static boolean dilationPhases(ConvShape s) {
        int d = s.dilH();
        return d > 1 && s.dilW() == d && s.strideH() == 1 && s.strideW() == 1 && s.inH() % d == 0 && s.inW() % d == 0
                && s.padTop() % d == 0 && s.padBottom() % d == 0 && s.padLeft() % d == 0 && s.padRight() % d == 0;
    }

    /** The undilated convolution over all phases of {@code s} as one batch ({@link #dilationPhases}): image-major, then row phase, then column phase. */
    public static ConvShape phaseShape(ConvShape s) {
        int d = s.dilH();
        return new ConvShape(s.n() * d * d, s.inH() / d, s.inW() / d, s.inC(), s.outC(), s.kH(), s.kW(), 1, 1, 1, 1,
                s.padTop() / d, s.padLeft() / d, s.padBottom() / d, s.padRight() / d, s.groups());
    }

    /**
     * Winograd is chosen from this many output pixels per call (batch included: 14x14 maps at
     * batch 1, 7x7 from batch 4) ... A 7x7 map alone has 16 tiles, too few to share out, and
     * at batch 1 such layers are bound by reading their weights, which the transform makes 16/9
     * larger. {@code -Dmien.winograd.minPixels} (and {@code .minChannels}, {@code .maxChannels})
     * move the thresholds, e.g. to 1 to run every eligible layer through Winograd in the parity tests.
     */
    public static final int MIN_WINOGRAD_PIXELS = Integer.getInteger("mien.winograd.minPixels", 14 * 14);
    /** ... from this many input and output channels: below, the transforms cost more than the multiplies saved ... */
    public static final int MIN_WINOGRAD_CHANNELS = Integer.getInteger("mien.winograd.minChannels", 32);
    /**
     * ... and up to this many (no limit unless set; 256 gives the rule from before the
     * element-major walk, for comparisons). Layers whose transformed weights would not stay in the caches between chunks of
     * tiles (above 256 x 256 channels) walk them once per call instead (the Winograd kernel's
     * element-major walk): MA-Net's 7x7 512 -> 512 layers at batch 8 are then Winograd too.
     */
    public static final int MAX_WINOGRAD_CHANNELS = Integer.getInteger("mien.winograd.maxChannels", Integer.MAX_VALUE);

    static boolean winogradPays(ConvShape s) {
        return (long) s.n() * s.outH() * s.outW() >= MIN_WINOGRAD_PIXELS
                && s.inC() >= MIN_WINOGRAD_CHANNELS && s.outC() >= MIN_WINOGRAD_CHANNELS
                && s.inC() <= MAX_WINOGRAD_CHANNELS && s.outC() <= MAX_WINOGRAD_CHANNELS;
    }

    /**
     * F(4x4) instead of F(2x2) from this many output pixels per call (batch, and a dilation's
     * phases, included: the pixels that share one read of the transformed weights) ...
     * ({@code -Dmien.winograd4.minPixels}; a huge value turns F(4x4) off). Its transformed weights
     * are 4x the direct ones (F(2x2): 16/9x), and inside a network they come from memory: with
     * 16 weight sets in turn, F(4x4) was 1.18-1.57x faster than F(2x2) on MA-Net's 56x56 and
     * 28x28 layers and LANMSFF's 64x64 and 32x32 dilated ones (one and two threads), but
     * 0.96-1.05x on the 14x14x256 layer and 0.91-1.10x on the 14x14x64 ones at batch 1.
     */
    public static final int MIN_WINOGRAD4_PIXELS = Integer.getInteger("mien.winograd4.minPixels", 28 * 28);
    /**
     * ... on maps at least this wide and high per image (or phase). 7x7 maps, which take
     * Winograd only from batch 4, stay on F(2x2): F(4x4) was 1.2-1.45x faster on MA-Net's at
     * batch 8 but would hold about 400 MB more of transformed weights.
     */
    public static final int MIN_WINOGRAD4_MAP = Integer.getInteger("mien.winograd4.minMap", 14);

    /** Whether a layer that {@link #winogradPays} takes F(4x4, 3x3) rather than F(2x2, 3x3). */
    static boolean winograd4Pays(ConvShape s) {
        ConvShape p = s.dilH() > 1 ? phaseShape(s) : s;
        return (long) p.n() * p.outH() * p.outW() >= MIN_WINOGRAD4_PIXELS && p.outH() >= MIN_WINOGRAD4_MAP && p.outW() >= MIN_WINOGRAD4_MAP;
    }

    /** Shapes the pointwise kernel computes: 1x1, one group (any stride; padding gives zero rows). */
    public static boolean pointwiseRuns(ConvShape s) {
        return s.kH() == 1 && s.kW() == 1 && s.groups() == 1;
    }

    /**
     * The pointwise kernel is chosen for unpadded 1x1 convolutions of at least this many output
     * pixels per call (batch included). Its gain is the short reduction: the direct kernel's
     * per-tile set-up weighs as much as the multiplies there (PAtt-Lite's pw1-pw4, LANMSFF's
     * 66-channel layers, MA-Net's 56x56 shortcut: 1.1-1.6x per step inside the networks). Long
     * reductions take it too since its micro-tile stopped spilling (5 pixels instead of 6):
     * PAtt-Lite's 14x14x512 and 28x28x256 pw layers 0.553-0.570 ms against the direct kernel's
     * 0.60-0.66 inside the network, one thread. On 7x7 maps (MA-Net's 14x14x128 stride-2 patch
     * shortcuts) the direct kernel was faster inside the network.
     * {@code -Dmien.pointwise.minPixels} moves the threshold.
     */
    public static final int MIN_POINTWISE_PIXELS = Integer.getInteger("mien.pointwise.minPixels", 14 * 14);

    static boolean pointwisePays(ConvShape s) {
        // Padding a 1x1 convolution only adds bias-only border pixels: no network here has one.
        return s.padTop() == 0 && s.padLeft() == 0 && s.padBottom() == 0 && s.padRight() == 0
                && (long) s.n() * s.outH() * s.outW() >= MIN_POINTWISE_PIXELS;
    }

    /** Shapes the depthwise kernel computes: one input channel per group, multiplier 1. */
    public static boolean depthwise(ConvShape s) { return s.isDepthwise() && s.outC() == s.inC(); }

    /**
     * The stem kernel walks a flattened kernel row (unit W dilation, one group) and fills whole
     * tiles of a row; a last channel block with fewer real channels is stored in part.
     */
    public static boolean stemRuns(ConvShape s) {
        return s.dilW() == 1 && s.groups() == 1 && s.outW() >= STEM_PIXELS;
    }

    /** The slice kernels walk a flattened kernel row (unit W dilation, one group) and fill whole channel blocks. */
    public static boolean slicedRuns(ConvShape s, int channelBlock) {
        return s.dilW() == 1 && s.groups() == 1 && s.outC() % channelBlock == 0;
    }
}
