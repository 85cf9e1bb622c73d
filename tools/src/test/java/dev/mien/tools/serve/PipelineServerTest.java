package dev.mien.tools.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mien.engine.image.ImageLoader;
import dev.mien.engine.image.RgbImage;
import dev.mien.faces.Expressions;
import dev.mien.faces.FaceCrops;
import dev.mien.faces.FacePipeline;
import dev.mien.tools.faces.FacesJson;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The server with the real built-in pipeline (BlazeFace + emotion from default-models) on
 * the repository's sample photos: its JSON is predict's, and concurrent requests share one
 * batched expression call with the results each would get alone.
 */
class PipelineServerTest {
    static FacePipeline reference;
    static List<byte[]> photos = new ArrayList<>();
    static List<String> names = new ArrayList<>();

    static Path samples() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent())
            if (Files.isDirectory(d.resolve("samples")) && Files.isRegularFile(d.resolve("pom.xml"))) return d.resolve("samples");
        return null;
    }

    @BeforeAll
    static void load() throws IOException {
        Path dir = samples();
        Assumptions.assumeTrue(dir != null, "no samples/ folder above " + Path.of("").toAbsolutePath());
        reference = FacePipeline.openDefault();
        for (String n : List.of("grace_hopper.jpg", "group.png", "astronaut.png")) {
            Path p = dir.resolve(n);
            if (!Files.isRegularFile(p)) continue;
            photos.add(Files.readAllBytes(p));
            names.add(n);
        }
        // A mirrored copy: another image with the same faces, made here.
        BufferedImage img = ImageIO.read(dir.resolve(names.getFirst()).toFile());
        BufferedImage flipped = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < img.getHeight(); y++) for (int x = 0; x < img.getWidth(); x++) flipped.setRGB(img.getWidth() - 1 - x, y, img.getRGB(x, y));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(flipped, "png", out);
        photos.add(out.toByteArray());
        names.add("mirrored.png");
    }

    @AfterAll
    static void close() {
        if (reference != null) reference.close();
    }

    static RgbImage decode(byte[] bytes) throws IOException {
        Path tmp = Files.createTempFile("mien-photo", ".img");
        try {
            Files.write(tmp, bytes);
            return ImageLoader.readRgb(tmp);
        } finally {
            Files.delete(tmp);
        }
    }

    /** predict --json's line for one image, as a client reads it. */
    static JsonNode predictJson(String name, byte[] photo) throws IOException {
        return ServerClient.JSON.readTree(FacesJson.line(name, reference.analyze(decode(photo))));
    }

    /** Same faces, boxes and keypoints; expressions within the project's parity tolerance. */
    static void assertSameFaces(JsonNode want, JsonNode got, String what) {
        assertEquals(want.get("image"), got.get("image"), what);
        assertEquals(want.get("width"), got.get("width"), what);
        assertEquals(want.get("height"), got.get("height"), what);
        assertEquals(want.get("faces").size(), got.get("faces").size(), what);
        for (int i = 0; i < want.get("faces").size(); i++) {
            JsonNode a = want.get("faces").get(i), b = got.get("faces").get(i);
            assertEquals(a.get("box"), b.get("box"), what + " face " + i);
            assertEquals(a.get("keypoints"), b.get("keypoints"), what + " face " + i);
            assertEquals(a.get("score"), b.get("score"), what + " face " + i);
            Iterator<String> labels = a.get("expressions").fieldNames();
            while (labels.hasNext()) {
                String l = labels.next();
                double x = a.get("expressions").get(l).asDouble(), y = b.get("expressions").get(l).asDouble();
                assertTrue(Math.abs(x - y) <= 1e-4 + 1e-4 * Math.abs(x), what + " face " + i + " " + l + ": " + x + " vs " + y);
            }
        }
    }

    @Test
    void theServerAnswersWhatThePipelineFinds() throws Exception {
        try (FaceServer s = FaceServer.start(ServeConfig.loopback(), Map.of("default", new PipelineStages(FacePipeline.openDefault(), "builtin")))) {
            for (int i = 0; i < photos.size(); i++) {
                HttpResponse<String> r = ServerClient.post(s, "/v1/faces?name=" + names.get(i), photos.get(i));
                assertEquals(200, r.statusCode(), r.body());
                JsonNode want = predictJson(names.get(i), photos.get(i));
                assertEquals(want, ServerClient.json(r), "exactly predict --json's object");
            }
            JsonNode first = ServerClient.json(ServerClient.post(s, "/v1/faces", photos.getFirst()));
            assertTrue(first.get("faces").size() >= 1, "the sample photo shows a face: " + first);
            assertEquals(7, first.get("faces").get(0).get("expressions").size());
            JsonNode models = ServerClient.json(ServerClient.get(s, "/v1/models"));
            assertEquals("default", models.get("models").get(0).get("name").asText());
            assertEquals(7, models.get("models").get(0).get("expressions").size());
        }
    }

    @Test
    void theWarmUpClassifiesCropsAndLeavesTheAnswersAsTheyWere() throws Exception {
        try (PipelineStages stages = new PipelineStages(FacePipeline.openDefault(), "builtin")) {
            RgbImage photo = ImageDecoder.decode(WarmUpPhoto.png(), Long.MAX_VALUE);
            assertEquals(WarmUpPhoto.WIDTH, photo.width());
            for (int n = 1; n <= 4; n++) {
                FaceCrops crops = stages.warmUpFaces(photo, stages.detect(photo), n);
                assertEquals(n, crops.size(), "whatever the detector sees in the synthetic photo");
                List<Expressions> e = stages.classify(List.of(crops)).getFirst();
                assertEquals(n, e.size());
            }
        }
        try (FaceServer s = FaceServer.start(ServeConfig.loopback().withWarmup(Duration.ofMillis(300)),
                Map.of("default", new PipelineStages(FacePipeline.openDefault(), "builtin")))) {
            assertTrue(s.warmUpRuns() >= 1);
            for (int i = 0; i < photos.size(); i++) {
                HttpResponse<String> r = ServerClient.post(s, "/v1/faces?name=" + names.get(i), photos.get(i));
                assertEquals(200, r.statusCode(), r.body());
                assertEquals(predictJson(names.get(i), photos.get(i)), ServerClient.json(r), "exactly predict --json's object after the warm-up");
            }
        }
    }

    @Test
    void concurrentRequestsShareOneBatchedExpressionCall() throws Exception {
        int faces = 0;
        List<Integer> withFaces = new ArrayList<>();
        for (int i = 0; i < photos.size(); i++) {
            int n = reference.detect(decode(photos.get(i))).size();
            if (n > 0) withFaces.add(i);
            faces += n;
        }
        Assumptions.assumeTrue(withFaces.size() >= 2, "fewer than two sample photos show a face");
        // The batch closes when it holds every face of every request (the wait is far longer than that takes).
        ServeConfig config = ServeConfig.loopback().withMaxBatch(faces).withBatchWait(Duration.ofSeconds(120)).withWorkers(2);
        try (FaceServer s = FaceServer.start(config, Map.of("default", new PipelineStages(FacePipeline.openDefault(), "builtin")));
             var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<HttpResponse<String>>> rs = new ArrayList<>();
            for (int i : withFaces) rs.add(pool.submit(() -> ServerClient.post(s, "/v1/faces?name=" + names.get(i), photos.get(i))));
            for (int k = 0; k < withFaces.size(); k++) {
                int i = withFaces.get(k);
                HttpResponse<String> r = rs.get(k).get();
                assertEquals(200, r.statusCode(), r.body());
                assertSameFaces(predictJson(names.get(i), photos.get(i)), ServerClient.json(r), names.get(i));
            }
            String m = s.metricsText();
            assertTrue(m.contains("mien_batch_faces_count 1\n"), "one batched call:\n" + m);
            assertTrue(m.contains("mien_batch_faces_sum " + (double) faces + "\n"), "holding every face:\n" + m);
        }
    }
}
