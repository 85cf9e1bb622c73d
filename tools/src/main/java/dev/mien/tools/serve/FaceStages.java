package dev.mien.tools.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mien.engine.image.RgbImage;

import java.util.List;

/**
 * A face model as the server runs it, split where the work can be shared: {@link #detect}
 * runs per request, on that request's thread, and {@link #classify} runs once for the faces
 * of several concurrent requests (dynamic batching).
 *
 * @param <D> one image's detected and cropped faces
 * @param <R> the expressions of one image's faces
 */
public interface FaceStages<D, R> extends AutoCloseable {
    /** Detects and crops one image's faces. Called by several threads at once. */
    D detect(RgbImage image);

    /** How many faces {@code detected} holds (the batcher's measure of a batch). */
    int faces(D detected);

    /**
     * The expressions of several images' faces, one result per element of {@code detected} in
     * order, in as few model calls as the batch allows. Called by one thread at a time.
     */
    List<R> classify(List<D> detected);

    /**
     * What the server's warm-up classifies ({@link ServeConfig#warmup}): about {@code faces}
     * faces of {@code image}, a synthetic photo in which a detector may find none. By default
     * what {@link #detect} found there ({@code detected}); stages that can crop a given box
     * return that many crops, so that the expression model is compiled too.
     */
    default D warmUpFaces(RgbImage image, D detected, int faces) { return detected; }

    /** One image's result as {@code mien predict --json} writes it. */
    ObjectNode json(String imageName, RgbImage image, D detected, R expressions, ObjectMapper mapper);

    /**
     * The photo with its faces drawn on it, as PNG ({@code POST /v1/faces?annotate=png}); null
     * when this model cannot draw.
     */
    default byte[] annotatedPng(RgbImage image, D detected, R expressions) { return null; }

    /** What {@code GET /v1/models} says about this model (beyond its name). */
    ObjectNode describe(ObjectMapper mapper);

    @Override
    void close();
}
