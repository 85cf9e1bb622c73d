package dev.mien.tools.serve;

import dev.mien.tools.Main;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.*;

/** {@code mien serve} and {@code mien loadtest} refuse bad options with one line, before loading anything. */
class ServeCliTest {
    record Result(int code, String out, String err) {}

    static Result mien(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8));
        return new Result(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    static void refused(String message, String... args) {
        Result r = mien(args);
        assertNotEquals(0, r.code());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().startsWith("mien " + args[0] + ": "), r.err());
        assertTrue(r.err().contains(message), r.err());
    }

    @Test
    void badServeOptionsAreOneLine() {
        refused("--max-body must be a positive count", "serve", "--max-body", "lots");
        refused("--max-body must be a positive count", "serve", "--max-body", "0");
        refused("--port must be between 0 and 65535", "serve", "--port", "70000");
        refused("--queue must be an integer", "serve", "--queue", "x");
        refused("unknown option --frobnicate", "serve", "--frobnicate");
        refused("serve takes no arguments", "serve", "photo.jpg");
        refused("no such file", "serve", "--model", "/nonexistent/model.pth");
        refused("--model needs a value", "serve", "--model");
        refused("--warmup-seconds must be between 0 and 600, got '-1'", "serve", "--warmup-seconds", "-1");
        refused("--warmup-seconds must be between 0 and 600, got 'NaN'", "serve", "--warmup-seconds", "NaN");
        refused("--warmup-seconds must be between 0 and 600, got '601'", "serve", "--warmup-seconds", "601");
        refused("--warmup-seconds must be a number", "serve", "--warmup-seconds", "soon");
    }

    @Test
    void helpListsServeAndLoadtest() {
        Result help = mien("help");
        assertTrue(help.out().contains("serve    [--port 8080]"));
        assertTrue(help.out().contains("loadtest --image F"));
    }

    @Test
    void loadtestRefusesOtherHostsAndMissingImages() throws Exception {
        refused("no such file", "loadtest", "--image", "/nonexistent.png");
        java.nio.file.Path img = java.nio.file.Files.createTempFile("mien-lt", ".png");
        try {
            refused("not this machine's loopback address", "loadtest", "--image", img.toString(), "--url", "http://192.0.2.1:8080/v1/faces");
            refused("--seconds must be between 1 and 120", "loadtest", "--image", img.toString(), "--seconds", "1000");
        } finally {
            java.nio.file.Files.delete(img);
        }
    }
}
