package dev.mien.faces;

/** How a face's square crop box becomes the expression model's input. */
public enum CropPreprocessing {
    /**
     * Human 3.3.6's float pipeline, for its emotion model: TF {@code crop_and_resize} of the
     * square box to 256x256 (bilinear, zero outside the image), /255, TF {@code resize_bilinear}
     * (no half-pixel centres) to the model's input size, gray = 0.2989 R + 0.5870 G + 0.1140 B
     * for a one-channel model, then (v - 0.5) * 2.
     */
    HUMAN,
    /**
     * The expression model's own preprocessing from its network card
     * ({@code ModelPreprocessing.forCard}), applied to the square box's pixels (black outside
     * the image) as if the crop were a photo of its own.
     */
    CARD
}
