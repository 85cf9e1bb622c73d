package dev.mien.faces;

import dev.mien.engine.Model;
import dev.mien.engine.io.ModelSource;

import java.io.IOException;

/** The default models, {@code .mien} resources of the {@code mien-default-models} jar. */
final class BuiltinModels {
    private BuiltinModels() {}

    static Model load(String name) throws IOException {
        String resource = "dev/mien/models/" + name + ".mien";
        ClassLoader cl = BuiltinModels.class.getClassLoader();
        if (cl.getResource(resource) == null)
            throw new IOException("builtin:" + name + ": not on the class path (the mien-default-models jar holds it)");
        return Model.load(ModelSource.resource(cl, resource));
    }
}
