package dev.mien.engine.image;

/** An 8-bit RGB image, pixels interleaved row by row (what PIL's convert('RGB') holds). */
public final class RgbImage {
    private final int width, height;
    private final byte[] rgb;

    public RgbImage(int width, int height, byte[] rgb) {
        if (width < 1 || height < 1 || rgb.length != 3L * width * height)
            throw new IllegalArgumentException("image " + width + "x" + height + " needs " + 3L * width * height + " bytes, got " + rgb.length);
        this.width = width;
        this.height = height;
        this.rgb = rgb;
    }

    public int width() { return width; }
    public int height() { return height; }
    /** The pixel bytes (no copy). */
    public byte[] rgb() { return rgb; }
}
