package dev.mien.engine.io;

import dev.mien.engine.GraphBuilder;
import dev.mien.engine.Model;
import dev.mien.engine.NetworkCard;
import dev.mien.engine.Tensor;
import dev.mien.engine.ir.Graph;
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
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

import static org.junit.jupiter.api.Assertions.*;

/** Every kind of model source, and Mien model files loaded through each. */
class ModelSourceTest {
    @TempDir Path dir;

    Path mienFile() throws IOException {
        Graph g = NetworkCardFileTest.classifier();
        Path f = dir.resolve("classifier.bin");
        ModelFile.write(f, g.withCard(NetworkCardFileTest.card(g)));
        return f;
    }

    /** A class loader over a folder (resources are plain files) holding models/a.mien and models/set/{x.json,y.bin}. */
    URLClassLoader folderLoader(byte[] model) throws IOException {
        Path root = dir.resolve("cp");
        Files.createDirectories(root.resolve("models/set"));
        Files.write(root.resolve("models/a.mien"), model);
        Files.writeString(root.resolve("models/set/x.json"), "{}");
        Files.write(root.resolve("models/set/y.bin"), new byte[]{1, 2, 3});
        return new URLClassLoader(new URL[]{root.toUri().toURL()}, null);
    }

    /** The same resources inside a jar, where they are not files. */
    URLClassLoader jarLoader(byte[] model) throws IOException {
        Path jar = dir.resolve("models.jar");
        try (OutputStream os = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(os)) {
            for (var e : Map.of("models/a.mien", model, "models/set/x.json", "{}".getBytes(), "models/set/y.bin", new byte[]{1, 2, 3}).entrySet()) {
                j.putNextEntry(new JarEntry(e.getKey()));
                j.write(e.getValue());
                j.closeEntry();
            }
        }
        return new URLClassLoader(new URL[]{jar.toUri().toURL()}, null);
    }

    static float[] run(Model m) {
        Tensor x = new GraphBuilder(9).random(1, 8, 6, 1);
        return m.run(x).values().iterator().next().data();
    }

    @Test
    void aMienModelLoadsFromEverySourceKindWithItsCard() throws IOException {
        Path f = mienFile();
        byte[] bytes = Files.readAllBytes(f);
        Model reference = Model.load(f);
        float[] want = run(reference);
        try (URLClassLoader folder = folderLoader(bytes); URLClassLoader jar = jarLoader(bytes)) {
            List<ModelSource> sources = List.of(ModelSource.file(f), ModelSource.of(f), ModelSource.bytes("mem", bytes),
                    ModelSource.stream("stream", new ByteArrayInputStream(bytes)),
                    ModelSource.resource(folder, "models/a.mien"), ModelSource.resource(jar, "/models/a.mien"));
            for (ModelSource s : sources) {
                Model m = Model.load(s);
                assertEquals(reference.card(), m.card(), s.name());
                assertArrayEquals(want, run(m), s.name());
            }
        }
    }

    @Test
    void temporaryCopiesAreDeletedAndErrorsNameTheSource() throws IOException {
        byte[] bytes = Files.readAllBytes(mienFile());
        ModelSource mem = ModelSource.bytes("my-upload", bytes);
        Path copy;
        try (ModelSource.LocalFile local = mem.localFile()) {
            copy = local.path();
            assertTrue(local.temporary());
            assertArrayEquals(bytes, Files.readAllBytes(copy));
        }
        assertFalse(Files.exists(copy), "the copy is gone once closed");
        try (ModelSource.LocalFile local = ModelSource.file(dir.resolve("classifier.bin")).localFile()) {
            assertFalse(local.temporary(), "a file is used in place");
        }
        byte[] broken = java.util.Arrays.copyOf(bytes, 40);
        IOException e = assertThrows(IOException.class, () -> Model.load(ModelSource.bytes("my-upload", broken)));
        assertTrue(e.getMessage().startsWith("my-upload: "), e.getMessage());
        assertFalse(e.getMessage().contains("mien-source"), "no temporary path in the message: " + e.getMessage());
    }

    @Test
    void streamsAreBoundedAndMissingSourcesAreNamed() throws IOException {
        InputStream endless = new InputStream() {
            @Override public int read() { return 7; }
            @Override public int read(byte[] b, int off, int len) { java.util.Arrays.fill(b, off, off + len, (byte) 7); return len; }
        };
        IOException big = assertThrows(IOException.class, () -> ModelSource.stream("endless", endless, 1000));
        assertTrue(big.getMessage().startsWith("endless: ") && big.getMessage().contains("1000"), big.getMessage());
        assertEquals(1000, ModelSource.stream("exact", new ByteArrayInputStream(new byte[1000]), 1000).readAllBytes(1000).length);

        Path missing = dir.resolve("nope.mien");
        IOException e = assertThrows(IOException.class, () -> ModelSource.of(missing));
        assertEquals(missing + ": no such file or directory", e.getMessage());
        e = assertThrows(IOException.class, () -> Model.load(ModelSource.file(missing)));
        assertEquals(missing + ": no such file", e.getMessage());
        try (URLClassLoader folder = folderLoader(new byte[0])) {
            e = assertThrows(IOException.class, () -> Model.load(ModelSource.resource(folder, "models/none.mien")));
            assertEquals("classpath:models/none.mien: no such class-path resource", e.getMessage());
        }
        e = assertThrows(IOException.class, () -> Model.load(ModelSource.directory(dir)));
        assertTrue(e.getMessage().startsWith(dir + ": a directory"), e.getMessage());
    }

    @Test
    void directoriesAndResourceDirectoriesResolveTheirFilesAndStayInside() throws IOException {
        try (URLClassLoader folder = folderLoader(new byte[]{1}); URLClassLoader jar = jarLoader(new byte[]{1})) {
            for (ModelSource d : List.of(ModelSource.of(dir.resolve("cp/models/set")), ModelSource.resourceDirectory(folder, "models/set"),
                    ModelSource.resourceDirectory(jar, "/models/set/"))) {
                assertTrue(d.isDirectory(), d.name());
                assertTrue(d.has("x.json") && d.has("y.bin"), d.name());
                assertFalse(d.has("z.bin"));
                assertFalse(d.has("../a.mien"), "no escaping the directory");
                assertArrayEquals(new byte[]{1, 2, 3}, d.resolve("y.bin").readAllBytes(100), d.name());
                assertArrayEquals("{}".getBytes(), d.resolve("x.json").head(10));
                IOException e = assertThrows(IOException.class, () -> d.resolve("z.bin"));
                assertTrue(e.getMessage().startsWith(d.name() + ": ") && e.getMessage().contains("z.bin"), e.getMessage());
                e = assertThrows(IOException.class, () -> d.resolve("../a.mien"));
                assertTrue(e.getMessage().contains("inside the directory"), e.getMessage());
                assertThrows(IOException.class, () -> d.resolve("/etc/passwd"));
                assertThrows(IOException.class, d::open);
            }
        }
    }

    @Test
    void theCardIsOnTheModelLoadedFromAnySource() throws IOException {
        NetworkCard c = Model.load(ModelSource.bytes("m", Files.readAllBytes(mienFile()))).card();
        assertEquals("tiny", c.architecture());
        assertEquals("keras-gray-pm1", c.preprocessing());
        assertEquals(List.of("a,b", "c", "d"), c.labels());
    }
}
