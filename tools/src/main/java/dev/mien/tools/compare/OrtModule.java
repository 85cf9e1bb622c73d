package dev.mien.tools.compare;

import dev.mien.tools.cli.CliException;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the optional ONNX Runtime module (ort/, built only with Maven's -Port) lives. The CLI
 * never loads ONNX Runtime itself: it starts the module's runner as a separate process, so
 * ONNX Runtime stays out of Mien's class path and runtime.
 */
public final class OrtModule {
    private OrtModule() {}

    /** The runner the ONNX Runtime benchmark process starts (in the ort module). */
    public static final String RUNNER = "dev.mien.ort.OrtBench";

    /** The per-convolution-class profile of both runtimes (in the ort module). */
    public static final String PROFILER = "dev.mien.ort.ConvClassProfile";

    static final String NOT_BUILT = "--compare onnxruntime needs the optional ONNX Runtime module, which is not built here; "
            + "run it through ./mien (which builds it on demand) or build it with: mvn -Port -DskipTests package";

    /**
     * The checkout this CLI runs from: {@code -Dmien.home}, else three folders above the tools
     * jar or class folder ({@code ROOT/tools/target/mien-tools.jar}).
     */
    static Path home() {
        String h = System.getProperty("mien.home");
        if (h != null) return Path.of(h);
        try {
            Path code = Path.of(OrtModule.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path root = code.getParent() == null ? null : code.getParent().getParent();
            return root == null || root.getParent() == null ? Path.of(".") : root.getParent();
        } catch (URISyntaxException | SecurityException | NullPointerException e) {
            return Path.of(".");
        }
    }

    /** The class path of the ONNX Runtime runner in {@code home}, or a one-line error saying how to build it. */
    static String classpath(Path home) {
        Path target = home.resolve("ort").resolve("target");
        Path jar = target.resolve("mien-ort.jar"), lib = target.resolve("lib");
        if (!Files.isRegularFile(jar) || !Files.isDirectory(lib)) throw new CliException(NOT_BUILT);
        return jar + java.io.File.pathSeparator + lib.resolve("*");
    }
}
