package dev.mien.kernels.simd;

import dev.mien.kernels.Activation;
import dev.mien.kernels.Backend;
import dev.mien.kernels.ConvAlgorithm;
import dev.mien.kernels.ConvShape;
import dev.mien.kernels.PackedLayouts;
import dev.mien.kernels.PackedWeights;
import dev.mien.kernels.ScalarBackend;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The convolution algorithm: which one each real layer shape gets, that every algorithm a
 * shape allows gives the reference result, that an impossible one is refused with a reason,
 * and that weights adopted from a native segment compute the same bits as heap-packed ones.
 */
class ConvAlgorithmTest {
    final Random rnd = new Random(20261130);
    static final ScalarBackend REF = new ScalarBackend();
    // Shared by the tests: every backend owns a worker team.
    static final VectorBackend V1 = new VectorBackend(1), V2 = new VectorBackend(2);

    static ConvShape conv(int n, int hw, int cin, int cout, int k, int stride, int pad, int groups) {
        return new ConvShape(n, hw, hw, cin, cout, k, k, stride, stride, 1, 1, pad, pad, pad, pad, groups);
    }

    @Test
    void realLayersTakeTheirPath() {
        VectorBackend v = V2;
        // MA-Net: the 7x7x512 patch layers at batch 1 are sliced, at batch 8 Winograd (element-major).
        assertEquals(ConvAlgorithm.SLICED, v.convAlgorithm(conv(1, 7, 512, 512, 3, 1, 1, 1)));
        assertEquals(ConvAlgorithm.WINOGRAD, v.convAlgorithm(conv(8, 7, 512, 512, 3, 1, 1, 1)));
        assertTrue(WinogradKernel.elementMajor(conv(8, 7, 512, 512, 3, 1, 1, 1), 2));
        assertTrue(WinogradKernel.elementMajor(new ConvShape(8, 7, 7, 256, 512, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1), 2));
        assertFalse(WinogradKernel.elementMajor(conv(8, 7, 256, 256, 3, 1, 1, 1), 2));
        // The 3x3 stride-1 layers on 56x56 to 14x14 maps take Winograd: F(4x4) on 56x56 and 28x28
        // (and 14x14 from batch 4), F(2x2) on 14x14 at batch 1; 7x7 maps at batch 1, stride 2, few
        // channels and 512 channels do not; 7x7 maps at batch 8 take F(2x2), whose transformed
        // weights are 16/9 of the direct ones instead of 4x.
        assertEquals(ConvAlgorithm.WINOGRAD4, v.convAlgorithm(conv(1, 56, 64, 64, 3, 1, 1, 1)));
        assertEquals(ConvAlgorithm.WINOGRAD4, v.convAlgorithm(conv(1, 28, 128, 128, 3, 1, 1, 1)));
        assertEquals(ConvAlgorithm.WINOGRAD4, V1.convAlgorithm(conv(1, 28, 128, 128, 3, 1, 1, 1)));
        assertEquals(ConvAlgorithm.WINOGRAD, v.convAlgorithm(conv(1, 14, 256, 256, 3, 1, 1, 1)));
        assertEquals(ConvAlgorithm.WINOGRAD, v.convAlgorithm(conv(1, 14, 64, 64, 3, 1, 1, 1)));
        assertEquals(ConvAlgorithm.WINOGRAD4, v.convAlgorithm(conv(4, 14, 64, 64, 3, 1, 1, 1)));
        assertEquals(ConvAlgorithm.WINOGRAD4, v.convAlgorithm(conv(8, 14, 256, 256, 3, 1, 1, 1)));
        assertEquals(ConvAlgorithm.SLICED, v.convAlgorithm(conv(1, 7, 256, 256, 3, 1, 1, 1)));
        assertEquals(ConvAlgorithm.WINOGRAD, v.convAlgorithm(conv(8, 7, 256, 256, 3, 1, 1, 1)));
        assertTrue(WinogradKernel.elementMajor(conv(1, 14, 256, 256, 3, 1, 1, 1), 4));
        assertFalse(WinogradKernel.elementMajor(conv(1, 28, 128, 128, 3, 1, 1, 1), 4));
        assertEquals(ConvAlgorithm.ROWS, v.convAlgorithm(conv(1, 56, 64, 128, 3, 2, 1, 1)));
        assertEquals(ConvAlgorithm.ROWS, V1.convAlgorithm(conv(1, 56, 64, 128, 3, 2, 1, 1)));
        assertEquals(ConvAlgorithm.ROWS, v.convAlgorithm(conv(1, 56, 16, 16, 3, 1, 1, 1)));
        // LANMSFF's dilated two-path layers (32x32, dilation 2, padding 2) take Winograd F(4x4) on
        // their 16x16 phases, on 1 and 2 threads; its 64x64 layers F(4x4) too.
        ConvShape dilated = new ConvShape(1, 32, 32, 72, 36, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 1);
        assertEquals(ConvAlgorithm.WINOGRAD4, v.convAlgorithm(dilated));
        assertEquals(ConvAlgorithm.WINOGRAD4, V1.convAlgorithm(dilated));
        assertEquals(ConvAlgorithm.WINOGRAD4, V1.convAlgorithm(conv(1, 64, 66, 66, 3, 1, 1, 1)));
        // A dilated layer whose phases are smaller than 14x14 stays on F(2x2) (the 16x16 LANMSFF map at dilation 2: 8x8 phases).
        assertEquals(ConvAlgorithm.WINOGRAD, V1.convAlgorithm(new ConvShape(1, 16, 16, 78, 78, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 1)));
        assertEquals(new ConvShape(4, 16, 16, 72, 36, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1), ConvAlgorithm.phaseShape(dilated));
        // 1x1 convolutions do not repay the planar copy: the pointwise kernel or the direct one.
        assertEquals(ConvAlgorithm.POINTWISE, v.convAlgorithm(conv(1, 14, 512, 512, 1, 1, 0, 1)));
        assertEquals(ConvAlgorithm.DIRECT, v.convAlgorithm(conv(1, 7, 512, 512, 1, 1, 0, 1)));
        // PAtt-Lite's depthwise layers; a CBAM-like 7x7x2 -> 1 gate runs inline.
        assertEquals(ConvAlgorithm.DEPTHWISE, v.convAlgorithm(conv(1, 112, 64, 64, 3, 2, 1, 64)));
        assertEquals(ConvAlgorithm.INLINE, v.convAlgorithm(conv(1, 7, 2, 1, 7, 1, 3, 1)));
        // One thread has no team to spare: no inline distinction.
        assertEquals(ConvAlgorithm.ROWS, V1.convAlgorithm(conv(1, 7, 2, 1, 7, 1, 3, 1)));
        assertEquals(ConvAlgorithm.REFERENCE, REF.convAlgorithm(conv(1, 7, 512, 512, 3, 1, 1, 1)));
    }

    @Test
    void impossibleAlgorithmsAreRefusedWithAReason() {
        VectorBackend v = V1;
        ConvShape dense = conv(1, 7, 64, 64, 3, 1, 1, 1), dw = conv(1, 7, 64, 64, 3, 1, 1, 64);
        assertTrue(v.refusal(dense, ConvAlgorithm.DEPTHWISE).contains("one input channel per output channel"));
        assertTrue(v.refusal(dw, ConvAlgorithm.DIRECT).contains("depthwise"));
        int notWhole = ConvKernel.CB + ConvKernel.VL;   // 48 with AVX-512's 32-channel blocks, 24 with AVX2's 16
        assertTrue(v.refusal(conv(1, 7, 64, notWhole, 3, 1, 1, 1), ConvAlgorithm.SLICED).contains("multiple of " + ConvKernel.CB));
        assertNotNull(v.refusal(dense, ConvAlgorithm.REFERENCE));
        assertNotNull(REF.refusal(dense, ConvAlgorithm.DIRECT));
        assertNull(v.refusal(dense, ConvAlgorithm.SLICED));
        float[] x = new float[(int) dense.inputSize()], y = new float[(int) dense.outputSize()];
        PackedWeights w = v.packConv(dense, new float[(int) dense.weightCount()]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> v.conv2d(dense, ConvAlgorithm.DEPTHWISE, x, 0, w, null, null, 0, Activation.NONE, 0f, y, 0));
        assertTrue(e.getMessage().contains("depthwise"));
        assertThrows(IllegalArgumentException.class, () -> ConvAlgorithm.parse("fft"));
        assertEquals(ConvAlgorithm.WINOGRAD, ConvAlgorithm.parse("winograd"));
        assertEquals(ConvAlgorithm.WINOGRAD4, ConvAlgorithm.parse("winograd4"));
        assertTrue(v.refusal(conv(1, 9, 16, 16, 3, 2, 1, 1), ConvAlgorithm.WINOGRAD).contains("stride 1"));
        assertTrue(v.refusal(conv(1, 9, 16, 16, 1, 1, 0, 1), ConvAlgorithm.WINOGRAD).contains("3x3"));
        assertNull(v.refusal(conv(1, 5, 3, 7, 3, 1, 0, 1), ConvAlgorithm.WINOGRAD));
        assertEquals(ConvAlgorithm.SLICED, ConvAlgorithm.parse(" Sliced"));
    }

    @Test
    void everyAllowedAlgorithmMatchesTheReference() {
        Backend[] vec = {V1, V2};
        int runs = 0;
        for (int t = 0; t < 30; t++) {
            int k = 1 + 2 * rnd.nextInt(2), groups = rnd.nextInt(4) == 0 ? 2 : 1;
            boolean depthwise = rnd.nextInt(4) == 0;
            int cin = depthwise ? 8 + rnd.nextInt(40) : groups * (1 + rnd.nextInt(40));
            int cout = depthwise ? cin : groups * (rnd.nextBoolean() ? ConvKernel.CB / groups * (1 + rnd.nextInt(2)) : 1 + rnd.nextInt(40));
            ConvShape s = new ConvShape(1 + rnd.nextInt(2), k + rnd.nextInt(9), k + rnd.nextInt(9), cin, cout, k, k,
                    1 + rnd.nextInt(2), 1 + rnd.nextInt(2), 1, 1, rnd.nextInt(2), rnd.nextInt(2), rnd.nextInt(2), rnd.nextInt(2),
                    depthwise ? cin : groups);
            float[] w = random((int) s.weightCount()), x = random((int) s.inputSize()), bias = random(cout);
            float[] res = rnd.nextBoolean() ? random((int) s.outputSize()) : null;
            float[] exp = new float[(int) s.outputSize()];
            REF.conv2d(s, x, 0, REF.packConv(s, w), bias, res, 0, Activation.RELU, 0f, exp, 0);
            for (Backend v : vec) {
                PackedWeights pw = v.packConv(s, w);
                for (ConvAlgorithm a : ConvAlgorithm.values()) {
                    if (v.refusal(s, a) != null) continue;
                    float[] got = new float[exp.length];
                    v.conv2d(s, a, x, 0, pw, bias, res, 0, Activation.RELU, 0f, got, 0);
                    for (int i = 0; i < exp.length; i++)
                        assertTrue(Math.abs(exp[i] - got[i]) <= 1e-4 + 1e-4 * Math.abs(exp[i]),
                                a + " " + v.threads() + "t " + s + ": element " + i + " expected " + exp[i] + " got " + got[i]);
                    runs++;
                }
            }
        }
        assertTrue(runs >= 60, "only " + runs + " algorithm runs");
    }

    @Test
    void weightsAdoptedFromANativeSegmentGiveTheSameBits() {
        VectorBackend v = V2;
        ConvShape[] shapes = {conv(1, 7, 512, 64, 3, 1, 1, 1), conv(1, 9, 20, 20, 3, 1, 1, 20), conv(2, 6, 12, 40, 3, 2, 1, 2)};
        // Shared: the worker team reads the weights too (a confined segment is readable by its owner thread only).
        try (Arena arena = Arena.ofShared()) {
            for (ConvShape s : shapes) {
                float[] w = random((int) s.weightCount()), x = random((int) s.inputSize());
                PackedWeights heap = v.packConv(s, w);
                MemorySegment copy = arena.allocate(heap.segment().byteSize(), 64);
                copy.copyFrom(heap.segment());
                PackedWeights mapped = v.adoptConv(s, heap.layout(), copy);
                assertNotNull(mapped, "the backend's own layout is adopted");
                assertTrue(mapped.segment().isNative());
                float[] a = new float[(int) s.outputSize()], b = new float[a.length];
                v.conv2d(s, x, 0, heap, null, null, 0, Activation.NONE, 0f, a, 0);
                v.conv2d(s, x, 0, mapped, null, null, 0, Activation.NONE, 0f, b, 0);
                assertArrayEquals(a, b, s.toString());
                // Any layout unpacks to the original HWIO weights.
                assertArrayEquals(w, PackedLayouts.unpack(heap.layout(), s, heap.segment()));
            }
        }
    }

    @Test
    void anotherVectorLengthsLayoutIsNotAdoptedButUnpacks() {
        VectorBackend v = V1;
        ConvShape s = conv(1, 5, 24, 40, 3, 1, 1, 1);
        float[] w = random((int) s.weightCount());
        String other = PackedLayouts.blocked(ConvKernel.CB == 32 ? 16 : 32);
        MemorySegment packed = PackedLayouts.packBlocked(s, w, ConvKernel.CB == 32 ? 16 : 32);
        assertNull(v.adoptConv(s, other, packed));
        assertArrayEquals(w, PackedLayouts.unpack(other, s, packed));
        assertThrows(IllegalArgumentException.class, () -> PackedLayouts.unpack("blocked-cb32-v9", s, packed));
    }

    float[] random(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rnd.nextGaussian();
        return a;
    }
}
