package dev.mien.formats.tfjs;

import dev.mien.formats.ModelLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.mien.formats.tfjs.TfjsTestModel.attrs;
import static dev.mien.formats.tfjs.TfjsTestModel.window;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Broken and malicious TF.js models: each is refused with one line naming the file and the
 * problem, before anything large is allocated.
 */
class TfjsHostileTest {
    @TempDir Path dir;

    private static TfjsTestModel small() {
        return new TfjsTestModel().input("x", 1, 4, 4, 2)
                .constF("f", new int[]{3, 3, 2, 3}, new float[54])
                .op("c", "Conv2D", List.of("x", "f"), window("SAME", 1, 1));
    }

    /** The one-line message loading {@code model} fails with; asserts it names {@code file}. */
    private static String refusal(Path model, Path file) {
        String m = assertThrows(IOException.class, () -> ModelLoader.load(model)).getMessage();
        assertFalse(m.contains("\n"), "one line: " + m);
        assertTrue(m.startsWith(file.toString()), "names " + file + ": " + m);
        return m;
    }

    /** Loading {@code model} (a directory) fails with one line naming its model.json and saying {@code what}. */
    private static void expect(Path model, String what) {
        String m = refusal(model, model.resolve("model.json"));
        assertTrue(m.contains(what), "'" + what + "' in: " + m);
    }

    private static void rewrite(Path json, String from, String to) throws IOException {
        String s = Files.readString(json);
        assertTrue(s.contains(from), from);
        Files.writeString(json, s.replace(from, to));
    }

    @Test
    void shardsMustHoldExactlyWhatTheManifestDescribes() throws IOException {
        Path m = small().write(dir.resolve("short"));
        Path shard = m.resolve("group1-shard1of1.bin");
        byte[] b = Files.readAllBytes(shard);
        Files.write(shard, java.util.Arrays.copyOf(b, b.length - 1));
        expect(m, "hold 215 bytes, the manifest describes 216 (truncated shard?)");
        Files.write(shard, java.util.Arrays.copyOf(b, b.length + 4));
        expect(m, "holds more bytes than the manifest describes");
        Files.delete(shard);
        expect(m, "no file group1-shard1of1.bin");
    }

    @Test
    void shardPathsStayInsideTheModelDirectory() throws IOException {
        for (String evil : List.of("../outside.bin", "/etc/passwd", "a/../../outside.bin", "C:/x.bin", "sub\\\\x.bin")) {
            Path m = small().write(dir.resolve("p" + Math.abs(evil.hashCode())));
            Files.write(dir.resolve("outside.bin"), new byte[216]);
            rewrite(m.resolve("model.json"), "\"group1-shard1of1.bin\"", "\"" + evil + "\"");
            String msg = refusal(m, m.resolve("model.json"));
            assertTrue(msg.contains("refusing the file name"), msg);
        }
    }

    @Test
    void lyingShapesAreCaughtBeforeAllocating() throws IOException {
        Path big = small().write(dir.resolve("big"));
        rewrite(big.resolve("model.json"), "\"shape\" : [ 3, 3, 2, 3 ]", "\"shape\" : [ 300000, 300000, 2, 3 ]");
        expect(big, "more than 268435456 elements; ");
        Path wrong = new TfjsTestModel().input("x", 1, 4, 4, 5).constF("f", new int[]{3, 3, 2, 3}, new float[54])
                .op("c", "Conv2D", List.of("x", "f"), window("SAME", 1, 1)).write(dir.resolve("wrong"));
        String m = refusal(wrong, wrong.resolve("model.json"));
        assertTrue(m.contains("node 'c' (Conv2D): ") && m.contains("5 channels"), m);
        Path neg = small().write(dir.resolve("neg"));
        rewrite(neg.resolve("model.json"), "\"shape\" : [ 3, 3, 2, 3 ]", "\"shape\" : [ 3, -3, 2, 3 ]");
        expect(neg, "negative dimension");
        Path open = new TfjsTestModel().input("x", 1, -1, -1, 3).write(dir.resolve("open"));
        expect(open, "every dimension but the batch fixed");
    }

    @Test
    void everyUnsupportedOpIsListedInOneError() throws IOException {
        Path m = small().op("a", "FooBar", List.of("c"), attrs()).op("b", "FooBar", List.of("a"), attrs())
                .op("r", "ResizeBilinear", List.of("b"), attrs())
                .op("n", "Conv2D", List.of("r", "f"), window("SAME", 1, 1).s("data_format", "NCHW"))
                .op("k", "_FusedConv2D", List.of("x", "f"), window("SAME", 1, 1).strs("fused_ops", "BiasAdd", "Gelu"))
                .write(dir.resolve("unsupported"));
        String msg = refusal(m, m.resolve("model.json"));
        assertTrue(msg.contains("unsupported TF.js ops: "), msg);
        for (String s : List.of("FooBar (2 nodes, e.g. a)", "ResizeBilinear (1 node: r)", "Conv2D with data_format NCHW (1 node: n)",
                "_FusedConv2D with fused_ops [BiasAdd, Gelu] (1 node: k)", "Supported: "))
            assertTrue(msg.contains(s), s + " in " + msg);
    }

    @Test
    void brokenStructureIsRefused() throws IOException {
        Path cycle = new TfjsTestModel().input("x", 1, 2, 2, 1).op("a", "Relu", List.of("b"), attrs()).op("b", "Relu", List.of("a"), attrs())
                .write(dir.resolve("cycle"));
        expect(cycle, "cycle");
        Path dangling = new TfjsTestModel().input("x", 1, 2, 2, 1).op("a", "Relu", List.of("nowhere"), attrs()).write(dir.resolve("dangling"));
        expect(dangling, "reads 'nowhere', which no node produces");
        Path twice = new TfjsTestModel().input("x", 1, 2, 2, 1).op("x", "Relu", List.of(), attrs()).write(dir.resolve("twice"));
        expect(twice, "defined twice");
        Path noValues = small().write(dir.resolve("novalues"));
        String json = Files.readString(noValues.resolve("model.json"));
        int at = json.lastIndexOf("\"name\" : \"f\"");   // the manifest entry, after the nodes
        Files.writeString(noValues.resolve("model.json"), json.substring(0, at) + "\"name\" : \"g\"" + json.substring(at + 12));
        expect(noValues, "has no values in the weights manifest");
        Path sig = small().outputs("Identity_7:0").write(dir.resolve("sig"));
        expect(sig, "signature output 'Identity_7:0'");
    }

    @Test
    void malformedJsonAndUnknownEncodingsAreRefused() throws IOException {
        Path dtype = small().write(dir.resolve("dtype"));
        rewrite(dtype.resolve("model.json"), "\"dtype\" : \"float32\"", "\"dtype\" : \"complex64\"");
        expect(dtype, "unsupported dtype 'complex64'");
        Path q = small().write(dir.resolve("q"));
        rewrite(q.resolve("model.json"), "\"dtype\" : \"float32\"", "\"dtype\" : \"float32\", \"quantization\" : {\"dtype\": \"int4\", \"scale\": 1, \"min\": 0}");
        expect(q, "unsupported quantization dtype 'int4'");
        Path qn = small().write(dir.resolve("qn"));
        rewrite(qn.resolve("model.json"), "\"dtype\" : \"float32\"", "\"dtype\" : \"float32\", \"quantization\" : {\"dtype\": \"uint8\"}");
        expect(qn, "without finite scale/min");
        Path deep = Files.createDirectories(dir.resolve("deep"));
        Files.writeString(deep.resolve("model.json"), "{\"modelTopology\": " + "[".repeat(100) + "]".repeat(100) + "}");
        expect(deep, "not valid JSON");
        Path layers = Files.createDirectories(dir.resolve("layers"));
        Files.writeString(layers.resolve("model.json"), "{\"format\": \"layers-model\", \"modelTopology\": {}, \"weightsManifest\": []}");
        expect(layers, "only graph-model is imported");
        Path dup = Files.createDirectories(dir.resolve("dup"));
        Files.writeString(dup.resolve("model.json"), "{\"modelTopology\": {\"node\": []}, \"modelTopology\": {\"node\": []}}");
        expect(dup, "not valid JSON");
        Path b64 = small().write(dir.resolve("b64"));
        rewrite(b64.resolve("model.json"), "\"U0FNRQ==\"", "\"%%not base64%%\"");
        expect(b64, "node 'c' (Conv2D): Illegal base64 character");
        Path huge = new TfjsTestModel().input("x", 1, 4, 4, 2).constF("f", new int[]{3, 3, 2, 3}, new float[54])
                .op("c", "Conv2D", List.of("x", "f"), window("SAME", 1, 1).ints("strides", 1, 99999999999L, 777, 1)).write(dir.resolve("huge"));
        expect(huge, "node 'c' (Conv2D): strides [1, 99999999999, 777, 1]");
        rewrite(huge.resolve("model.json"), "\"777\"", "\"seven\"");
        expect(huge, "node 'c' (Conv2D): not an integer: seven");
        Path ctl = small().write(dir.resolve("ctl"));
        rewrite(ctl.resolve("model.json"), "\"name\" : \"x\"", "\"name\" : \"x\\u001b[31m\"");
        String m = refusal(ctl, ctl.resolve("model.json"));
        assertFalse(m.contains("\u001b"), "control characters are escaped: " + m);
    }
}
