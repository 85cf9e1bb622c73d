package dev.mien.faces;

import dev.mien.engine.Model;
import dev.mien.engine.image.RgbImage;

import java.io.IOException;
import java.util.List;

/**
 * A photo in, every face and its expression out: a face detector (BlazeFace), a crop per face,
 * and an expression classifier, computed as @vladmandic/human 3.3.6 computes them (same
 * boxes, keypoints, scores and emotion probabilities, to float rounding).
 *
 * <p>Stages, each usable on its own (a server batches {@link #classify(List)} across requests):
 * <ol>
 * <li>{@link #detect}: the whole image resized bilinearly to the detector's 256x256 (no
 *     half-pixel centres, aspect ratio not kept unless {@link Builder#letterbox}), x / 127.5 - 1;
 *     896 anchors decoded; non-maximum suppression (IoU 0.1, score &gt; 0.2); each box enlarged 1.4x
 *     about its centre and made square, corners rounded.</li>
 * <li>{@link #crop}: the square box cut and resized to the expression model's input
 *     ({@link CropPreprocessing}).</li>
 * <li>{@link #classify}: one expression-model call over any number of faces.</li>
 * </ol>
 *
 * <p>Thread-safe: any number of threads may call any stage at once (the models are shared,
 * each call borrows its own buffers). {@link #close} closes the models the pipeline owns (those
 * it loaded itself); models passed to the {@link Builder} stay open unless
 * {@link Builder#closeModels} says otherwise.
 */
public final class FacePipeline implements AutoCloseable {
    /** Human's emotion labels, in its model's output order. */
    public static final List<String> HUMAN_LABELS = List.of("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral");

    private FacePipeline() {}

    /**
     * The built-in pipeline: {@code builtin:blazeface} and {@code builtin:emotion} from the
     * {@code mien-default-models} jar on the class path, with Human's crop. The pipeline owns
     * both models. Throws naming the missing model when the jar is absent.
     */
    public static FacePipeline openDefault() throws IOException { throw new UnsupportedOperationException("not yet"); }

    public static Builder builder() { return new Builder(); }

    /** All stages on one image. */
    public FaceAnalysis analyze(RgbImage image) { throw new UnsupportedOperationException("not yet"); }

    /** The faces in {@code image}, by falling score. */
    public List<DetectedFace> detect(RgbImage image) { throw new UnsupportedOperationException("not yet"); }

    /** The expression model's input for each of {@code faces} (found in {@code image}). */
    public FaceCrops crop(RgbImage image, List<DetectedFace> faces) { throw new UnsupportedOperationException("not yet"); }

    /** One image's expressions, one per crop, in the crops' order. */
    public List<Expressions> classify(FaceCrops crops) { throw new UnsupportedOperationException("not yet"); }

    /**
     * Many images' expressions in one batched model call: element {@code i} of the result holds
     * the expressions of {@code crops.get(i)}, one per face in its order. Crops must come from
     * this pipeline's {@link #crop}.
     */
    public List<List<Expressions>> classify(List<FaceCrops> crops) { throw new UnsupportedOperationException("not yet"); }

    /** The expression labels, in the model's output order. */
    public List<String> labels() { throw new UnsupportedOperationException("not yet"); }

    /** How crops are made for this pipeline's expression model. */
    public CropPreprocessing cropPreprocessing() { throw new UnsupportedOperationException("not yet"); }

    /** Idempotent; closes the models this pipeline owns. Later calls throw IllegalStateException. */
    @Override public void close() {}

    /** Options of a pipeline; every one has Human's default. */
    public static final class Builder {
        private Builder() {}

        /** The face detector: BlazeFace's front model (256x256x3 in, 896 anchors out). Default: {@code builtin:blazeface}. */
        public Builder detector(Model detector) { throw new UnsupportedOperationException("not yet"); }

        /**
         * The expression classifier: any image classifier with a network card (labels, output,
         * preprocessing). Default: {@code builtin:emotion}. Its crop is {@link CropPreprocessing#CARD}
         * unless {@link #cropPreprocessing} says otherwise (the built-in model gets
         * {@link CropPreprocessing#HUMAN}).
         */
        public Builder expressionModel(Model model) { throw new UnsupportedOperationException("not yet"); }

        /** How crops become the expression model's input. */
        public Builder cropPreprocessing(CropPreprocessing p) { throw new UnsupportedOperationException("not yet"); }

        /**
         * Beyond Human, off by default: pad the image to a square (centred, black) before the
         * detector's resize, so faces keep their aspect ratio in a wide or tall photo.
         */
        public Builder letterbox(boolean on) { throw new UnsupportedOperationException("not yet"); }

        /** Beyond Human, 0 (off) by default: drop faces whose square box is smaller than {@code pixels} on a side. */
        public Builder minFaceSize(int pixels) { throw new UnsupportedOperationException("not yet"); }

        /** Detector scores must exceed this; default 0.2 (Human's {@code minConfidence}). */
        public Builder minScore(float score) { throw new UnsupportedOperationException("not yet"); }

        /** Non-maximum suppression drops a box overlapping a kept one by IoU &gt;= this; default 0.1. */
        public Builder iouThreshold(float iou) { throw new UnsupportedOperationException("not yet"); }

        /** At most this many faces per image; default 100 (Human's {@code maxDetected} in the reference runs). */
        public Builder maxFaces(int n) { throw new UnsupportedOperationException("not yet"); }

        /** Whether {@link FacePipeline#close} also closes the models passed in; default false. */
        public Builder closeModels(boolean close) { throw new UnsupportedOperationException("not yet"); }

        /** Loads the built-in models for any not given; throws IOException when they are not on the class path. */
        public FacePipeline build() throws IOException { throw new UnsupportedOperationException("not yet"); }
    }
}
