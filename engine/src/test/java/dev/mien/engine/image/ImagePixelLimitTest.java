package dev.mien.engine.image;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** The pixel limit is checked from the header, and raising it lets the same image through. */
class ImagePixelLimitTest {
    @TempDir Path dir;

    @Test
    void imagesBeyondTheLimitAreRefusedAndTheLimitCanBeRaised() throws IOException {
        Path png = dir.resolve("face.png");
        ImageIO.write(new BufferedImage(12, 10, BufferedImage.TYPE_3BYTE_BGR), "png", png.toFile());
        System.setProperty("mien.limits.maxImagePixels", "100");
        try {
            IOException e = assertThrows(IOException.class, () -> ImageLoader.readRgb(png));
            assertEquals(png + ": image of 12x10 pixels exceeds 100 pixels (limit mien.limits.maxImagePixels; raise it with -Dmien.limits.maxImagePixels=N)",
                    e.getMessage());
            System.setProperty("mien.limits.maxImagePixels", "120");
            assertEquals(12, ImageLoader.readRgb(png).width());
        } finally {
            System.clearProperty("mien.limits.maxImagePixels");
        }
    }
}
