package dev.mien.formats.hostile;

import dev.mien.formats.hostile.HostileFiles.Member;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.mien.formats.hostile.HostileFiles.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The hostile-input regression suite: each generated file is read in a fresh JVM with a 512 MB
 * heap ({@link HostileProbe}); the reader must refuse it with one printable line that names the
 * file and the problem. A crash (OutOfMemoryError, StackOverflowError, an escaping runtime
 * exception) or a reader still running after a generous wall-clock guard fails the case; the
 * guard is a hang detector, not a performance assertion (the cases finish in about a second).
 */
class HostileInputsTest {
    @TempDir Path dir;

    private static final long HANG_GUARD_SECONDS = 120;
    private static final int MAX_MESSAGE = 600;

    /** Runs the probe; returns its one output line. */
    private String probe(String reader, Path file) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), HostileProbe.class.getName(), reader, file.toString()));
        Path log = dir.resolve(file.getFileName() + ".probe.txt");
        // stdout carries the probe's one line; stderr (library chatter) is kept apart.
        Process p = new ProcessBuilder(cmd).redirectOutput(log.toFile())
                .redirectError(dir.resolve(file.getFileName() + ".stderr.txt").toFile()).start();
        if (!p.waitFor(HANG_GUARD_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            fail(reader + " on " + file.getFileName() + " still running after " + HANG_GUARD_SECONDS + " s (hang)");
        }
        String out = Files.readString(log, StandardCharsets.UTF_8).strip();
        assertNotEquals(2, p.exitValue(), "reader crashed: " + out);
        return out;
    }

    /** The file must be refused cleanly with a message containing {@code expected}. */
    private String refused(String reader, Path file, String expected) throws Exception {
        String out = probe(reader, file);
        assertTrue(out.startsWith("ERROR "), "expected a clean refusal, got: " + cut(out));
        String msg = out.substring("ERROR ".length());
        assertFalse(msg.contains("\n"), "more than one line: " + cut(msg));
        assertTrue(msg.length() <= MAX_MESSAGE, "message of " + msg.length() + " chars: " + cut(msg));
        assertTrue(msg.chars().allMatch(c -> c >= 0x20 && c < 0x7f), "unprintable characters in: " + cut(msg));
        assertTrue(msg.contains(file.getFileName().toString()), "message does not name the file: " + msg);
        assertTrue(msg.contains(expected), "expected '" + expected + "' in: " + msg);
        return msg;
    }

    private static String cut(String s) { return s.length() > 300 ? s.substring(0, 300) + "..." : s; }

    private Path write(String name, byte[] bytes) throws IOException { return Files.write(dir.resolve(name), bytes); }

    // ---- control: the probe reads good files ----------------------------------------------

    @Test
    void probeReadsAGoodCheckpointAndArchive() throws Exception {
        Path pth = checkpoint(dir.resolve("good.pth"), tensorPickle(4, 0, new int[]{2, 2}, new int[]{2, 1}),
                Member.stored("archive/data/0", floats(1, 2, 3, 4)));
        assertEquals("OK", probe("torch", pth));
        assertEquals("OK", probe("keras-archive", kerasArchive(dir, "good.keras")));
    }

    // ---- pickle: hangs -------------------------------------------------------------------

    @Test
    void listDictKeysSharingAnExponentialDagAreRefusedAsUnhashable() throws Exception {
        refused("torch", write("listkey.pth", dagKeyPickle(false, 40)), "unhashable dict key of type list");
    }

    @Test
    void tupleDictKeysSharingAnExponentialDagAreRefusedBeforeHashing() throws Exception {
        refused("torch", write("tuplekey.pth", dagKeyPickle(true, 40)), "mien.limits.maxKeyNodes");
    }

    @Test
    void fiveMegabyteDecimalIntegerIsRefusedUnparsed() throws Exception {
        refused("torch", write("bigint.pth", hugeIntPickle(5_000_000)), "exceeds 4300 digits");
    }

    @Test
    void persistentIdDagIsReportedBriefly() throws Exception {
        refused("torch", checkpoint(dir.resolve("piddag.pth"), persistentIdDagPickle(60)), "unsupported persistent id");
    }

    @Test
    void dictContainingItselfEndsInAnError() throws Exception {
        refused("torch", checkpoint(dir.resolve("selfdict.pth"), selfDictPickle()), "no state_dict found");
    }

    // ---- memory follows what a file holds, not what it claims ----------------------------

    @Test
    void deflatedStorageBombIsRefusedBeforeInflating() throws Exception {
        int elements = 1 << 27; // 512 MB of zeros, about 0.5 MB deflated
        Path f = checkpoint(dir.resolve("storagebomb.pth"), tensorPickle(elements, 0, new int[]{elements}, new int[]{1}),
                Member.zeroBomb("archive/data/0", new byte[0], 4L * elements));
        assertTrue(Files.size(f) < 4 << 20, "generator should stay small: " + Files.size(f));
        refused("torch", f, "mien.limits.maxInflateRatio");
    }

    @Test
    void dataPklClaimingTwoGigabytesIsRefused() throws Exception {
        Path f = zip(dir.resolve("falsesize.pth"),
                Member.zeroBomb("archive/data.pkl", new byte[]{(byte) 0x80, 2, '}', '.'}, 300L << 20));
        patchDeclaredSize(f, "archive/data.pkl", 0x7ffffff0L);
        refused("torch", f, "claims to expand");
    }

    @Test
    void memberLongerThanItsDeclaredSizeIsRefused() throws Exception {
        byte[] pickle = tensorPickle(4, 0, new int[]{4}, new int[]{1});
        Path f = zip(dir.resolve("shortsize.pth"), Member.deflated("archive/data.pkl", pickle),
                Member.stored("archive/data/0", floats(1, 2, 3, 4)));
        patchDeclaredSize(f, "archive/data.pkl", 10);
        refused("torch", f, "expands beyond its declared 10 bytes");
    }

    @Test
    void strideZeroViewOfABillionElementsIsNotMaterialised() throws Exception {
        Path f = checkpoint(dir.resolve("stride0.pth"), tensorPickle(1, 0, new int[]{1_000_000_000}, new int[]{0}),
                Member.stored("archive/data/0", floats(1)));
        assertTrue(Files.size(f) < 2048);
        refused("torch", f, "expanded views larger than their storage are not materialised");
    }

    @Test
    void kerasWeightsBombIsRefusedBeforeInflating() throws Exception {
        Path f = zip(dir.resolve("bomb.keras"),
                Member.stored("config.json", TINY_CONFIG.getBytes(StandardCharsets.UTF_8)),
                Member.zeroBomb("model.weights.h5", new byte[0], 400L << 20));
        refused("keras-archive", f, "mien.limits.maxInflateRatio");
    }

    @Test
    void safetensorsWithOverlappingRangesIsRefusedBeforeReading() throws Exception {
        refused("safetensors", write("overlap.safetensors", overlappingSafetensors(1000, 1 << 20)), "overlap");
    }

    @Test
    void hugePngIsRefusedFromItsHeaderBeforeDecoding() throws Exception {
        refused("image", write("big20000.png", pngDeclaring(20_000, 20_000)), "mien.limits.maxImagePixels");
        // 30000 x 30000 x 3 overflows an int: still the same clean refusal.
        refused("image", write("big30000.png", pngDeclaring(30_000, 30_000)), "30000x30000 pixels");
    }

    // ---- archives are verified ---------------------------------------------------------

    @Test
    void flippedBitInACheckpointStorageFailsItsCrc() throws Exception {
        Path f = checkpoint(dir.resolve("flip.pth"), tensorPickle(4, 0, new int[]{4}, new int[]{1}),
                Member.stored("archive/data/0", floats(1.25f, -2.5f, 3.75f, 4.125f)));
        flipBitIn(f, floats(3.75f));
        refused("torch", f, "CRC-32");
    }

    @Test
    void flippedBitInKerasWeightsFailsItsCrc() throws Exception {
        Path f = kerasArchive(dir, "flip.keras");
        flipBitIn(f, floats(WEIGHT_VALUES[2]));
        refused("keras-archive", f, "CRC-32");
    }

    @Test
    void flippedBitInAnHdf5ObjectHeaderFailsItsChecksumEvenWithAGoodZipCrc() throws Exception {
        // The zip CRC is computed over the damaged bytes: only HDF5's own checksum can catch this.
        byte[] h5 = flipBitIn(weightsH5(dir, "h5sum"), "jHDF - ".getBytes(StandardCharsets.US_ASCII));
        String msg = refused("keras-archive", kerasArchive(dir, "h5sum.keras", h5), "");
        assertTrue(msg.toLowerCase(java.util.Locale.ROOT).contains("checksum"), msg);
    }

    // ---- messages: one printable line ------------------------------------------------------

    @Test
    void terminalEscapesInAPickleGlobalAreNotEchoed() throws Exception {
        refused("torch", checkpoint(dir.resolve("ansi.pth"), ansiGlobalPickle()), "refusing to call os.");
    }

    @Test
    void npyHeaderOfEightyKilobytesOfEscapesIsNotEchoed() throws Exception {
        String header = "{'descr': " + "\u001b[31m".repeat(17_000) + "}";
        refused("npy", write("ansi.npy", npy(header, 0)), "malformed header");
    }

    @Test
    void npyWithAnAbsurdElementWidthIsAHeaderErrorNotANumberFormatError() throws Exception {
        refused("npy", write("width.npy", npy("{'descr': '<f99999999999', 'fortran_order': False, 'shape': (2,), }", 8)),
                "malformed header");
    }
}
