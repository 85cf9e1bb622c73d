package dev.mien.formats;

import dev.mien.engine.NetworkCard;
import dev.mien.engine.Tensor;
import dev.mien.engine.io.ModelFile;
import dev.mien.engine.io.ModelSource;
import dev.mien.engine.ir.Graph;
import dev.mien.engine.ir.Node;
import dev.mien.formats.manet.ManetRandomWeights;
import dev.mien.formats.safetensors.Safetensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Every format Mien reads, from every kind of source, recognised by content: files under
 * misleading names, bytes, streams, class-path resources in a folder and in a jar, and
 * directories (an unzipped Keras archive) on disk and on the class path.
 */
class ModelSourcesTest {
    @TempDir Path dir;

    /** Generated models (always) plus the reference fixtures (when present), each under a misleading name. */
    Map<ModelFormat, Path> models() throws IOException {
        Map<ModelFormat, Path> m = new LinkedHashMap<>();
        Map<String, Tensor> sd = ManetRandomWeights.stateDict(new int[]{8, 8, 16, 32, 64}, 7, 5);
        Path st = dir.resolve("weights.h5");
        Safetensors.write(st, sd, Map.of());
        m.put(ModelFormat.SAFETENSORS, st);
        Path mien = dir.resolve("model.keras");
        ModelFile.write(mien, ModelLoader.load(st).graph());
        m.put(ModelFormat.MIEN, mien);
        Path onnx = dir.resolve("onnx-model.pth");
        Files.write(onnx, dev.mien.formats.onnx.OnnxExporter.export(ModelLoader.load(st).graph()));
        m.put(ModelFormat.ONNX, onnx);
        Path fx = Fixtures.root();
        copyIfPresent(m, ModelFormat.PYTORCH_ZIP, fx.resolve("manet/manet-small.pth.tar"), "zip-model.h5");
        copyIfPresent(m, ModelFormat.PYTORCH_LEGACY, fx.resolve("manet/manet-small-legacy.pth.tar"), "legacy.safetensors");
        copyIfPresent(m, ModelFormat.KERAS_ARCHIVE, fx.resolve("lanmsff/lanmsff.keras"), "archive.pth");
        copyIfPresent(m, ModelFormat.KERAS_H5, fx.resolve("lanmsff/lanmsff.h5"), "hdf5.mien");
        return m;
    }

    void copyIfPresent(Map<ModelFormat, Path> m, ModelFormat f, Path fixture, String misleadingName) throws IOException {
        if (!Files.isRegularFile(fixture)) {
            System.err.println("ModelSourcesTest: " + fixture + " absent; " + f + " covered by generated files only where possible");
            return;
        }
        Path p = dir.resolve(misleadingName);
        Files.copy(fixture, p);
        m.put(f, p);
    }

    static URLClassLoader jar(Path jar, Map<String, byte[]> entries) throws IOException {
        try (OutputStream os = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(os)) {
            for (var e : entries.entrySet()) {
                j.putNextEntry(new JarEntry(e.getKey()));
                j.write(e.getValue());
                j.closeEntry();
            }
        }
        return new URLClassLoader(new URL[]{jar.toUri().toURL()}, null);
    }

    static URLClassLoader folder(Path root) throws IOException {
        return new URLClassLoader(new URL[]{root.toUri().toURL()}, null);
    }

    /** Same graph, same weights, same card. */
    static void assertSameModel(Graph want, Graph got, String what) {
        assertEquals(want.card(), got.card(), what);
        assertEquals(want.outputs(), got.outputs(), what);
        assertEquals(want.nodes().size(), got.nodes().size(), what);
        for (int i = 0; i < want.nodes().size(); i++) {
            Node a = want.nodes().get(i), b = got.nodes().get(i);
            assertEquals(a.toString(), b.toString(), what);
            for (String k : a.params().keySet()) assertArrayEquals(a.param(k).data(), b.param(k).data(), what + " " + a.name() + "." + k);
        }
    }

    @Test
    void everyFormatLoadsFromEverySourceKindAndIsDetectedByContent() throws IOException {
        Map<ModelFormat, Path> models = models();
        LoadOptions raw = LoadOptions.DEFAULT.withOptimize(false);
        Path cp = dir.resolve("cp");
        Files.createDirectories(cp.resolve("m"));
        Map<String, byte[]> jarEntries = new LinkedHashMap<>();
        for (var e : models.entrySet()) {
            byte[] bytes = Files.readAllBytes(e.getValue());
            Files.write(cp.resolve("m/" + e.getKey().name().toLowerCase()), bytes);
            jarEntries.put("m/" + e.getKey().name().toLowerCase(), bytes);
        }
        try (URLClassLoader folder = folder(cp); URLClassLoader jar = jar(dir.resolve("models.jar"), jarEntries)) {
            for (var e : models.entrySet()) {
                ModelFormat format = e.getKey();
                Path file = e.getValue();
                String res = "m/" + format.name().toLowerCase();
                // Unoptimised: the passes are deterministic and tested elsewhere; this is about bytes in, graph out.
                ModelLoader.Loaded ref = ModelLoader.load(file, raw);
                assertEquals(format, ref.format(), file + " detected by content despite its name");
                assertEquals(format, ModelFormat.detect(file));
                byte[] bytes = Files.readAllBytes(file);
                List<ModelSource> sources = new ArrayList<>(List.of(ModelSource.bytes("mem-" + format, bytes), ModelSource.resource(jar, res)));
                // The other kinds share these paths (a stream becomes bytes, a folder resource a file): once is enough.
                if (format == ModelFormat.MIEN || format == ModelFormat.SAFETENSORS)
                    sources.addAll(List.of(ModelSource.stream("stream-" + format, new ByteArrayInputStream(bytes)), ModelSource.resource(folder, res)));
                for (ModelSource s : sources) {
                    assertEquals(format, ModelFormat.detect(s), s.name());
                    ModelLoader.Loaded got = ModelLoader.load(s, raw);
                    assertEquals(format, got.format(), s.name());
                    assertSameModel(ref.graph(), got.graph(), s.name());
                }
            }
        }
    }

    /** Unzips a .keras archive into {@code target}: config.json, metadata.json, model.weights.h5. */
    static Map<String, byte[]> unzip(Path archive, Path target) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        Files.createDirectories(target);
        try (InputStream in = Files.newInputStream(archive); ZipInputStream z = new ZipInputStream(in)) {
            for (ZipEntry e; (e = z.getNextEntry()) != null; ) {
                byte[] b = z.readAllBytes();
                out.put(e.getName(), b);
                Files.write(target.resolve(e.getName()), b);
            }
        }
        return out;
    }

    @Test
    void anUnzippedKerasArchiveLoadsAsADirectoryFromDiskAndClassPath() throws IOException {
        Path archive = Fixtures.dir("lanmsff").resolve("lanmsff.keras");
        Path unzipped = dir.resolve("lanmsff-dir");
        Map<String, byte[]> entries = unzip(archive, unzipped);
        Map<String, byte[]> jarEntries = new LinkedHashMap<>();
        entries.forEach((k, v) -> jarEntries.put("models/lanmsff/" + k, v));
        LoadOptions raw = LoadOptions.DEFAULT.withOptimize(false);
        ModelLoader.Loaded ref = ModelLoader.load(ModelSource.of(archive), raw);
        assertEquals("lanmsff", ref.graph().card().architecture());
        Path cp = dir.resolve("cp");
        unzip(archive, cp.resolve("models/lanmsff"));
        try (URLClassLoader folder = folder(cp); URLClassLoader jar = jar(dir.resolve("m.jar"), jarEntries)) {
            for (ModelSource s : List.of(ModelSource.of(unzipped), ModelSource.resourceDirectory(folder, "models/lanmsff"),
                    ModelSource.resourceDirectory(jar, "models/lanmsff/"))) {
                assertEquals(ModelFormat.KERAS_DIRECTORY, ModelFormat.detect(s), s.name());
                ModelLoader.Loaded got = ModelLoader.load(s, raw);
                assertEquals(ModelFormat.KERAS_DIRECTORY, got.format());
                NetworkCard want = ref.graph().card().withExtra("source_format", "keras_directory");
                assertEquals(want, got.graph().card(), s.name());
                assertSameModel(ref.graph().withCard(want), got.graph(), s.name());
            }
            assertEquals(ModelFormat.KERAS_DIRECTORY, ModelLoader.load(unzipped, raw).format(), "load(Path) takes a directory too");
        }
    }

    @Test
    void directoriesAreRecognisedByTheirManifestsContent() throws IOException {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        assertEquals(empty + ": a directory without a model manifest (expected config.json + model.weights.h5 of an unzipped Keras archive, or a TensorFlow.js model.json)",
                assertThrows(IOException.class, () -> ModelLoader.load(empty)).getMessage());
        Path hf = Files.createDirectories(dir.resolve("hf"));
        Files.writeString(hf.resolve("config.json"), "{\"model_type\": \"bert\"}");
        Files.write(hf.resolve("model.weights.h5"), new byte[]{1});
        assertEquals(hf + ": config.json is not a Keras model config (no class_name/config)",
                assertThrows(IOException.class, () -> ModelLoader.load(hf)).getMessage());
        Path noWeights = Files.createDirectories(dir.resolve("no-weights"));
        Files.writeString(noWeights.resolve("config.json"), "{\"class_name\": \"Functional\", \"config\": {}}");
        assertTrue(assertThrows(IOException.class, () -> ModelLoader.load(noWeights)).getMessage().contains("without model.weights.h5"));
        Path tfjs = Files.createDirectories(dir.resolve("tfjs"));
        Files.writeString(tfjs.resolve("model.json"), "{\"modelTopology\": {}, \"weightsManifest\": [{\"paths\": [\"group1-shard1of1.bin\"]}]}");
        String m = assertThrows(IOException.class, () -> ModelLoader.load(tfjs)).getMessage();
        // Recognised as TF.js and imported: this manifest has no graph.
        assertTrue(m.startsWith(tfjs.resolve("model.json") + ": malformed model.json: modelTopology has no node list"), m);
        Path notJson = Files.createDirectories(dir.resolve("not-json"));
        Files.writeString(notJson.resolve("model.json"), "not json at all");
        assertTrue(assertThrows(IOException.class, () -> ModelLoader.load(notJson)).getMessage().startsWith(notJson + ": model.json is not"));
    }

    @Test
    void missingAndUnknownSourcesGetOneLineNamingThem() throws IOException {
        Path missing = dir.resolve("missing.pth");
        assertEquals(missing + ": no such file or directory", assertThrows(IOException.class, () -> ModelLoader.load(missing)).getMessage());
        assertEquals(missing + ": no such file", assertThrows(IOException.class, () -> ModelLoader.load(ModelSource.file(missing))).getMessage());
        try (URLClassLoader none = folder(Files.createDirectories(dir.resolve("nothing")))) {
            assertEquals("classpath:x/y.mien: no such class-path resource",
                    assertThrows(IOException.class, () -> ModelLoader.load(ModelSource.resource(none, "x/y.mien"))).getMessage());
        }
        byte[] junk = "this is a text file, not a model\n".getBytes();
        Path txt = dir.resolve("model.safetensors");
        Files.write(txt, junk);
        List<String> messages = new ArrayList<>();
        messages.add(assertThrows(IOException.class, () -> ModelLoader.load(txt)).getMessage());
        messages.add(assertThrows(IOException.class, () -> ModelLoader.load(ModelSource.bytes("upload#3", junk))).getMessage());
        assertTrue(messages.get(0).startsWith(txt + ": unrecognised model format"), messages.get(0));
        assertTrue(messages.get(1).startsWith("upload#3: unrecognised model format"), messages.get(1));
        for (String msg : messages) assertFalse(msg.contains("\n") || msg.contains("mien-source"), msg);
        assertEquals("empty: empty file", assertThrows(IOException.class, () -> ModelLoader.load(ModelSource.bytes("empty", new byte[0]))).getMessage());
        // A truncated checkpoint read from memory: the reader's own message, naming the source, not the temporary copy.
        Path st = dir.resolve("w.st");
        Safetensors.write(st, ManetRandomWeights.stateDict(new int[]{8, 8, 16, 32, 64}, 7, 5), Map.of());
        byte[] cut = Arrays.copyOf(Files.readAllBytes(st), 5000);
        String m = assertThrows(IOException.class, () -> ModelLoader.load(ModelSource.bytes("cut.st", cut))).getMessage();
        assertTrue(m.startsWith("cut.st: ") && !m.contains("mien-source"), m);
    }
}
