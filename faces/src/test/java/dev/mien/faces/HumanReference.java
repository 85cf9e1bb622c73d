package dev.mien.faces;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mien.engine.Tensor;
import dev.mien.engine.image.ImageLoader;
import dev.mien.engine.image.RgbImage;
import dev.mien.engine.io.Npy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Human 3.3.6's results on the sample photos, recorded by /work/shared/human-ref/run.mjs (TF.js
 * 4.22 CPU backend) and kept as test resources: results.json, each photo's raw [896, 17]
 * detector output, every 32nd row of its detector input, and each face's emotion input
 * and output.
 */
final class HumanReference {
    static final String DIR = "/dev/mien/faces/human/";
    private static JsonNode results;

    private HumanReference() {}

    static synchronized JsonNode results() {
        if (results == null) {
            try (InputStream in = HumanReference.class.getResourceAsStream(DIR + "results.json")) {
                results = new ObjectMapper().readTree(in);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return results;
    }

    static JsonNode photo(String file) { return results().path("photos").path(file); }

    static Tensor npy(String name) {
        try (InputStream in = HumanReference.class.getResourceAsStream(DIR + name)) {
            if (in == null) throw new IllegalArgumentException("no test resource " + name);
            Path tmp = Files.createTempFile("human", ".npy");
            try {
                Files.copy(in, tmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                return Npy.read(tmp);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A photo of the repository's samples folder (tests run in the module's folder). */
    static RgbImage sample(String file) {
        try {
            return ImageLoader.readRgb(Path.of("..", "samples", file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String stem(String file) { return file.replaceFirst("\\.[^.]+$", ""); }
}
