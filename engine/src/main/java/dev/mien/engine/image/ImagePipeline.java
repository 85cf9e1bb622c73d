package dev.mien.engine.image;

import dev.mien.engine.Tensor;

import java.io.IOException;
import java.nio.file.Path;

/** Turns an image into a model's input exactly as the model's authors preprocessed it. */
public interface ImagePipeline {
    String name();

    String description();

    /** NHWC tensor with batch 1. */
    Tensor apply(RgbImage image);

    default Tensor apply(Path image) throws IOException { return apply(ImageLoader.readRgb(image)); }
}
