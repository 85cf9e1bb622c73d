package dev.mien.engine.io;

import dev.mien.engine.Model;
import dev.mien.engine.ir.Graph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** builtin:NAME through the class path, without the default-models artifact: jars made here. */
class BuiltinModelsTest {
    @TempDir Path dir;

    private Path jar(String name, Map<String, byte[]> entries) throws IOException {
        Path jar = dir.resolve(name);
        try (OutputStream os = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(os)) {
            for (var e : entries.entrySet()) {
                j.putNextEntry(new JarEntry(e.getKey()));
                j.write(e.getValue());
                j.closeEntry();
            }
        }
        return jar;
    }

    private static byte[] text(String s) { return s.getBytes(StandardCharsets.UTF_8); }

    @Test
    void namesFromEveryIndexOnTheClassPathResolveToTheirModels() throws IOException {
        Path f = dir.resolve("m.mien");
        Graph g = NetworkCardFileTest.classifier();
        ModelFile.write(f, g.withCard(NetworkCardFileTest.card(g)));
        byte[] model = Files.readAllBytes(f);
        Map<String, byte[]> a = new LinkedHashMap<>();
        a.put(BuiltinModels.INDEX, text("# comment\nalpha\n\nNot A Name!\n../up\n"));
        a.put(BuiltinModels.RESOURCE_DIR + "alpha.mien", model);
        Map<String, byte[]> b = new LinkedHashMap<>();
        b.put(BuiltinModels.INDEX, text("beta\ngamma\n"));
        b.put(BuiltinModels.RESOURCE_DIR + "beta.mien", model);
        try (URLClassLoader cp = new URLClassLoader(new URL[]{jar("a.jar", a).toUri().toURL(), jar("b.jar", b).toUri().toURL()}, null)) {
            assertEquals(List.of("alpha", "beta", "gamma"), BuiltinModels.names(cp), "both indexes, invalid names skipped, sorted");
            float[] want = ModelSourceTest.run(Model.load(f));
            for (String spec : List.of("alpha", "builtin:alpha", "builtin:beta")) {
                ModelSource s = BuiltinModels.source(cp, spec);
                assertTrue(s.name().startsWith("classpath:dev/mien/models/"), s.name());
                assertArrayEquals(want, ModelSourceTest.run(Model.load(s)), spec);
            }
            assertEquals("builtin:gamma: listed in dev/mien/models/builtin-models.txt but dev/mien/models/gamma.mien is missing from the class path",
                    assertThrows(IOException.class, () -> BuiltinModels.source(cp, "builtin:gamma")).getMessage());
            assertEquals("builtin:delta: unknown builtin model; available: alpha, beta, gamma",
                    assertThrows(IOException.class, () -> BuiltinModels.source(cp, "builtin:delta")).getMessage());
            assertEquals("builtin:../up: unknown builtin model; available: alpha, beta, gamma",
                    assertThrows(IOException.class, () -> BuiltinModels.source(cp, "builtin:../up")).getMessage());
        }
        try (URLClassLoader none = new URLClassLoader(new URL[0], null)) {
            assertEquals(List.of(), BuiltinModels.names(none));
            assertEquals("builtin:alpha: no builtin models on the class path (add the dev.mien:mien-default-models artifact)",
                    assertThrows(IOException.class, () -> BuiltinModels.source(none, "alpha")).getMessage());
        }
        assertTrue(BuiltinModels.isBuiltin("builtin:x"));
        assertTrue(!BuiltinModels.isBuiltin("models/x.mien") && !BuiltinModels.isBuiltin(null));
    }
}
