package dev.mien.faces;

import dev.mien.engine.image.ImageLoader;
import dev.mien.engine.image.RgbImage;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Boxes, tags and bars drawn over a photo; the photo itself is not changed. */
class FaceAnnotatorTest {
    static FaceAnalysis oneFace(int w, int h, Box box) {
        List<Keypoint> kp = Keypoint.NAMES.stream().map(n -> new Keypoint(n, box.x() + box.width() / 2.0, box.y() + box.height() / 2.0)).toList();
        DetectedFace d = new DetectedFace(box, box, 0.9f, kp);
        Expressions e = new Expressions(FacePipeline.HUMAN_LABELS, new float[]{0.05f, 0f, 0.05f, 0.7f, 0.1f, 0.05f, 0.05f});
        return new FaceAnalysis(w, h, List.of(new Face(d, e)));
    }

    @Test void drawsTheBoxAndLeavesTheRestOfThePhoto() throws Exception {
        RgbImage gray = new RgbImage(300, 200, filled(300 * 200 * 3, (byte) 128));
        FaceAnalysis a = oneFace(300, 200, new Box(40, 60, 80, 80));
        BufferedImage img = FaceAnnotator.annotate(gray, a);
        assertEquals(300, img.getWidth());
        assertEquals(200, img.getHeight());
        assertNotEquals(0x808080, img.getRGB(40, 100) & 0xffffff, "the box's left edge is drawn");
        assertNotEquals(0x808080, img.getRGB(80, 60) & 0xffffff, "the box's top edge is drawn");
        assertEquals(0x808080, img.getRGB(280, 190) & 0xffffff, "far from the face: the photo");
        assertEquals(0x808080, img.getRGB(80, 120) & 0xffffff, "inside the box, away from the keypoints: the photo");
        // The bar panel sits right of the box (there is room) and is darker than the photo.
        assertTrue((img.getRGB(125, 70) & 0xff) < 0x80, "panel right of the box");
        assertEquals((byte) 128, gray.rgb()[0], "the photo is not drawn on");

        ByteArrayOutputStream png = new ByteArrayOutputStream();
        FaceAnnotator.writePng(gray, a, png);
        BufferedImage back = ImageIO.read(new ByteArrayInputStream(png.toByteArray()));
        assertEquals(img.getRGB(40, 100), back.getRGB(40, 100), "PNG is lossless");
        RgbImage decoded = ImageLoader.toRgb(back);
        assertEquals(300, decoded.width());
    }

    @Test void facesAtTheEdgesAndWrongSizesAreHandled() {
        RgbImage small = new RgbImage(60, 40, new byte[60 * 40 * 3]);
        // A face filling the image: tag and panel inside, nothing drawn outside the canvas.
        BufferedImage img = FaceAnnotator.annotate(small, oneFace(60, 40, new Box(0, 0, 60, 40)));
        assertEquals(60, img.getWidth());
        FaceAnalysis none = new FaceAnalysis(60, 40, List.of());
        BufferedImage plain = FaceAnnotator.annotate(small, none);
        for (int y = 0; y < 40; y++) for (int x = 0; x < 60; x++) assertEquals(0, plain.getRGB(x, y) & 0xffffff);
        assertThrows(IllegalArgumentException.class, () -> FaceAnnotator.annotate(small, oneFace(61, 40, new Box(0, 0, 10, 10))));
    }

    static byte[] filled(int n, byte v) {
        byte[] b = new byte[n];
        java.util.Arrays.fill(b, v);
        return b;
    }
}
