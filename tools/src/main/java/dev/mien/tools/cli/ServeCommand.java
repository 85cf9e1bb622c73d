package dev.mien.tools.cli;

import dev.mien.engine.Model;
import dev.mien.faces.FacePipeline;
import dev.mien.formats.LoadOptions;
import dev.mien.tools.serve.FaceServer;
import dev.mien.tools.serve.FaceStages;
import dev.mien.tools.serve.PipelineStages;
import dev.mien.tools.serve.ServeConfig;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code mien serve}: the face-expression HTTP server until SIGTERM / Ctrl-C, which drain it.
 * Each {@code --model [NAME=]M} adds an expression model (file) behind the built-in face
 * detector, under NAME (default: the file's name without extension); without any, the
 * built-in pipeline is served as "default".
 */
public final class ServeCommand {
    static final Set<String> OPTIONS = Common.with(Common.BACKEND_OPTS, "port", "host", "max-body", "max-pixels", "queue", "queue-timeout-ms", "workers",
            "max-batch", "batch-wait-ms", "drain-seconds", "warmup-seconds");

    public int run(List<String> argv, PrintStream out, PrintStream err) {
        // --model may be given several times; Args keeps one value per option, so collect them first.
        List<String> rest = new ArrayList<>();
        List<String> specs = new ArrayList<>();
        for (int i = 0; i < argv.size(); i++) {
            String s = argv.get(i);
            if (s.equals("--model")) {
                if (i + 1 >= argv.size()) throw new CliException("serve: option --model needs a value");
                specs.add(argv.get(++i));
            } else if (s.startsWith("--model=")) {
                specs.add(s.substring("--model=".length()));
            } else {
                rest.add(s);
            }
        }
        Args a = Args.parse("serve", rest, OPTIONS, Set.of());
        if (!a.positionals().isEmpty()) throw new CliException("serve takes no arguments, got '" + a.positionals().getFirst() + "'");
        ServeConfig config = config(a);
        // Slow clients: the JDK server drops a request that takes longer than this to arrive (its default is never).
        if (System.getProperty("sun.net.httpserver.maxReqTime") == null) System.setProperty("sun.net.httpserver.maxReqTime", "120");
        Map<String, FaceStages<?, ?>> models = load(a, specs);
        FaceServer server;
        try {
            server = FaceServer.start(config, models);
        } catch (IOException e) {
            models.values().forEach(FaceStages::close);
            throw new CliException(e.getMessage(), 1, e);
        }
        Thread hook = new Thread(() -> {
            server.close();
            out.println("mien serve: drained and stopped");
            out.flush();
        }, "mien-serve-drain");
        Runtime.getRuntime().addShutdownHook(hook);
        if (server.warmUpRuns() > 0)
            out.printf(java.util.Locale.ROOT, "mien serve: warmed up on a synthetic photo (%d rounds in %.1f s; --warmup-seconds 0 skips it)%n",
                    server.warmUpRuns(), server.warmUpTime().toMillis() / 1000.0);
        out.println("mien serve: listening on " + server.uri() + " (models: " + String.join(", ", server.modelNames())
                + "; POST /v1/faces, GET /v1/models /healthz /metrics, page at /); Ctrl-C drains and stops");
        out.flush();
        try {
            server.awaitClosed();
        } catch (InterruptedException e) {
            server.close();
        }
        return 0;
    }

    static ServeConfig config(Args a) {
        int port = a.intValue("port", ServeConfig.DEFAULT_PORT, 0, 65535);
        String host = a.get("host", "127.0.0.1");
        InetSocketAddress bind = new InetSocketAddress(host, port);
        if (bind.isUnresolved()) throw new CliException("--host " + host + ": unknown host");
        try {
            return new ServeConfig(bind,
                    size(a, "max-body", ServeConfig.DEFAULT_MAX_BODY),
                    size(a, "max-pixels", ServeConfig.DEFAULT_MAX_PIXELS),
                    a.intValue("queue", ServeConfig.DEFAULT_QUEUE, 0, 100_000),
                    a.intValue("workers", ServeConfig.DEFAULT_WORKERS, 1, 1024),
                    Duration.ofMillis(a.intValue("queue-timeout-ms", (int) ServeConfig.DEFAULT_QUEUE_TIMEOUT.toMillis(), 1, 3_600_000)),
                    a.intValue("max-batch", ServeConfig.DEFAULT_MAX_BATCH, 1, 4096),
                    Duration.ofMillis(a.intValue("batch-wait-ms", (int) ServeConfig.DEFAULT_BATCH_WAIT.toMillis(), 0, 10_000)),
                    Duration.ofSeconds(a.intValue("drain-seconds", (int) ServeConfig.DEFAULT_DRAIN.toSeconds(), 0, 3600)), 1,
                    warmup(a));
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage());
        }
    }

    /** {@code --warmup-seconds}: 0 to {@link ServeConfig#MAX_WARMUP}, fractions allowed. */
    static Duration warmup(Args a) {
        float s = a.floatValue("warmup-seconds", ServeConfig.DEFAULT_WARMUP.toMillis() / 1000f);
        if (!(s >= 0 && s <= ServeConfig.MAX_WARMUP.toSeconds()))
            throw new CliException("--warmup-seconds must be between 0 and " + ServeConfig.MAX_WARMUP.toSeconds() + ", got '" + a.get("warmup-seconds") + "'");
        return Duration.ofMillis(Math.round(1000.0 * s));
    }

    /** A count with an optional k / m / g suffix (powers of 1024 for bytes, of 1000 for pixels is not worth a second rule). */
    static long size(Args a, String name, long dflt) {
        String v = a.get(name);
        if (v == null) return dflt;
        String s = v.strip().toLowerCase(java.util.Locale.ROOT).replace("_", "");
        long mult = 1;
        if (s.endsWith("b")) s = s.substring(0, s.length() - 1);
        if (s.endsWith("k")) mult = 1L << 10;
        else if (s.endsWith("m")) mult = 1L << 20;
        else if (s.endsWith("g")) mult = 1L << 30;
        if (mult > 1) s = s.substring(0, s.length() - 1);
        try {
            long n = Long.parseLong(s);
            if (n < 1 || n > Long.MAX_VALUE / mult) throw new NumberFormatException();
            return n * mult;
        } catch (NumberFormatException e) {
            throw new CliException("--" + name + " must be a positive count (suffix k, m or g allowed), got '" + v + "'");
        }
    }

    private static Map<String, FaceStages<?, ?>> load(Args a, List<String> specs) {
        Map<String, FaceStages<?, ?>> models = new LinkedHashMap<>();
        try {
            if (specs.isEmpty()) {
                models.put("default", new PipelineStages(openDefault(), "builtin"));
                return models;
            }
            for (String spec : specs) {
                int eq = spec.indexOf('=');
                String name = eq > 0 ? spec.substring(0, eq) : null;
                String file = eq > 0 ? spec.substring(eq + 1) : spec;
                Path path = Args.existingModel("--model", file);
                if (name == null && BuiltinModelFiles.isBuiltin(file)) name = file.substring(file.indexOf(':') + 1);
                if (name == null) {
                    String f = path.getFileName().toString();
                    name = f.contains(".") ? f.substring(0, f.lastIndexOf('.')) : f;
                }
                if (!name.matches("[A-Za-z0-9._-]{1,64}"))
                    throw new CliException("--model " + spec + ": a model name is 1-64 letters, digits, '.', '_' or '-' (give one as NAME=FILE)");
                if (models.containsKey(name)) throw new CliException("--model " + spec + ": two models named '" + name + "' (give one as NAME=FILE)");
                Model expression = Common.model(a, path, LoadOptions.DEFAULT);
                FacePipeline p;
                try {
                    p = Problems.onIo(path, () -> FacePipeline.builder().expressionModel(expression).closeModels(true).build());
                } catch (RuntimeException e) {
                    expression.close();
                    throw e;
                }
                models.put(name, new PipelineStages(p, file));
            }
            return models;
        } catch (RuntimeException e) {
            models.values().forEach(FaceStages::close);
            throw e;
        }
    }

    private static FacePipeline openDefault() {
        try {
            return FacePipeline.openDefault();
        } catch (IOException e) {
            throw new CliException("cannot load the built-in face models: " + Problems.describe(e), 1, e);
        }
    }
}
