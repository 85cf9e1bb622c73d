package dev.mien.formats.keras;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mien.formats.Fixtures;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Base64;

import static org.junit.jupiter.api.Assertions.*;

/**
 * LANMSFF's channel-mean Lambda is recognised by its whole code object, not by substrings: code
 * that merely mentions {@code mean} and {@code keepdims} is an unsupported Lambda. The code
 * strings are CPython 3.11 marshal output of the lambdas named in each test.
 */
class LambdaCodeTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** lambda x: tf.reduce_mean(x, axis=-1, keepdims=True), as stored in the published model (nested in MassAtt). */
    static final String CHANNEL_MEAN =
            "4wEAAAAAAAAAAAAAAAUAAAATAAAA8zwAAACXAHQAAAAAAAAAAAAAAKABAAAAAAAAAAAAAAAAAAAA\nAAAAAAB8AGQBZAKsA6YDAACrAwAAAAAAAAAAUwApBE7p/////1QpAtoEYXhpc9oIa2VlcGRpbXMp\n"
            + "AtoCdGbaC3JlZHVjZV9tZWFuKQHaAXhzAQAAACD6Ii90bXAvaXB5a2VybmVsXzAvTWFzc0F0dF9t\nb2R1bGUucHn6CDxsYW1iZGE+ehlNYXNzQXR0Ljxsb2NhbHM+LjxsYW1iZGE+KAAAAHMZAAAAgACt\nUq9eql64QcBC0FFVqF7RLVbULVaAAPMAAAAA\n";
    /** The same lambda written at module level in another file: other debug data, same code. */
    static final String CHANNEL_MEAN_ELSEWHERE =
            "4wEAAAAAAAAAAAAAAAUAAAADAAAA8zwAAACXAHQAAAAAAAAAAAAAAKABAAAAAAAAAAAAAAAAAAAAAAAAAAB8AGQBZAKsA6YDAACrAwAAAAAAAAAAUwApBE7p/////1QpAtoEYXhpc9oIa2VlcGRpbXMpAtoCdGbaC3JlZHVjZV9tZWFuKQHaAXhzAQAAACD6Di9vdGhlci9maWxlLnB5+gg8bGFtYmRhPnIJAAAAAQAAAHMYAAAAgACNIo8uii6YEaASqGSILtEKM9QKM4AA8wAAAAA=";
    /** lambda x: tf.reduce_max(x, axis=-1, keepdims=True) - tf.reduce_mean(x, axis=-1, keepdims=True) */
    static final String MAX_MINUS_MEAN =
            "4wEAAAAAAAAAAAAAAAYAAAADAAAA83gAAACXAHQAAAAAAAAAAAAAAKABAAAAAAAAAAAAAAAAAAAAAAAAAAB8AGQBZAKsA6YDAACrAwAAAAAAAAAAdAAAAAAAAAAAAAAAoAIAAAAAAAAAAAAAAAAAAAAAAAAAAHwAZAFkAqwDpgMAAKsDAAAAAAAAAAB6CgAAUwApBE7p/////1QpAtoEYXhpc9oIa2VlcGRpbXMpA9oCdGbaCnJlZHVjZV9tYXjaC3JlZHVjZV9tZWFuKQHaAXhzAQAAACD6Ii90bXAvaXB5a2VybmVsXzAvTWFzc0F0dF9tb2R1bGUucHn6CDxsYW1iZGE+cgoAAAABAAAAczAAAACAAI0ijy2KLZgBoAKoVIgt0Qoy1AoytVK3XrJewEHIQtBZXbBe0TVe1DVe0QpegADzAAAAAA==";
    /** lambda x: tf.reduce_mean(x, axis=1, keepdims=True): a mean over another axis. */
    static final String MEAN_OVER_AXIS_1 =
            "4wEAAAAAAAAAAAAAAAUAAAADAAAA8zwAAACXAHQAAAAAAAAAAAAAAKABAAAAAAAAAAAAAAAAAAAAAAAAAAB8AGQBZAKsA6YDAACrAwAAAAAAAAAAUwApBE7pAQAAAFQpAtoEYXhpc9oIa2VlcGRpbXMpAtoCdGbaC3JlZHVjZV9tZWFuKQHaAXhzAQAAACD6CS90bXAveC5wefoIPGxhbWJkYT5yCQAAAAEAAABzGAAAAIAAjSKPLooumBGgEahUiC7RCjLUCjKAAPMAAAAA";

    private static JsonNode keras3(String code, String defaults) throws Exception {
        return JSON.readTree("{\"class_name\": \"__lambda__\", \"config\": {\"code\": " + JSON.writeValueAsString(code)
                + ", \"defaults\": " + defaults + ", \"closure\": null}}");
    }

    @Test
    void theChannelMeanIsRecognisedInBothKerasForms() throws Exception {
        assertTrue(KerasLanmsff.isChannelMeanFunction(keras3(CHANNEL_MEAN, "null")));
        assertTrue(KerasLanmsff.isChannelMeanFunction(JSON.createArrayNode().add(CHANNEL_MEAN).addNull().addNull()));
        assertTrue(KerasLanmsff.isChannelMeanFunction(keras3(CHANNEL_MEAN_ELSEWHERE, "null")),
                "file name, line numbers and nesting do not change what the code computes");
    }

    @Test
    void codeThatOnlyMentionsMeanAndKeepdimsIsRefused() throws Exception {
        String maxMinusMean = new String(Base64.getMimeDecoder().decode(MAX_MINUS_MEAN), java.nio.charset.StandardCharsets.ISO_8859_1);
        assertTrue(maxMinusMean.contains("mean") && maxMinusMean.contains("keepdims"), "the old substring rule accepted it");
        assertFalse(KerasLanmsff.isChannelMeanFunction(keras3(MAX_MINUS_MEAN, "null")));
        assertFalse(KerasLanmsff.isChannelMeanFunction(keras3(MEAN_OVER_AXIS_1, "null")));
        assertFalse(KerasLanmsff.isChannelMeanFunction(keras3(CHANNEL_MEAN, "[1]")), "defaults change the call");
        assertFalse(KerasLanmsff.isChannelMeanFunction(JSON.getNodeFactory().textNode(
                Base64.getEncoder().encodeToString("reduce_mean keepdims".getBytes()))));
    }

    @Test
    void brokenMarshalDataIsNotACodeObject() {
        byte[] good = Base64.getMimeDecoder().decode(CHANNEL_MEAN);
        assertEquals(KerasLanmsff.CHANNEL_MEAN, MarshalledCode.parse(good));
        for (int cut = 0; cut < good.length; cut += 7)
            assertNull(MarshalledCode.parse(java.util.Arrays.copyOf(good, cut)), "truncated at " + cut);
        byte[] longer = java.util.Arrays.copyOf(good, good.length + 1);
        assertNull(MarshalledCode.parse(longer), "trailing bytes");
        // Every single-byte change either fails to parse or parses to another code object, never a crash.
        for (int i = 0; i < good.length; i++) {
            byte[] b = good.clone();
            b[i] ^= (byte) 0xff;
            MarshalledCode c = MarshalledCode.parse(b);
            assertTrue(c == null || c instanceof MarshalledCode);
        }
    }

    @Test
    void maxMinusMeanInLanmsffIsAnUnsupportedLambda() throws Exception {
        Path dir = Fixtures.dir("lanmsff");
        ObjectNode root = (ObjectNode) JSON.readTree(ImportFixtures.kerasArchiveConfig(dir.resolve("lanmsff.keras")));
        replaceLambdaCode(root, MAX_MINUS_MEAN);
        KerasModelFile f = ImportTestModel.of(root.toString(), "3.10.0", ImportLanmsffTest.syntheticWeights(root));
        KerasImportException e = assertThrows(KerasImportException.class, () -> KerasImporter.importModel(f));
        assertTrue(e.unsupported().get(0).startsWith("Lambda 'lambda'"), e.getMessage());
        assertTrue(e.getMessage().contains("not exactly LANMSFF's channel mean"), e.getMessage());
    }

    private static void replaceLambdaCode(JsonNode n, String code) {
        if (n.isObject()) {
            if ("Lambda".equals(n.path("class_name").asText()))
                ((ObjectNode) n.path("config").path("function").path("config")).put("code", code);
            n.forEach(c -> replaceLambdaCode(c, code));
        } else if (n.isArray()) n.forEach(c -> replaceLambdaCode(c, code));
    }
}
