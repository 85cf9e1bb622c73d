package dev.mien.tools.serve;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The load generator against an in-process server with a stand-in model of finite capacity (counts only, no timing). */
class LoadTestTest {
    @Test
    void overloadIsShedWith503sAndTheServerKeepsServing() throws Exception {
        FakeStages stages = new FakeStages();
        stages.detectMillis = 4;
        try (FaceServer s = FaceServer.start(ServeConfig.loopback().withWorkers(1).withQueue(2), Map.of("fake", stages));
             LoadTest t = new LoadTest(s.uri().resolve("/v1/faces"), TestImages.bands(32, 32, 1, 2), 20_000)) {
            List<LoadTest.Phase> phases = t.run(4, 1);
            assertEquals(List.of("capacity", "1x", "2x"), phases.stream().map(LoadTest.Phase::name).toList());
            for (LoadTest.Phase p : phases) {
                assertEquals(p.sent(), p.ok() + p.shed() + p.errors(), p.line());
                assertEquals(0, p.errors(), "only 200s and 503s: " + p.line());
                assertTrue(p.ok() > 0, p.line());
            }
            LoadTest.Phase capacity = phases.get(0), twice = phases.get(2);
            assertEquals(2 * capacity.throughput(), twice.offeredPerSecond(), 1e-9);
            // After the overload the server answers normally.
            assertEquals(200, ServerClient.get(s, "/healthz").statusCode());
            assertEquals(200, ServerClient.post(s, "/v1/faces", TestImages.bands(32, 32, 2, 1)).statusCode());
            assertTrue(phases.get(0).line().contains("p99"));
        }
    }

    @Test
    void onlyLoopbackAndBoundedRuns() throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new LoadTest(URI.create("http://192.0.2.1:8080/v1/faces"), new byte[1], 10));
        assertTrue(e.getMessage().contains("loopback"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new LoadTest(URI.create("https://127.0.0.1/v1/faces"), new byte[1], 10));
        try (FaceServer s = FaceServer.start(ServeConfig.loopback(), Map.of("fake", new FakeStages()));
             LoadTest t = new LoadTest(s.uri().resolve("/v1/faces"), TestImages.bands(16, 16, 1, 0), 5)) {
            assertThrows(IllegalArgumentException.class, () -> t.openLoop("x", 10, LoadTest.MAX_SECONDS + 1));
            // The request budget caps a phase however long it may run.
            LoadTest.Phase p = t.closedLoop("capped", 2, 30);
            assertEquals(5, p.sent());
            assertEquals(5, p.ok());
        }
    }
}
