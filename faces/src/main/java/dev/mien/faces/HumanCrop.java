package dev.mien.faces;

import dev.mien.engine.image.RgbImage;

/**
 * Human 3.3.6's input for its expression model, in TF.js's float32 arithmetic: the square box cut
 * and resized to the detector's size with {@code crop_and_resize} (zero outside the image), /255,
 * {@code resize_bilinear} to the model's size; then for a gray model 0.2989 R + 0.5870 G +
 * 0.1140 B (each product in float32, their sum in double, as TF.js's sum kernel adds), minus 0.5,
 * times 2; for an RGB model (Human's AffectNet path) x255 less the Caffe channel means.
 */
final class HumanCrop {
    private static final float[] GRAY = {0.2989f, 0.5870f, 0.1140f};
    private static final float[] MEANS = {103.939f, 116.779f, 123.68f};

    private HumanCrop() {}

    /** The cut-out face, {@code cutSize} square, RGB in [0, 1], as Human's face tensor. */
    static float[] face(RgbImage img, Box cropBox, int cutSize) {
        double h = img.height(), w = img.width();
        float[] face = TfResize.cropAndResize(img, cropBox.y() / h, cropBox.x() / w, cropBox.bottom() / h, cropBox.right() / w, cutSize, cutSize);
        for (int i = 0; i < face.length; i++) face[i] = face[i] / 255f;
        return face;
    }

    /** The expression model's input (NHWC, one sample) for one face. */
    static float[] input(RgbImage img, Box cropBox, int cutSize, int height, int width, int channels) {
        float[] r = TfResize.resizeBilinear(face(img, cropBox, cutSize), cutSize, cutSize, 3, height, width);
        if (channels == 3) {
            for (int i = 0; i < r.length; i++) r[i] = r[i] * 255f - MEANS[i % 3];
            return r;
        }
        float[] g = new float[height * width];
        for (int i = 0; i < g.length; i++) {
            double sum = 0;
            for (int c = 0; c < 3; c++) sum += r[3 * i + c] * GRAY[c];
            g[i] = ((float) sum - 0.5f) * 2f;
        }
        return g;
    }
}
