package dev.mien.tools.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mien.engine.image.RgbImage;

import java.time.Duration;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * One named model the server answers {@code POST /v1/faces?model=NAME} with: its stages and
 * the batcher that pools the faces of concurrent requests into one expression-model call.
 * Closing it finishes the queued batches, then closes the stages.
 */
final class ServedModel<D, R> implements AutoCloseable {
    private final String name;
    private final FaceStages<D, R> stages;
    private final DynamicBatcher<D, R> batcher;

    ServedModel(String name, FaceStages<D, R> stages, int maxBatch, Duration batchWait, IntConsumer onBatch) {
        this.name = name;
        this.stages = stages;
        this.batcher = new DynamicBatcher<>("mien-batcher-" + name, stages::classify, stages::faces, maxBatch, batchWait, onBatch);
    }

    String name() { return name; }

    ObjectNode describe(ObjectMapper mapper) {
        ObjectNode n = mapper.createObjectNode().put("name", name);
        n.setAll(stages.describe(mapper));
        return n;
    }

    int queued() { return batcher.queued(); }

    /** A response body and its type. */
    record Answer(String contentType, byte[] body) {}

    /**
     * Decodes and detects under one of the admission's workers, then waits for the batched
     * expression model without holding the worker (so the next request can detect meanwhile).
     * The answer is predict's JSON, or with {@code annotate} the annotated photo as PNG.
     */
    Answer analyze(String imageName, Admission.Step<RgbImage, HttpError> decode, Admission admission, ObjectMapper mapper, boolean annotate)
            throws HttpError, InterruptedException, java.io.IOException {
        record Detected<D>(RgbImage image, D faces) {}
        Detected<D> d = admission.work(() -> {
            RgbImage img = decode.run();
            return new Detected<>(img, stages.detect(img));
        });
        // An image without faces has nothing to batch.
        R expressions = stages.faces(d.faces) == 0 ? stages.classify(List.of(d.faces)).getFirst() : batcher.call(d.faces);
        if (annotate) {
            byte[] png = stages.annotatedPng(d.image, d.faces, expressions);
            if (png == null) throw new HttpError(400, "bad_request", "model '" + name + "' cannot draw an annotated image; leave out annotate=png");
            return new Answer("image/png", png);
        }
        return new Answer("application/json", mapper.writeValueAsBytes(stages.json(imageName, d.image, d.faces, expressions, mapper)));
    }

    /** One warm-up round ({@link FaceServer#warmUp}): what {@link #analyze} does, on the stages directly. */
    void warmUp(byte[] png, long maxPixels, int faces) {
        RgbImage img;
        try {
            img = ImageDecoder.decode(png, maxPixels);
        } catch (HttpError e) {
            throw new IllegalStateException("the warm-up photo does not decode: " + e.getMessage(), e);
        }
        D d = stages.warmUpFaces(img, stages.detect(img), faces);
        R r = stages.classify(List.of(d)).getFirst();
        stages.json("warm-up.png", img, d, r, WARM_UP_JSON);
    }

    private static final ObjectMapper WARM_UP_JSON = new ObjectMapper();

    @Override
    public void close() {
        try {
            batcher.close();
        } finally {
            stages.close();
        }
    }
}
