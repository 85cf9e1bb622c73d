package dev.mien.engine.image;

import dev.mien.engine.NetworkCard;
import dev.mien.engine.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The image pipeline a network card names, at the card's input size. */
class CardPreprocessingTest {
    static NetworkCard card(String preprocessing, int h, int w, int c) {
        return new NetworkCard("test", "x", NetworkCard.Layout.NHWC, h, w, c, preprocessing, "y", true, List.of(), Map.of());
    }

    @Test
    void theCardChoosesThePipelineAndItsSize() {
        byte[] px = new byte[3 * 5 * 4];
        for (int i = 0; i < px.length; i++) px[i] = (byte) (17 * i);
        RgbImage img = new RgbImage(5, 4, px);
        Tensor gray = ModelPreprocessing.forCard(card("keras-gray-pm1", 8, 6, 1)).apply(img);
        assertArrayEquals(new int[]{1, 8, 6, 1}, gray.shape());
        assertArrayEquals(ModelPreprocessing.byName("keras-gray-pm1", new int[]{8, 6, 1}).apply(img).data(), gray.data());
        Tensor lan = ModelPreprocessing.forCard(card("lanmsff", 64, 64, 1)).apply(img);
        assertArrayEquals(ModelPreprocessing.byName("lanmsff").apply(img).data(), lan.data());
    }

    @Test
    void aCardWithoutPreprocessingSaysSo() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelPreprocessing.forCard(card("", 8, 8, 3)));
        assertTrue(e.getMessage().contains("does not say how to preprocess") && e.getMessage().contains("keras-gray-pm1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ModelPreprocessing.forCard(card("sepia", 8, 8, 3)));
    }
}
