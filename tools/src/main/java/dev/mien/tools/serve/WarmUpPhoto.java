package dev.mien.tools.serve;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The synthetic photo the server warms up on: 640 x 480, smooth gradients with a few bright
 * discs, encoded as PNG so that the warm-up also runs the request path's decoder. Its content
 * does not matter (the warm-up crops fixed boxes); its size is a typical upload's.
 */
final class WarmUpPhoto {
    static final int WIDTH = 640, HEIGHT = 480;

    private WarmUpPhoto() {}

    static byte[] png() {
        BufferedImage img = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < HEIGHT; y++)
            for (int x = 0; x < WIDTH; x++) {
                int r = 255 * x / WIDTH, g = 255 * y / HEIGHT, b = 128;
                for (int k = 0; k < 3; k++) {
                    int cx = 160 + 160 * k, cy = 240, dx = x - cx, dy = y - cy;
                    if (dx * dx + dy * dy < 70 * 70) r = g = b = 220;
                }
                img.setRGB(x, y, r << 16 | g << 8 | b);
            }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
