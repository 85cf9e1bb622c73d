package dev.mien.tools.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mien.engine.image.RgbImage;
import dev.mien.faces.Box;
import dev.mien.faces.DetectedFace;
import dev.mien.faces.Expressions;
import dev.mien.faces.FaceAnalysis;
import dev.mien.faces.FaceAnnotator;
import dev.mien.faces.FaceCrops;
import dev.mien.faces.FacePipeline;
import dev.mien.tools.faces.FacesJson;

import java.util.ArrayList;
import java.util.List;

/**
 * A {@link FacePipeline} as the server runs it: detection and cropping per request, the
 * expression model batched across requests, the JSON of {@code mien predict --json}. The
 * server owns the pipeline and closes it.
 */
public final class PipelineStages implements FaceStages<FaceCrops, List<Expressions>> {
    private final FacePipeline pipeline;
    private final String description;

    /** @param description what the model is, for {@code GET /v1/models} (e.g. its file or builtin name) */
    public PipelineStages(FacePipeline pipeline, String description) {
        this.pipeline = pipeline;
        this.description = description;
    }

    @Override
    public FaceCrops detect(RgbImage image) {
        List<DetectedFace> faces = pipeline.detect(image);
        return pipeline.crop(image, faces);
    }

    @Override
    public int faces(FaceCrops detected) { return detected.size(); }

    /** Crops of {@code faces} squares side by side across the image's middle, whatever the detector sees there. */
    @Override
    public FaceCrops warmUpFaces(RgbImage image, FaceCrops detected, int faces) {
        int side = Math.max(1, Math.min(image.height(), image.width() / Math.max(1, faces)));
        List<DetectedFace> boxes = new ArrayList<>();
        for (int i = 0; i < faces; i++) {
            Box b = new Box(Math.min(i * side, image.width() - side), (image.height() - side) / 2, side, side);
            boxes.add(new DetectedFace(b, b, 1f, List.of()));
        }
        return pipeline.crop(image, boxes);
    }

    @Override
    public List<List<Expressions>> classify(List<FaceCrops> detected) { return pipeline.classify(detected); }

    @Override
    public ObjectNode json(String imageName, RgbImage image, FaceCrops detected, List<Expressions> expressions, ObjectMapper mapper) {
        return FacesJson.toJson(imageName, FaceAnalysis.of(image.width(), image.height(), detected.faces(), expressions));
    }

    @Override
    public byte[] annotatedPng(RgbImage image, FaceCrops detected, List<Expressions> expressions) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try {
            FaceAnnotator.writePng(image, FaceAnalysis.of(image.width(), image.height(), detected.faces(), expressions), out);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    @Override
    public ObjectNode describe(ObjectMapper mapper) {
        ObjectNode n = mapper.createObjectNode().put("source", description);
        n.putArray("expressions").addAll(pipeline.labels().stream().map(mapper.getNodeFactory()::textNode).toList());
        return n;
    }

    @Override
    public void close() { pipeline.close(); }
}
