package dev.mien.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mien.engine.image.ImageLoader;
import dev.mien.engine.image.RgbImage;
import dev.mien.faces.Face;
import dev.mien.faces.FaceAnalysis;
import dev.mien.faces.FacePipeline;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.mien.tools.CliTest.mien;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code mien predict PHOTO...}: the face pipeline on the command line, on the repository's sample photos. */
class FacePredictTest {
    static final Path ASTRONAUT = Path.of("..", "samples", "astronaut.png");
    static final Path GROUP = Path.of("..", "samples", "group.png");
    static FacePipeline pipeline;
    @TempDir static Path dir;

    @BeforeAll static void open() throws Exception { pipeline = FacePipeline.openDefault(); }

    @AfterAll static void close() { pipeline.close(); }

    static FaceAnalysis analyze(Path p) throws Exception { return pipeline.analyze(ImageLoader.readRgb(p)); }

    @Test void tablePerPhoto() throws Exception {
        CliTest.Result r = mien("predict", ASTRONAUT.toString(), GROUP.toString());
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(ASTRONAUT + "  512x512  1 face", lines.get(0));
        assertTrue(lines.get(1).contains("box (x, y, w, h)") && lines.get(1).contains("expressions"), r.out());
        FaceAnalysis a = analyze(ASTRONAUT);
        Face f = a.faces().get(0);
        String top = f.expressions().top();
        assertTrue(lines.get(2).matches("\\s+1\\s+" + f.box().x() + ", " + f.box().y() + ", " + f.box().width() + ", " + f.box().height()
                + "\\s+\\d\\.\\d{3}\\s+" + top + " \\d\\.\\d{3}.*"), lines.get(2));
        assertEquals(3, lines.get(2).split("\\d\\.\\d{3}").length - 1, "score and the top 3 expressions: " + lines.get(2));
        assertTrue(r.out().contains(GROUP + "  960x540  2 faces"), r.out());
        assertEquals("", r.err());
    }

    @Test void jsonLinesMatchTheLibrary() throws Exception {
        CliTest.Result r = mien("predict", "--json", ASTRONAUT.toString(), GROUP.toString());
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().strip().lines().toList();
        assertEquals(2, lines.size(), r.out());
        ObjectMapper m = new ObjectMapper();
        for (int i = 0; i < 2; i++) {
            Path photo = i == 0 ? ASTRONAUT : GROUP;
            JsonNode j = m.readTree(lines.get(i));
            assertEquals(List.of("image", "width", "height", "faces"), iterable(j.fieldNames()));
            assertEquals(photo.toString(), j.get("image").asText());
            FaceAnalysis a = analyze(photo);
            assertEquals(a.width(), j.get("width").asInt());
            assertEquals(a.height(), j.get("height").asInt());
            assertEquals(a.faces().size(), j.get("faces").size());
            for (int k = 0; k < a.faces().size(); k++) {
                JsonNode f = j.get("faces").get(k);
                Face want = a.faces().get(k);
                assertEquals(List.of("box", "score", "keypoints", "expressions"), iterable(f.fieldNames()));
                assertEquals(List.of(want.box().x(), want.box().y(), want.box().width(), want.box().height()),
                        List.of(f.get("box").get(0).asInt(), f.get("box").get(1).asInt(), f.get("box").get(2).asInt(), f.get("box").get(3).asInt()));
                assertEquals(want.score(), f.get("score").floatValue());
                assertEquals(6, f.get("keypoints").size());
                assertEquals(want.detection().keypoints().get(3).y(), f.get("keypoints").get(3).get(1).asDouble());
                assertEquals(FacePipeline.HUMAN_LABELS, iterable(f.get("expressions").fieldNames()));
                for (String l : FacePipeline.HUMAN_LABELS) assertEquals(want.expressions().probability(l), f.get("expressions").get(l).floatValue());
            }
        }
    }

    @Test void foldersAreWalkedAndBadPhotosReported() throws Exception {
        Path photos = dir.resolve("photos");
        Files.createDirectories(photos.resolve("sub"));
        Files.copy(ASTRONAUT, photos.resolve("b.png"));
        Files.copy(ASTRONAUT, photos.resolve("sub").resolve("a.PNG"));
        Files.writeString(photos.resolve("notes.txt"), "not an image, not even looked at");
        Files.writeString(photos.resolve("broken.jpg"), "text pretending to be a JPEG");
        CliTest.Result r = mien("predict", "--json", photos.toString());
        assertEquals(1, r.code(), "a photo could not be read");
        List<String> lines = r.out().strip().lines().toList();
        assertEquals(2, lines.size(), r.out());
        assertTrue(lines.get(0).contains("b.png") && lines.get(1).contains("a.PNG"), "sorted paths: " + r.out());
        CliTest.assertOneLineErrors(r, 1, "folder");
        assertTrue(r.err().startsWith("mien predict: " + photos.resolve("broken.jpg") + ": "), r.err());
        assertFalse(r.err().contains("notes.txt"));
    }

    @Test void annotateWritesAPngPerPhoto() throws Exception {
        Path one = dir.resolve("one.png");
        CliTest.Result r = mien("predict", "--annotate", one.toString(), ASTRONAUT.toString());
        assertEquals(0, r.code(), r.err());
        RgbImage drawn = ImageLoader.readRgb(one);
        RgbImage photo = ImageLoader.readRgb(ASTRONAUT);
        assertEquals(photo.width(), drawn.width());
        assertEquals(photo.height(), drawn.height());
        int changed = 0;
        for (int i = 0; i < photo.rgb().length; i++) if (photo.rgb()[i] != drawn.rgb()[i]) changed++;
        assertTrue(changed > 1000 && changed < photo.rgb().length / 2, "boxes and bars drawn over the photo: " + changed + " bytes changed");

        Path folder = dir.resolve("annotated");
        CliTest.Result many = mien("predict", "--annotate", folder.toString(), ASTRONAUT.toString(), GROUP.toString(), ASTRONAUT.toString());
        assertEquals(0, many.code(), many.err());
        for (String f : List.of("astronaut.png", "group.png", "astronaut-2.png")) assertTrue(Files.isRegularFile(folder.resolve(f)), f);

        // One photo and a name ending in '/': a new folder with the photo's PNG in it, not a file of that name.
        Path slash = dir.resolve("slash");
        CliTest.Result single = mien("predict", "--annotate", slash + "/", ASTRONAUT.toString());
        assertEquals(0, single.code(), single.err());
        assertTrue(Files.isRegularFile(slash.resolve("astronaut.png")), "folder from a trailing '/'");
    }

    @Test void anotherExpressionModelReplacesTheBuiltinOne() throws Exception {
        // builtin:emotion passed explicitly is Human's network: the same answers as the default.
        CliTest.Result same = mien("predict", "--json", "--model", "builtin:emotion", ASTRONAUT.toString());
        CliTest.Result dflt = mien("predict", "--json", ASTRONAUT.toString());
        assertEquals(0, same.code(), same.err());
        assertEquals(dflt.out(), same.out());
        // With another preprocessing (the card's own keras-gray-pm1 instead of Human's float crop), other numbers.
        CliTest.Result other = mien("predict", "--json", "--model", "builtin:emotion", "--preprocess", "keras-gray-pm1", "--classes",
                "a,b,c,d,e,f,g", ASTRONAUT.toString());
        assertEquals(0, other.code(), other.err());
        JsonNode o = new ObjectMapper().readTree(other.out()).get("faces").get(0);
        assertEquals(List.of("a", "b", "c", "d", "e", "f", "g"), iterable(o.get("expressions").fieldNames()));
        // A detector is no expression model: refused in one line.
        CliTest.Result refused = mien("predict", "--model", "builtin:blazeface", ASTRONAUT.toString());
        assertEquals(2, refused.code(), "a usage error");
        CliTest.assertOneLineErrors(refused, 1, "detector as expression model");
        assertTrue(refused.err().contains("builtin:blazeface: ") && refused.err().contains("preprocess"), refused.err());
    }

    @Test void progressOnlyOnATerminal() {
        String old = System.getProperty("mien.stderr.tty");
        try {
            System.setProperty("mien.stderr.tty", "true");
            CliTest.Result r = mien("predict", "--json", ASTRONAUT.toString(), ASTRONAUT.toString());
            assertEquals(0, r.code());
            assertTrue(r.err().contains("\r[") && r.err().contains("0/2") && r.err().endsWith("\r\033[K"), r.err());
            assertEquals(2, r.out().strip().lines().count(), "stdout holds only results");
            System.setProperty("mien.stderr.tty", "false");
            assertEquals("", mien("predict", "--json", ASTRONAUT.toString(), ASTRONAUT.toString()).err());
        } finally {
            if (old == null) System.clearProperty("mien.stderr.tty");
            else System.setProperty("mien.stderr.tty", old);
        }
    }

    @Test void cropModeRefusesFaceOptions() {
        CliTest.Result r = mien("predict", "--crop", "--model", "builtin:emotion", "--annotate", "x.png", ASTRONAUT.toString());
        assertTrue(r.code() != 0);
        assertTrue(r.err().contains("--annotate finds faces"), r.err());
        CliTest.Result none = mien("predict");
        assertTrue(none.err().contains("no images given"), none.err());
    }

    static List<String> iterable(java.util.Iterator<String> it) {
        List<String> l = new java.util.ArrayList<>();
        it.forEachRemaining(l::add);
        return l;
    }
}
