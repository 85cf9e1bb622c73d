package dev.mien.formats.hostile;

import dev.mien.engine.image.ImageLoader;
import dev.mien.engine.io.Npy;
import dev.mien.formats.keras.KerasArchiveFile;
import dev.mien.formats.safetensors.Safetensors;
import dev.mien.formats.torch.TorchCheckpoint;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Runs one reader on one file in its own JVM (the regression suite starts it with a small heap)
 * and reports on one line: {@code OK}, {@code ERROR <message>} for the readers' own clean
 * refusal, or {@code CRASH <throwable>} for anything else (OutOfMemoryError, StackOverflowError,
 * a runtime exception escaping). Exit status 0, 1 and 2 respectively.
 */
public final class HostileProbe {
    private HostileProbe() {}

    public static void main(String[] args) {
        Path file = Path.of(args[1]);
        try {
            switch (args[0]) {
                case "torch" -> TorchCheckpoint.read(file).stateDict();
                case "keras-archive" -> KerasArchiveFile.open(file);
                case "npy" -> Npy.read(file);
                case "image" -> ImageLoader.readRgb(file);
                case "safetensors" -> Safetensors.read(file);
                default -> throw new IllegalArgumentException("unknown reader " + args[0]);
            }
            System.out.println("OK");
            System.exit(0);
        } catch (IOException e) {
            System.out.println("ERROR " + e.getMessage());
            System.exit(1);
        } catch (Throwable t) {
            System.out.println("CRASH " + t);
            System.exit(2);
        }
    }
}
