package dev.mien.tools.compare;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * One benchmark process's latency figures, read from the JSON line it prints last
 * ({@code mien bench --json} and the ONNX Runtime runner print the same keys; Mien's also
 * gives the multiply-accumulates per image).
 */
public record Timing(double minMs, double medianMs, double p90Ms, double gmacPerImage) {
    /** A timing without a MAC count (ONNX Runtime's). */
    public Timing(double minMs, double medianMs, double p90Ms) { this(minMs, medianMs, p90Ms, Double.NaN); }

    public Timing {
        if (!(minMs > 0 && medianMs >= minMs && p90Ms >= medianMs) || Double.isInfinite(p90Ms))
            throw new IllegalArgumentException("inconsistent timing: min " + minMs + ", median " + medianMs + ", p90 " + p90Ms);
    }

    /**
     * The timing in a benchmark's standard output: its last line that is a JSON object with
     * {@code min_ms}, {@code median_ms} and {@code p90_ms}.
     *
     * @throws IllegalArgumentException naming what is missing
     */
    public static Timing parse(String stdout) {
        String[] lines = stdout.strip().split("\\R");
        for (int i = lines.length - 1; i >= 0; i--) {
            String l = lines[i].strip();
            if (!l.startsWith("{")) continue;
            JsonNode j;
            try {
                j = new ObjectMapper().readTree(l);
            } catch (Exception e) {
                throw new IllegalArgumentException("its last JSON line does not parse: " + e.getMessage().lines().findFirst().orElse(""));
            }
            JsonNode gmac = j.get("gmac_per_image");
            return new Timing(number(j, "min_ms"), number(j, "median_ms"), number(j, "p90_ms"), gmac != null && gmac.isNumber() ? gmac.asDouble() : Double.NaN);
        }
        throw new IllegalArgumentException("it printed no JSON result line");
    }

    private static double number(JsonNode j, String key) {
        JsonNode v = j.get(key);
        if (v == null || !v.isNumber()) throw new IllegalArgumentException("its JSON result has no number '" + key + "'");
        return v.asDouble();
    }
}
