package dev.mien.faces;

import dev.mien.engine.Model;
import dev.mien.engine.NetworkCard;
import dev.mien.engine.Tensor;
import dev.mien.engine.image.ImagePipeline;
import dev.mien.engine.image.ModelPreprocessing;
import dev.mien.engine.image.RgbImage;
import dev.mien.engine.runtime.RunOptions;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

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
    /** The card architecture of Human's emotion network (builtin:emotion), which gets Human's crop by default. */
    public static final String HUMAN_EMOTION_ARCHITECTURE = "oarriaga-fer2013";
    /** Faces per expression-model call; larger requests are split (bounds memory and the number of cached plans). */
    static final int MAX_BATCH = 32;
    /** A {@link CropPreprocessing#CARD} crop larger than this on a side is first scaled down to it. */
    static final int MAX_CARD_CROP = 4096;

    private final Model detector, expression;
    private final boolean closeDetector, closeExpression;
    private final BlazeFaceDecoder decoder;
    private final String detectorInput;
    private final boolean detectorNchw;
    private final CropPreprocessing cropPreprocessing;
    private final ImagePipeline cardPipeline;
    private final NetworkCard expressionCard;
    private final int[] sampleShape;
    private final List<String> labels;
    private final RunOptions expressionOptions;
    private final boolean letterbox;
    private final int minFaceSize, maxFaces;
    private final float minScore, iouThreshold;
    private volatile boolean closed;

    private FacePipeline(Builder b, Model detector, boolean closeDetector, Model expression, boolean closeExpression) {
        this.detector = detector;
        this.expression = expression;
        this.closeDetector = closeDetector;
        this.closeExpression = closeExpression;
        NetworkCard dc = detector.card();
        if (dc.height() != dc.width() || dc.height() < 16 || dc.channels() != 3)
            throw new IllegalArgumentException("the face detector must take a square RGB image; its card says "
                    + dc.height() + "x" + dc.width() + "x" + dc.channels());
        this.decoder = new BlazeFaceDecoder(dc.height());
        this.detectorInput = dc.input();
        this.detectorNchw = dc.layout() == NetworkCard.Layout.NCHW;
        NetworkCard ec = b.expressionCard != null ? b.expressionCard : expression.card();
        this.expressionCard = ec;
        this.sampleShape = ec.sampleShape();
        if (ec.height() < 1 || ec.width() < 1 || (ec.channels() != 1 && ec.channels() != 3))
            throw new IllegalArgumentException("the expression model must take a gray or RGB image; its card says "
                    + ec.height() + "x" + ec.width() + "x" + ec.channels());
        this.cropPreprocessing = b.cropPreprocessing != null ? b.cropPreprocessing
                : b.expression == null || HUMAN_EMOTION_ARCHITECTURE.equals(ec.architecture()) ? CropPreprocessing.HUMAN : CropPreprocessing.CARD;
        this.cardPipeline = cropPreprocessing == CropPreprocessing.CARD ? ModelPreprocessing.forCard(ec) : null;
        this.expressionOptions = RunOptions.DEFAULT.withExtraOutputs(List.of(ec.output()));
        int[] outShape = expression.plan(1, expressionOptions).shape(ec.output());
        int classes = outShape[outShape.length - 1];
        this.labels = ec.labels().size() == classes ? ec.labels()
                : cropPreprocessing == CropPreprocessing.HUMAN && classes == HUMAN_LABELS.size() ? HUMAN_LABELS
                : ec.labelsFor(classes);
        this.letterbox = b.letterbox;
        this.minFaceSize = b.minFaceSize;
        this.maxFaces = b.maxFaces;
        this.minScore = b.minScore;
        this.iouThreshold = b.iouThreshold;
    }

    /**
     * The built-in pipeline: {@code builtin:blazeface} and {@code builtin:emotion} from the
     * {@code mien-default-models} jar on the class path, with Human's crop. The pipeline owns
     * both models. Throws naming the missing model when the jar is absent.
     */
    public static FacePipeline openDefault() throws IOException { return builder().build(); }

    public static Builder builder() { return new Builder(); }

    /** All stages on one image. */
    public FaceAnalysis analyze(RgbImage image) {
        List<DetectedFace> faces = detect(image);
        return FaceAnalysis.of(image.width(), image.height(), faces, classify(crop(image, faces)));
    }

    /** The faces in {@code image}, by falling score. */
    public List<DetectedFace> detect(RgbImage image) {
        checkOpen();
        return decoder.decode(detectorOutput(detectorInput(image, decoder.inputSize(), letterbox)),
                BlazeFaceDecoder.toImage(image.width(), image.height(), decoder.inputSize(), letterbox),
                image.width(), image.height(), maxFaces, iouThreshold, minScore, minFaceSize);
    }

    /** The detector's input for {@code image}: [size, size, 3] NHWC, x / 127.5 - 1 (float32, as TF.js). */
    static float[] detectorInput(RgbImage image, int size, boolean letterbox) {
        float[] x;
        if (letterbox) {
            BlazeFaceDecoder.Letterbox lb = BlazeFaceDecoder.Letterbox.of(image.width(), image.height());
            x = TfResize.resizeBilinear(image, lb.top(), lb.left(), lb.side(), lb.side(), size, size);
        } else {
            x = TfResize.resizeBilinear(image, 0, 0, image.height(), image.width(), size, size);
        }
        for (int i = 0; i < x.length; i++) x[i] = x[i] / 127.5f - 1f;
        return x;
    }

    /** Runs the detector; its raw [anchors, 17] rows (Human's order of the model's outputs). */
    float[] detectorOutput(float[] input) {
        int s = decoder.inputSize();
        Tensor t = new Tensor(new int[]{1, s, s, 3}, input);
        Map<String, Tensor> out = detector.run(Map.of(detectorInput, detectorNchw ? t.nhwcToNchw() : t));
        return DetectorOutputs.rows(new ArrayList<>(out.values()), decoder.anchorCount());
    }

    /** The raw rows decoded into faces for an image of {@code width} x {@code height} (for tests against Human's raw output). */
    List<DetectedFace> decode(float[] raw, int width, int height) {
        return decoder.decode(raw, BlazeFaceDecoder.toImage(width, height, decoder.inputSize(), letterbox),
                width, height, maxFaces, iouThreshold, minScore, minFaceSize);
    }

    /** The expression model's input for each of {@code faces} (found in {@code image}). */
    public FaceCrops crop(RgbImage image, List<DetectedFace> faces) {
        checkOpen();
        float[][] samples = new float[faces.size()][];
        for (int i = 0; i < samples.length; i++) samples[i] = cropOne(image, faces.get(i).cropBox());
        return new FaceCrops(this, faces, sampleShape, samples);
    }

    private float[] cropOne(RgbImage image, Box box) {
        if (cropPreprocessing == CropPreprocessing.HUMAN)
            return HumanCrop.input(image, box, decoder.inputSize(), sampleShape[0], sampleShape[1], sampleShape[2]);
        float[] x = cardPipeline.apply(CardCrop.cut(image, box, MAX_CARD_CROP)).data();
        if (x.length != sampleShape[0] * sampleShape[1] * sampleShape[2])
            throw new IllegalStateException("the " + cardPipeline.name() + " preprocessing made " + x.length
                    + " values; the expression model takes " + Arrays.toString(sampleShape));
        return x;
    }

    /** One image's expressions, one per crop, in the crops' order. */
    public List<Expressions> classify(FaceCrops crops) {
        return classify(List.of(crops)).get(0);
    }

    /**
     * Many images' expressions in one batched model call: element {@code i} of the result holds
     * the expressions of {@code crops.get(i)}, one per face in its order. Crops must come from
     * this pipeline's {@link #crop}. Throws IllegalStateException when the model's output is not
     * finite (NaN or infinite weights): never a made-up expression.
     */
    public List<List<Expressions>> classify(List<FaceCrops> crops) {
        checkOpen();
        List<float[]> samples = new ArrayList<>();
        for (FaceCrops c : crops) {
            if (c.owner != this) throw new IllegalArgumentException("face crops made by another pipeline (crop with this pipeline's crop())");
            for (int i = 0; i < c.size(); i++) samples.add(c.sampleView(i));
        }
        float[][] probabilities = new float[samples.size()][];
        for (int from = 0; from < samples.size(); from += MAX_BATCH)
            run(samples.subList(from, Math.min(samples.size(), from + MAX_BATCH)), probabilities, from);
        List<List<Expressions>> out = new ArrayList<>();
        int k = 0;
        for (FaceCrops c : crops) {
            List<Expressions> e = new ArrayList<>(c.size());
            for (int i = 0; i < c.size(); i++) e.add(new Expressions(labels, probabilities[k++]));
            out.add(List.copyOf(e));
        }
        return List.copyOf(out);
    }

    private void run(List<float[]> batch, float[][] into, int offset) {
        int n = batch.size(), per = sampleShape[0] * sampleShape[1] * sampleShape[2];
        float[] x = new float[n * per];
        for (int i = 0; i < n; i++) System.arraycopy(batch.get(i), 0, x, i * per, per);
        Tensor t = new Tensor(new int[]{n, sampleShape[0], sampleShape[1], sampleShape[2]}, x);
        if (expressionCard.layout() == NetworkCard.Layout.NCHW) t = t.nhwcToNchw();
        Tensor y = expression.run(Map.of(expressionCard.input(), t), expressionOptions).get(expressionCard.output());
        int classes = labels.size();
        if (y.size() != n * classes)
            throw new IllegalStateException("the expression model gave " + y.size() + " scores for " + n + " faces of " + classes + " classes");
        for (int i = 0; i < n; i++) {
            float[] p = Arrays.copyOfRange(y.data(), i * classes, (i + 1) * classes);
            if (!expressionCard.softmax()) p = dev.mien.engine.Scores.softmax(p);
            for (float v : p)
                if (!Float.isFinite(v))
                    throw new IllegalStateException("the expression model's scores are not finite (NaN or infinite values in its weights)");
            into[offset + i] = p;
        }
    }

    /** The expression labels, in the model's output order. */
    public List<String> labels() { return labels; }

    /** How crops are made for this pipeline's expression model. */
    public CropPreprocessing cropPreprocessing() { return cropPreprocessing; }

    /** The detector's input size (256 for BlazeFace). */
    public int detectorSize() { return decoder.inputSize(); }

    private void checkOpen() {
        if (closed) throw new IllegalStateException("the face pipeline is closed");
    }

    /** Idempotent; closes the models this pipeline owns. Later calls throw IllegalStateException. */
    @Override public void close() {
        if (closed) return;
        closed = true;
        if (closeDetector) detector.close();
        if (closeExpression) expression.close();
    }

    /** Options of a pipeline; every one has Human's default. */
    public static final class Builder {
        private Model detector, expression;
        private NetworkCard expressionCard;
        private CropPreprocessing cropPreprocessing;
        private boolean letterbox, closeModels;
        private int minFaceSize, maxFaces = 100;
        private float minScore = 0.2f, iouThreshold = 0.1f;

        private Builder() {}

        /** The face detector: BlazeFace's front model (256x256x3 in, 896 anchors out). Default: {@code builtin:blazeface}. */
        public Builder detector(Model detector) { this.detector = detector; return this; }

        /**
         * The expression classifier: any image classifier with a network card (labels, output,
         * preprocessing). Default: {@code builtin:emotion}. Its crop is {@link CropPreprocessing#CARD}
         * unless {@link #cropPreprocessing} says otherwise; Human's emotion network (card
         * architecture {@value FacePipeline#HUMAN_EMOTION_ARCHITECTURE}, as {@code builtin:emotion})
         * gets {@link CropPreprocessing#HUMAN}.
         */
        public Builder expressionModel(Model model) { this.expression = model; this.expressionCard = null; return this; }

        /**
         * The expression classifier read through {@code card} instead of its own (another
         * preprocessing, other labels: what {@code mien predict --preprocess / --classes} override).
         * The card must describe the model's real input and output.
         */
        public Builder expressionModel(Model model, NetworkCard card) { this.expression = model; this.expressionCard = card; return this; }

        /** How crops become the expression model's input. */
        public Builder cropPreprocessing(CropPreprocessing p) { this.cropPreprocessing = p; return this; }

        /**
         * Beyond Human, off by default: pad the image to a square (centred, black) before the
         * detector's resize, so faces keep their aspect ratio in a wide or tall photo.
         */
        public Builder letterbox(boolean on) { this.letterbox = on; return this; }

        /** Beyond Human, 0 (off) by default: drop faces whose square box is smaller than {@code pixels} on a side. */
        public Builder minFaceSize(int pixels) {
            if (pixels < 0) throw new IllegalArgumentException("minimum face size " + pixels + " < 0");
            this.minFaceSize = pixels;
            return this;
        }

        /** Detector scores must exceed this; default 0.2 (Human's {@code minConfidence}). */
        public Builder minScore(float score) {
            if (!(score >= 0 && score < 1)) throw new IllegalArgumentException("minimum score " + score + " outside [0, 1)");
            this.minScore = score;
            return this;
        }

        /** Non-maximum suppression drops a box overlapping a kept one by IoU &gt;= this; default 0.1. */
        public Builder iouThreshold(float iou) {
            if (!(iou > 0 && iou <= 1)) throw new IllegalArgumentException("IoU threshold " + iou + " outside (0, 1]");
            this.iouThreshold = iou;
            return this;
        }

        /** At most this many faces per image; default 100 (Human's {@code maxDetected} in the reference runs). */
        public Builder maxFaces(int n) {
            if (n < 1) throw new IllegalArgumentException("maximum faces " + n + " < 1");
            this.maxFaces = n;
            return this;
        }

        /** Whether {@link FacePipeline#close} also closes the models passed in; default false. */
        public Builder closeModels(boolean close) { this.closeModels = close; return this; }

        /** Loads the built-in models for any not given; throws IOException when they are not on the class path. */
        public FacePipeline build() throws IOException {
            Model d = detector, e = expression;
            boolean ownD = detector == null || closeModels, ownE = expression == null || closeModels;
            try {
                if (d == null) d = Model.builtin("blazeface");
                if (e == null) e = Model.builtin("emotion");
                return new FacePipeline(this, d, ownD, e, ownE);
            } catch (IOException | RuntimeException | Error ex) {
                if (detector == null && d != null) d.close();
                if (expression == null && e != null) e.close();
                throw ex;
            }
        }
    }
}
