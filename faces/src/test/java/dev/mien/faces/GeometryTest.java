package dev.mien.faces;

import dev.mien.engine.Tensor;
import dev.mien.engine.image.RgbImage;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Anchors, non-maximum suppression, TF's resize and crop, output assembly, crops and results. */
class GeometryTest {
    final Random rnd = new Random(11);

    @Test void anchorsFollowTheTwoGrids() {
        float[] a = Anchors.centres(256);
        assertEquals(2 * 896, a.length);
        assertArrayEquals(new float[]{8, 8, 8, 8, 24, 8}, java.util.Arrays.copyOfRange(a, 0, 6));
        assertArrayEquals(new float[]{8, 24}, java.util.Arrays.copyOfRange(a, 2 * 32, 2 * 32 + 2), "row 1 starts after 16 cells x 2");
        assertArrayEquals(new float[]{248, 248}, java.util.Arrays.copyOfRange(a, 2 * 511, 2 * 512));
        for (int k = 512; k < 518; k++) assertArrayEquals(new float[]{16, 16}, java.util.Arrays.copyOfRange(a, 2 * k, 2 * k + 2), "6 anchors per 32-px cell");
        assertArrayEquals(new float[]{240, 240}, java.util.Arrays.copyOfRange(a, 2 * 895, 2 * 896));
        float[] half = Anchors.centres(128);
        assertEquals(2 * 896, half.length, "the same grids at half the size");
        for (int i = 0; i < a.length; i++) assertEquals(a[i] / 2, half[i]);
    }

    @Test void nonMaximumSuppressionKeepsTheBestOfEachCluster() {
        for (int trial = 0; trial < 200; trial++) {
            int n = 1 + rnd.nextInt(60);
            float[] boxes = new float[4 * n], scores = new float[n];
            for (int i = 0; i < n; i++) {
                float x = rnd.nextInt(100), y = rnd.nextInt(100), w = 1 + rnd.nextInt(40), h = 1 + rnd.nextInt(40);
                boolean flip = rnd.nextBoolean();   // corners in either order
                boxes[4 * i] = flip ? x + w : x; boxes[4 * i + 1] = y; boxes[4 * i + 2] = flip ? x : x + w; boxes[4 * i + 3] = y + h;
                scores[i] = rnd.nextInt(10) / 10f;   // many ties
            }
            float iou = 0.05f + rnd.nextFloat() * 0.5f, thr = rnd.nextInt(5) / 10f;
            int max = 1 + rnd.nextInt(n + 2);
            List<Integer> kept = NonMaxSuppression.select(boxes, scores, max, iou, thr);
            assertTrue(kept.size() <= max);
            for (int i = 0; i < kept.size(); i++) {
                assertTrue(scores[kept.get(i)] > thr);
                if (i > 0) {
                    int a = kept.get(i - 1), b = kept.get(i);
                    assertTrue(scores[a] > scores[b] || scores[a] == scores[b] && a < b, "best first, lower index first among equals");
                }
                for (int j = 0; j < i; j++) assertTrue(NonMaxSuppression.iou(boxes, kept.get(i), kept.get(j)) < iou);
            }
            if (kept.size() < max) {
                // Every candidate left out overlaps a kept box that ranks before it.
                for (int c = 0; c < n; c++) {
                    if (!(scores[c] > thr) || kept.contains(c)) continue;
                    boolean covered = false;
                    for (int k : kept)
                        if ((scores[k] > scores[c] || scores[k] == scores[c] && k < c) && NonMaxSuppression.iou(boxes, c, k) >= iou) covered = true;
                    assertTrue(covered, "candidate " + c + " dropped without a reason");
                }
            }
        }
    }

    @Test void iouOfKnownBoxes() {
        float[] b = {0, 0, 10, 10, 5, 0, 15, 10, 20, 20, 20, 30};
        assertEquals(50.0 / 150.0, NonMaxSuppression.iou(b, 0, 1), 1e-12);
        assertEquals(0, NonMaxSuppression.iou(b, 0, 2), "an empty box overlaps nothing");
        assertEquals(1, NonMaxSuppression.iou(b, 1, 1), 1e-12);
    }

    @Test void resizeBilinearSamplesTheGridWithoutHalfPixelCentres() {
        int h = 7, w = 9, c = 2;
        float[] src = new float[h * w * c];
        for (int i = 0; i < src.length; i++) src[i] = rnd.nextFloat() * 255;
        assertArrayEquals(src, TfResize.resizeBilinear(src, h, w, c, h, w), "same size: the identity");
        float[] up = TfResize.resizeBilinear(src, h, w, c, 2 * h, 2 * w);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int d = 0; d < c; d++) assertEquals(src[(y * w + x) * c + d], up[((2 * y) * 2 * w + 2 * x) * c + d], "even outputs are source pixels");
        // Odd outputs are the mean of two neighbours (the last column repeats the edge).
        assertEquals((float) ((src[0] + (double) src[c]) / 2), up[c], 1e-6f);
        assertEquals(src[(w - 1) * c], up[(2 * w - 1) * c], "beyond the last column: the edge");
    }

    @Test void resizeOfBytesEqualsResizeOfFloats() {
        RgbImage img = FacePipelineTest.randomImage(37, 23, 4);
        float[] f = new float[img.rgb().length];
        for (int i = 0; i < f.length; i++) f[i] = img.rgb()[i] & 0xff;
        assertArrayEquals(TfResize.resizeBilinear(f, 23, 37, 3, 16, 16), TfResize.resizeBilinear(img, 0, 0, 23, 37, 16, 16));
        // A letterboxed image is the image on a black square.
        float[] sq = new float[37 * 37 * 3];
        System.arraycopy(f, 0, sq, 7 * 37 * 3, f.length);
        assertArrayEquals(TfResize.resizeBilinear(sq, 37, 37, 3, 16, 16), TfResize.resizeBilinear(img, 7, 0, 37, 37, 16, 16));
    }

    @Test void cropAndResizeOfTheWholeImageIsTheImageAndOutsideIsBlack() {
        RgbImage img = FacePipelineTest.randomImage(12, 10, 6);
        float[] whole = TfResize.cropAndResize(img, 0, 0, 1, 1, 10, 12);
        for (int i = 0; i < whole.length; i++) assertEquals(img.rgb()[i] & 0xff, whole[i], 1e-4f);
        float[] outside = TfResize.cropAndResize(img, 1.5, 1.5, 2.5, 2.5, 4, 4);
        for (float v : outside) assertEquals(0f, v);
        // A box twice the image centred on it: the outer ring is black; the centre sample falls at
        // (4.5, 5.5) in the 10 x 12 image (corners scaled by size - 1), between four pixels.
        float[] big = TfResize.cropAndResize(img, -0.5, -0.5, 1.5, 1.5, 19, 23);
        assertEquals(0f, big[0]);
        double mean = 0;
        for (int y = 4; y <= 5; y++) for (int x = 5; x <= 6; x++) mean += (img.rgb()[3 * (y * 12 + x)] & 0xff) / 4.0;
        assertEquals(mean, big[3 * (9 * 23 + 11)], 1e-3);
    }

    @Test void fourDetectorOutputsAreJoinedAsHumanDoes() {
        float[] s512 = random(512), b512 = random(512 * 16), s384 = random(384), b384 = random(384 * 16);
        List<Tensor> outs = new ArrayList<>(List.of(new Tensor(new int[]{1, 384, 16}, b384), new Tensor(new int[]{1, 512, 1}, s512),
                new Tensor(new int[]{1, 512, 16}, b512), new Tensor(new int[]{1, 384, 1}, s384)));
        Collections.shuffle(outs, rnd);
        float[] raw = DetectorOutputs.rows(outs, 896);
        assertEquals(s512[3], raw[3 * 17]);
        assertEquals(b512[3 * 16 + 15], raw[3 * 17 + 16]);
        assertEquals(s384[0], raw[512 * 17]);
        assertEquals(b384[383 * 16], raw[895 * 17 + 1]);
        float[] one = random(896 * 17);
        assertArrayEquals(one, DetectorOutputs.rows(List.of(new Tensor(new int[]{1, 896, 17}, one)), 896));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> DetectorOutputs.rows(List.of(new Tensor(new int[]{1, 10}, random(10))), 896));
        assertTrue(e.getMessage().contains("[1, 10]"), e.getMessage());
    }

    @Test void cardCropCopiesTheBoxAndBlacksOutTheRest() {
        RgbImage img = FacePipelineTest.randomImage(20, 10, 8);
        RgbImage c = CardCrop.cut(img, new Box(15, -2, 8, 8), 4096);
        assertEquals(8, c.width());
        for (int y = 0; y < 8; y++)
            for (int x = 0; x < 8; x++)
                for (int d = 0; d < 3; d++) {
                    int sx = 15 + x, sy = y - 2;
                    int want = sx < 20 && sy >= 0 && sy < 10 ? img.rgb()[3 * (sy * 20 + sx) + d] & 0xff : 0;
                    assertEquals(want, c.rgb()[3 * (y * 8 + x) + d] & 0xff);
                }
        RgbImage small = CardCrop.cut(img, new Box(0, 0, 10, 10), 5);
        assertEquals(5, small.width());
        assertEquals(img.rgb()[3 * (2 * 20 + 2)], small.rgb()[3 * (1 * 5 + 1)], "every second pixel");
    }

    @Test void clampKeepsBoxesInsideTheImage() {
        assertEquals(new Box(0, 0, 30, 40), BlazeFaceDecoder.clamp(-10, -5, 30, 40, 100, 100));
        assertEquals(new Box(90, 95, 10, 5), BlazeFaceDecoder.clamp(90, 95, 130, 140, 100, 100));
        assertEquals(new Box(100, 0, 0, 10), BlazeFaceDecoder.clamp(120, 0, 140, 10, 100, 100), "a box right of the image is empty");
    }

    @Test void expressionsKeepLabelOrderAndRank() {
        Expressions e = new Expressions(List.of("a", "b", "c"), new float[]{0.2f, 0.5f, 0.3f});
        assertEquals("b", e.top());
        assertEquals(List.of(1, 2, 0), e.ranked());
        assertEquals(List.of("a", "b", "c"), List.copyOf(e.asMap().keySet()));
        assertEquals(0.3f, e.probability("c"));
        assertThrows(IllegalArgumentException.class, () -> e.probability("z"));
        assertThrows(IllegalArgumentException.class, () -> new Expressions(List.of("a"), new float[2]));
        assertEquals(Map.of("a", 0.2f, "b", 0.5f, "c", 0.3f), e.asMap());
        assertThrows(IllegalArgumentException.class, () -> FaceAnalysis.of(1, 1, List.of(), List.of(e)));
    }

    private float[] random(int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = (float) rnd.nextGaussian();
        return f;
    }
}
