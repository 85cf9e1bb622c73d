package dev.mien.tools.compare;

import dev.mien.tools.Main;
import dev.mien.tools.cli.Args;
import dev.mien.tools.cli.CliException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class CompareOnnxRuntimeTest {
    static final Set<String> VALUES = Set.of("model", "arch", "batch", "threads", "kernels", "iterations", "warmup", "warmup-seconds", "seed",
            "compare", "rounds", "onnx", "peak-gflops");

    static Args args(String... argv) { return Args.parse("bench", List.of(argv), VALUES, Set.of("json", "profile")); }

    /** Records what it was asked to export and hands back a fixed file. */
    static final class FakeExporter implements OnnxSource {
        final List<String> calls = new ArrayList<>();
        final Path result;
        FakeExporter(Path result) { this.result = result; }
        @Override public Path export(Path model, String arch, int seed, List<Path> temporaries) {
            calls.add(model + " " + arch + " " + seed);
            temporaries.add(result);
            return result;
        }
    }

    /** The start of an ONNX ModelProto (ir_version 7, a producer name): enough for detection by content. */
    static Path onnxFile(Path dir, String name) throws Exception {
        byte[] b = {0x08, 0x07, 0x12, 0x04, 'm', 'i', 'e', 'n', 0x3a, 0x00};
        return Files.write(dir.resolve(name), b);
    }

    @Test
    void anOnnxModelRunsOnBothSidesAsItIs(@TempDir Path dir) throws Exception {
        Path m = onnxFile(dir, "net.model");
        FakeExporter ex = new FakeExporter(dir.resolve("unused.onnx"));
        var p = CompareOnnxRuntime.plan(args("--model", m.toString(), "--compare", "onnxruntime", "--threads", "2", "--batch", "4",
                "--iterations", "7", "--warmup", "3", "--warmup-seconds", "0.5", "--rounds", "5"), ex, new ArrayList<>());
        assertEquals(m, p.onnx());
        assertTrue(ex.calls.isEmpty(), "nothing exported");
        assertEquals(5, p.rounds());
        List<String> common = List.of("--batch", "4", "--threads", "2", "--iterations", "7", "--warmup", "3", "--warmup-seconds", "0.500");
        List<String> mien = new ArrayList<>(List.of("bench", "--model", m.toString()));
        mien.addAll(common);
        mien.add("--json");
        assertEquals(mien, p.mienCommand());
        List<String> ort = new ArrayList<>(List.of("--onnx", m.toString()));
        ort.addAll(common);
        assertEquals(ort, p.ortCommand());
        List<String> prof = new ArrayList<>(List.of("--model", m.toString(), "--onnx", m.toString()));
        prof.addAll(common);
        assertEquals(prof, p.profileCommand());
    }

    @Test
    void otherModelsAndArchitecturesAreExportedOrTakeTheGivenOnnx(@TempDir Path dir) throws Exception {
        Path m = Files.writeString(dir.resolve("net.keras"), "x");
        Path given = Files.writeString(dir.resolve("given.onnx"), "x");
        FakeExporter ex = new FakeExporter(dir.resolve("export.onnx"));
        List<Path> temps = new ArrayList<>();
        var p = CompareOnnxRuntime.plan(args("--model", m.toString(), "--compare", "onnxruntime", "--threads", "1"), ex, temps);
        assertEquals(ex.result, p.onnx());
        assertEquals(List.of(m + " null 0"), ex.calls);
        assertEquals(List.of(ex.result), temps, "the export is deleted afterwards");

        p = CompareOnnxRuntime.plan(args("--arch", "manet", "--seed", "7", "--compare", "onnxruntime", "--threads", "1", "--kernels", "scalar"), ex, temps);
        assertEquals("null manet 7", ex.calls.get(1));
        assertEquals(List.of("bench", "--kernels", "scalar", "--arch", "manet", "--seed", "7"), p.mienCommand().subList(0, 7),
                "Mien builds the same seeded weights the export holds");

        p = CompareOnnxRuntime.plan(args("--arch", "manet", "--compare", "onnxruntime", "--onnx", given.toString(), "--threads", "1"), ex, temps);
        assertEquals(given, p.onnx());
        assertEquals(2, ex.calls.size(), "--onnx is taken as it is");
    }

    @Test
    void theExporterWritesATemporaryOnnxFileOfTheSeededArchitecture() throws Exception {
        List<Path> temps = new ArrayList<>();
        Path f = OnnxSource.EXPORTER.export(null, "lanmsff", 3, temps);
        try {
            assertEquals(List.of(f), temps);
            assertTrue(OnnxSource.isOnnx(f), "recognised by content");
            assertArrayEquals(dev.mien.formats.onnx.OnnxExporter.export(dev.mien.formats.RandomModels.graph("lanmsff", 3)), Files.readAllBytes(f),
                    "the same seed gives the same weights Mien's --arch builds");
        } finally {
            Files.deleteIfExists(f);
        }
        var e = assertThrows(CliException.class, () -> OnnxSource.EXPORTER.export(null, "resnet", 1, new ArrayList<>()));
        assertTrue(e.getMessage().startsWith("--arch resnet: "), e.getMessage());
    }

    @Test
    void badOptionsAreOneLine(@TempDir Path dir) throws Exception {
        Path m = Files.writeString(dir.resolve("net.onnx"), "x");
        FakeExporter ex = new FakeExporter(m);
        assertEquals("--compare takes 'onnxruntime', got 'pytorch'",
                assertThrows(CliException.class, () -> CompareOnnxRuntime.plan(args("--model", m.toString(), "--compare", "pytorch"), ex, new ArrayList<>())).getMessage());
        assertEquals("--rounds must be between 1 and 100, got 0",
                assertThrows(CliException.class, () -> CompareOnnxRuntime.plan(args("--model", m.toString(), "--compare", "onnxruntime", "--rounds", "0"), ex,
                        new ArrayList<>())).getMessage());
        assertTrue(assertThrows(CliException.class, () -> CompareOnnxRuntime.plan(args("--model", m.toString(), "--compare", "onnxruntime", "--threads", "0"), ex,
                new ArrayList<>())).getMessage().contains("--threads"));
        assertEquals(dir.resolve("nope.onnx") + ": no such file",
                assertThrows(CliException.class, () -> CompareOnnxRuntime.plan(args("--arch", "manet", "--compare", "onnxruntime",
                        "--onnx", dir.resolve("nope.onnx").toString()), ex, new ArrayList<>())).getMessage());
    }

    @Test
    void findsTheOrtModuleOrSaysHowToBuildIt(@TempDir Path dir) throws Exception {
        assertEquals(OrtModule.NOT_BUILT, assertThrows(CliException.class, () -> OrtModule.classpath(dir)).getMessage());
        Path target = Files.createDirectories(dir.resolve("ort/target/lib"));
        Files.writeString(target.resolveSibling("mien-ort.jar"), "");
        assertEquals(target.resolveSibling("mien-ort.jar") + java.io.File.pathSeparator + target.resolve("*"), OrtModule.classpath(dir));
        assertTrue(Files.isDirectory(OrtModule.home().resolve("tools")), "home is the checkout: " + OrtModule.home());
    }

    @Test
    void theCliSaysInOneLineWhenTheOrtModuleIsMissing(@TempDir Path dir) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        String before = System.getProperty("mien.home");
        System.setProperty("mien.home", dir.toString());
        try {
            int code = Main.run(new String[]{"bench", "--arch", "lanmsff", "--compare", "onnxruntime"}, new PrintStream(out), new PrintStream(err, true, StandardCharsets.UTF_8));
            assertEquals(2, code);
            assertEquals("mien bench: " + OrtModule.NOT_BUILT + "\n", err.toString(StandardCharsets.UTF_8));
        } finally {
            if (before == null) System.clearProperty("mien.home"); else System.setProperty("mien.home", before);
        }
        err.reset();
        assertEquals(2, Main.run(new String[]{"bench", "--arch", "lanmsff", "--rounds", "3"}, new PrintStream(out), new PrintStream(err, true, StandardCharsets.UTF_8)));
        assertEquals("mien bench: --rounds and --onnx go with --compare onnxruntime\n", err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void childProcessesReturnOutputOrOneLineErrors() {
        assertEquals("a\n{}\n", ChildProcess.run("fake", List.of("sh", "-c", "echo a; echo '{}'; echo noise >&2"), 60));
        CliException e = assertThrows(CliException.class, () -> ChildProcess.run("fake", List.of("sh", "-c", "echo one >&2; echo 'fake bench: broken' >&2; exit 3"), 60));
        assertEquals("fake benchmark process failed (exit 3): fake bench: broken", e.getMessage());
        e = assertThrows(CliException.class, () -> ChildProcess.run("fake", List.of("sh", "-c", "exec sleep 30"), 1));
        assertEquals("fake benchmark process did not finish within 1 s; killed", e.getMessage());
        e = assertThrows(CliException.class, () -> ChildProcess.run("fake", List.of("/nonexistent/binary"), 1));
        assertTrue(e.getMessage().startsWith("cannot start the fake benchmark process: "), e.getMessage());
    }

    @Test
    void childCommandsUseThisJvm() {
        List<String> m = CompareOnnxRuntime.mienJvm(List.of("bench", "--json"));
        assertTrue(m.getFirst().endsWith("java"));
        assertEquals(List.of("dev.mien.tools.Main", "bench", "--json"), m.subList(m.size() - 3, m.size()));
        List<String> o = CompareOnnxRuntime.ortJvm("CP", OrtModule.RUNNER, List.of("--onnx", "f"));
        assertEquals(List.of("-cp", "CP", OrtModule.RUNNER, "--onnx", "f"), o.subList(o.size() - 5, o.size()));
        assertFalse(o.contains(System.getProperty("java.class.path")), "the ONNX Runtime child gets only the ort module's class path");
    }
}
