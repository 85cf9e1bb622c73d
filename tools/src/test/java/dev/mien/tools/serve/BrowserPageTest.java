package dev.mien.tools.serve;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The page at {@code GET /} in a real headless Chromium: a person picks a photo, the page
 * posts it and draws the faces. Skips (with the reason) where no Chromium is installed
 * ({@code apt-get install chromium}; .ci/run installs it).
 */
class BrowserPageTest {
    @TempDir Path dir;

    @Test
    void aPickedPhotoShowsItsFacesAndTheirExpressions() throws Exception {
        Path chromium = DevTools.findBrowser();
        Assumptions.assumeTrue(chromium != null, "no Chromium on this machine (apt-get install chromium, or -Dmien.chromium=PATH): the page test is skipped");
        byte[] png = TestImages.bands(320, 240, 11, 1, 4, 6);
        Path photo = dir.resolve("three faces.png");
        Files.write(photo, png);
        Path garbage = dir.resolve("notes.png");
        Files.writeString(garbage, "not an image at all", StandardCharsets.UTF_8);
        try (FaceServer server = FaceServer.start(ServeConfig.loopback(), Map.of("fake", new FakeStages()));
             DevTools browser = new DevTools(chromium)) {
            JsonNode expected = ServerClient.json(ServerClient.post(server, "/v1/faces?name=x", png));
            List<String> tops = new ArrayList<>();
            for (JsonNode f : expected.get("faces")) {
                String best = null;
                double p = -1;
                for (var e : f.get("expressions").properties()) if (e.getValue().asDouble() > p) { p = e.getValue().asDouble(); best = e.getKey(); }
                tops.add(best);
            }

            browser.navigate(server.uri());
            browser.waitFor("document.readyState === 'complete' && document.getElementById('model').options.length > 0", Duration.ofSeconds(60));
            assertEquals("fake", browser.eval("document.getElementById('model').value").asText());
            browser.setFiles("#file", photo);
            String faces = browser.waitFor("document.getElementById('status').dataset.faces", Duration.ofSeconds(60)).asText();
            assertEquals("3", faces, browser.eval("document.getElementById('status').textContent").asText());
            assertTrue(browser.eval("document.getElementById('status').textContent").asText().contains("3 faces in three faces.png (320x240)"));
            assertEquals(String.join(",", tops),
                    browser.eval("Array.from(document.querySelectorAll('#faces li')).map(li => li.dataset.expression).join(',')").asText());
            assertEquals(7, browser.eval("document.querySelectorAll('#faces li')[0].querySelectorAll('.bar').length").asInt(), "a bar per expression");
            // The canvas holds the photo at its size, with the first face's box stroked in the first colour (#e6194b).
            assertEquals(320, browser.eval("document.getElementById('canvas').width").asInt());
            JsonNode box = expected.get("faces").get(0).get("box");
            String px = browser.eval("Array.from(document.getElementById('canvas').getContext('2d').getImageData("
                    + (box.get(0).asInt() + box.get(2).asInt() / 2) + "," + (box.get(1).asInt() + box.get(3).asInt() - 1) + ",1,1).data).join(',')").asText();
            assertEquals("230,25,75,255", px, "the box's bottom edge is drawn");

            // A file that is no image: the server's error, shown as an error.
            browser.setFiles("#file", garbage);
            browser.waitFor("document.getElementById('status').className === 'error'", Duration.ofSeconds(60));
            assertTrue(browser.eval("document.getElementById('status').textContent").asText().startsWith("Error 400"));
        }
    }

    @Test
    void theBuiltInPipelineFindsTheFacesOfTheGroupPhoto() throws Exception {
        Path chromium = DevTools.findBrowser();
        Assumptions.assumeTrue(chromium != null, "no Chromium on this machine (apt-get install chromium, or -Dmien.chromium=PATH): the page test is skipped");
        Path samples = PipelineServerTest.samples();
        Assumptions.assumeTrue(samples != null && Files.isRegularFile(samples.resolve("group.png")), "no samples/group.png");
        Path photo = samples.resolve("group.png");
        try (FaceServer server = FaceServer.start(ServeConfig.loopback());
             DevTools browser = new DevTools(chromium)) {
            JsonNode expected = ServerClient.json(ServerClient.post(server, "/v1/faces?name=group.png", Files.readAllBytes(photo)));
            int n = expected.get("faces").size();
            assertTrue(n >= 1, "the group photo shows faces: " + expected);
            browser.navigate(server.uri());
            browser.waitFor("document.readyState === 'complete' && document.getElementById('model').options.length > 0", Duration.ofSeconds(60));
            browser.setFiles("#file", photo);
            assertEquals(String.valueOf(n), browser.waitFor("document.getElementById('status').dataset.faces", Duration.ofSeconds(120)).asText());
            assertEquals(n, browser.eval("document.querySelectorAll('#faces li').length").asInt());
            String first = browser.eval("document.querySelector('#faces li').dataset.expression").asText();
            assertTrue(List.of("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral").contains(first), first);
            // What a person sees, kept for a look (target/serve-page.png).
            String png = browser.call("Page.captureScreenshot", DevTools.params().put("format", "png").put("captureBeyondViewport", true)).get("data").asText();
            Files.write(Path.of("target", "serve-page.png"), java.util.Base64.getDecoder().decode(png));
        }
    }
}
