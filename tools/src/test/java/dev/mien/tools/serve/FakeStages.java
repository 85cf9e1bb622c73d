package dev.mien.tools.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mien.engine.image.RgbImage;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in face model with the real one's shape, for the server's own tests: "faces" are
 * the image's horizontal bands whose first pixel is bright (so a test image decides its face
 * count), and a face's "expressions" are a softmax of its band's mean colour. Records every
 * classify call; detect can be held on a latch to keep requests in flight.
 */
final class FakeStages implements FaceStages<FakeStages.Detected, List<float[]>> {
    static final String[] LABELS = {"angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"};

    record Detected(int width, int height, List<int[]> boxes, List<float[]> means) {}

    final List<Integer> classifyCalls = new CopyOnWriteArrayList<>();
    final AtomicInteger detecting = new AtomicInteger();
    volatile CountDownLatch hold;
    volatile boolean closed;
    /** Work each detect stands for (the load test needs a server with a finite capacity). */
    volatile long detectMillis;
    /** Makes classify fail, as a broken model would. */
    volatile boolean failClassify;

    @Override
    public Detected detect(RgbImage image) {
        detecting.incrementAndGet();
        try {
            CountDownLatch h = hold;
            if (h != null && !h.await(60, TimeUnit.SECONDS)) throw new IllegalStateException("held too long");
            if (detectMillis > 0) Thread.sleep(detectMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            detecting.decrementAndGet();
        }
        int w = image.width(), h = image.height(), bands = 8, bh = Math.max(1, h / bands);
        byte[] px = image.rgb();
        List<int[]> boxes = new ArrayList<>();
        List<float[]> means = new ArrayList<>();
        for (int b = 0; b * bh < h && b < bands; b++) {
            int y0 = b * bh;
            if ((px[3 * (y0 * w)] & 0xff) < 128) continue;
            double[] m = new double[3];
            int y1 = Math.min(h, y0 + bh);
            for (int y = y0; y < y1; y++)
                for (int x = 0; x < w; x++)
                    for (int c = 0; c < 3; c++) m[c] += px[3 * (y * w + x) + c] & 0xff;
            double n = (double) (y1 - y0) * w;
            boxes.add(new int[]{0, y0, w, y1 - y0});
            means.add(new float[]{(float) (m[0] / n), (float) (m[1] / n), (float) (m[2] / n)});
        }
        return new Detected(w, h, boxes, means);
    }

    @Override
    public int faces(Detected d) { return d.boxes.size(); }

    @Override
    public List<List<float[]>> classify(List<Detected> detected) {
        classifyCalls.add(detected.stream().mapToInt(this::faces).sum());
        if (failClassify) throw new IllegalStateException("the expression model failed");
        List<List<float[]>> out = new ArrayList<>();
        for (Detected d : detected) {
            List<float[]> one = new ArrayList<>();
            for (float[] m : d.means) one.add(expressions(m));
            out.add(one);
        }
        return out;
    }

    static float[] expressions(float[] mean) {
        double[] e = new double[LABELS.length];
        double sum = 0;
        for (int i = 0; i < e.length; i++) {
            e[i] = Math.exp(((i + 1) * mean[i % 3] + i * mean[(i + 1) % 3]) / 255.0);
            sum += e[i];
        }
        float[] p = new float[e.length];
        for (int i = 0; i < e.length; i++) p[i] = (float) (e[i] / sum);
        return p;
    }

    @Override
    public ObjectNode json(String imageName, RgbImage image, Detected d, List<float[]> expressions, ObjectMapper mapper) {
        ObjectNode r = mapper.createObjectNode().put("image", imageName).put("width", d.width).put("height", d.height);
        ArrayNode faces = r.putArray("faces");
        for (int i = 0; i < d.boxes.size(); i++) {
            int[] b = d.boxes.get(i);
            ObjectNode f = faces.addObject();
            ArrayNode box = f.putArray("box");
            for (int v : b) box.add(v);
            f.put("score", 0.9);
            ArrayNode kp = f.putArray("keypoints");
            kp.addArray().add(b[0] + b[2] / 3.0).add(b[1] + b[3] / 2.0);
            kp.addArray().add(b[0] + 2 * b[2] / 3.0).add(b[1] + b[3] / 2.0);
            ObjectNode ex = f.putObject("expressions");
            float[] p = expressions.get(i);
            for (int k = 0; k < LABELS.length; k++) ex.put(LABELS[k], p[k]);
        }
        return r;
    }

    /** The photo with each band's box outlined in white. */
    @Override
    public byte[] annotatedPng(RgbImage image, Detected d, List<float[]> expressions) {
        var img = new java.awt.image.BufferedImage(image.width(), image.height(), java.awt.image.BufferedImage.TYPE_INT_RGB);
        var g = img.createGraphics();
        g.setColor(java.awt.Color.WHITE);
        for (int[] b : d.boxes) g.drawRect(b[0], b[1], b[2] - 1, b[3] - 1);
        g.dispose();
        var out = new java.io.ByteArrayOutputStream();
        try {
            javax.imageio.ImageIO.write(img, "png", out);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    @Override
    public ObjectNode describe(ObjectMapper mapper) {
        ObjectNode n = mapper.createObjectNode().put("detector", "fake-bands");
        n.putArray("expressions").addAll(java.util.Arrays.stream(LABELS).map(mapper.getNodeFactory()::textNode).toList());
        return n;
    }

    @Override
    public void close() { closed = true; }
}
