package dev.mien.faces;

import dev.mien.engine.image.RgbImage;

/**
 * A face's square crop box as a picture of its own, for models that bring their own
 * preprocessing: the box's pixels copied as they are (black where the box leaves the image).
 * A box larger than {@code maxSide} is sampled down to {@code maxSide} (nearest pixel) so a
 * crop never costs more memory than that.
 */
final class CardCrop {
    private CardCrop() {}

    static RgbImage cut(RgbImage img, Box box, int maxSide) {
        int side = Math.max(1, Math.max(box.width(), box.height()));
        int out = Math.min(side, maxSide);
        int w = img.width(), h = img.height();
        byte[] src = img.rgb(), dst = new byte[3 * out * out];
        for (int y = 0; y < out; y++) {
            int sy = box.y() + (int) ((long) y * box.height() / out);
            if (sy < 0 || sy >= h) continue;
            for (int x = 0; x < out; x++) {
                int sx = box.x() + (int) ((long) x * box.width() / out);
                if (sx < 0 || sx >= w) continue;
                System.arraycopy(src, 3 * (sy * w + sx), dst, 3 * (y * out + x), 3);
            }
        }
        return new RgbImage(out, out, dst);
    }
}
