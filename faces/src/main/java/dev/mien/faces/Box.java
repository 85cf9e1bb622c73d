package dev.mien.faces;

/**
 * An axis-aligned rectangle in whole pixels of the original image: top-left corner
 * ({@code x}, {@code y}), {@code width} x {@code height}. A {@link DetectedFace#cropBox() crop box}
 * may reach outside the image (negative {@code x} or {@code y}, or beyond its right or bottom edge);
 * a {@link DetectedFace#box() face box} never does.
 */
public record Box(int x, int y, int width, int height) {
    public Box {
        if (width < 0 || height < 0) throw new IllegalArgumentException("box with a negative size " + width + "x" + height);
    }

    /** One past the right-most column. */
    public int right() { return x + width; }

    /** One past the bottom row. */
    public int bottom() { return y + height; }
}
