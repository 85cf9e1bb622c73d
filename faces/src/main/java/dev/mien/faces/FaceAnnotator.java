package dev.mien.faces;

import dev.mien.engine.image.RgbImage;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Locale;

/**
 * Draws a {@link FaceAnalysis} over its photo with Java2D: each face's box and keypoints, a tag
 * with its number and top expression, and a panel with one bar per expression label, beside the
 * box where there is room. Sizes follow the photo's size. Stateless and thread-safe; headless.
 */
public final class FaceAnnotator {
    private static final Color[] COLORS = {
            new Color(0x00, 0xC8, 0xFF), new Color(0xFF, 0x9F, 0x1C), new Color(0x7C, 0xFC, 0x00),
            new Color(0xFF, 0x4F, 0x9A), new Color(0xB3, 0x88, 0xFF), new Color(0xFF, 0xE0, 0x3D)};
    private static final Color PANEL = new Color(0, 0, 0, 170);

    private FaceAnnotator() {}

    /** A new RGB image: the photo with every face's box, label and probability bars. */
    public static BufferedImage annotate(RgbImage photo, FaceAnalysis analysis) {
        int w = photo.width(), h = photo.height();
        if (analysis.width() != w || analysis.height() != h)
            throw new IllegalArgumentException("analysis of a " + analysis.width() + "x" + analysis.height() + " image, photo is " + w + "x" + h);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        byte[] px = photo.rgb();
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int o = 3 * (y * w + x);
                row[x] = (px[o] & 0xff) << 16 | (px[o + 1] & 0xff) << 8 | px[o + 2] & 0xff;
            }
            img.setRGB(0, y, w, 1, row, 0, w);
        }
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            int unit = Math.max(10, Math.min(w, h) / 45);   // font size: readable on small and large photos
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, unit));
            List<Face> faces = analysis.faces();
            for (int i = 0; i < faces.size(); i++) draw(g, faces.get(i), i, unit, w, h);
        } finally {
            g.dispose();
        }
        return img;
    }

    private static void draw(Graphics2D g, Face f, int index, int unit, int w, int h) {
        Color c = COLORS[index % COLORS.length];
        Box b = f.box();
        float stroke = Math.max(2f, unit / 6f);
        g.setStroke(new BasicStroke(stroke));
        g.setColor(c);
        g.drawRect(b.x(), b.y(), Math.max(1, b.width() - 1), Math.max(1, b.height() - 1));
        int dot = Math.max(3, unit / 3);
        for (Keypoint k : f.detection().keypoints())
            g.fillOval((int) Math.round(k.x()) - dot / 2, (int) Math.round(k.y()) - dot / 2, dot, dot);

        // Tag above the box (inside it when the box touches the top edge).
        FontMetrics fm = g.getFontMetrics();
        Expressions e = f.expressions();
        String tag = String.format(Locale.ROOT, "%d %s %.0f%%", index + 1, e.top(), 100 * e.probability(e.top()));
        int tagW = fm.stringWidth(tag) + unit / 2, tagH = fm.getHeight();
        int tagY = b.y() - tagH >= 0 ? b.y() - tagH : b.y();
        g.fillRect(b.x(), tagY, tagW, tagH);
        g.setColor(Color.BLACK);
        g.drawString(tag, b.x() + unit / 4, tagY + fm.getAscent());

        // Bars: one line per label, right of the box, else left of it, else inside it.
        int labelW = 0;
        for (String l : e.labels()) labelW = Math.max(labelW, fm.stringWidth(l));
        int barW = 4 * unit, lineH = fm.getHeight(), pad = unit / 3;
        int panelW = labelW + barW + fm.stringWidth(" 100%") + 3 * pad, panelH = e.size() * lineH + 2 * pad;
        int px = b.right() + pad + panelW <= w ? b.right() + pad : b.x() - pad - panelW >= 0 ? b.x() - pad - panelW : b.x() + pad;
        int py = Math.max(0, Math.min(b.y() + (tagY < b.y() ? 0 : tagH), h - panelH));
        g.setColor(PANEL);
        g.fillRect(px, py, panelW, panelH);
        List<Integer> order = e.ranked();
        for (int i = 0; i < e.size(); i++) {
            int k = order.get(i);
            int y = py + pad + i * lineH;
            g.setColor(Color.WHITE);
            g.drawString(e.labels().get(k), px + pad, y + fm.getAscent());
            int bx = px + 2 * pad + labelW, len = Math.round(barW * Math.max(0f, Math.min(1f, e.probability(k))));
            g.setColor(new Color(255, 255, 255, 60));
            g.fillRect(bx, y + lineH / 4, barW, lineH / 2);
            g.setColor(c);
            g.fillRect(bx, y + lineH / 4, len, lineH / 2);
            g.setColor(Color.WHITE);
            g.drawString(String.format(Locale.ROOT, " %.0f%%", 100 * e.probability(k)), bx + barW, y + fm.getAscent());
        }
    }

    /** {@link #annotate} written as PNG to {@code out} (not closed). */
    public static void writePng(RgbImage photo, FaceAnalysis analysis, OutputStream out) throws IOException {
        if (!ImageIO.write(annotate(photo, analysis), "png", out)) throw new IOException("no PNG writer in this JDK");
    }
}
