package dev.mien.tools.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mien.engine.Model;
import dev.mien.engine.NetworkCard;
import dev.mien.engine.Session;
import dev.mien.engine.Tensor;
import dev.mien.engine.image.ImagePipeline;
import dev.mien.engine.image.ModelPreprocessing;
import dev.mien.engine.runtime.RunOptions;
import dev.mien.formats.LoadOptions;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * {@code mien predict}: photos in, every face and its expression out (the face pipeline,
 * {@link FacePredictCommand}); with {@code --crop}, each image is already a face crop: the
 * model's own preprocessing, softmax, top classes out.
 */
public final class PredictCommand {
    /** Options only the face pipeline has. */
    private static final List<String> FACE_ONLY = List.of("annotate", "min-face", "letterbox");

    /**
     * Returns the exit code: 0, or 1 when any image failed. A bad image does not stop the
     * others: text mode prints each good result on stdout and one error line per bad image on
     * stderr; with {@code --crop}, {@code --json} prints one array with a result or an
     * {@code error} per image.
     */
    public int run(List<String> argv, PrintStream out, PrintStream err) {
        Args a = Args.parse("predict", argv, Common.with(Common.BACKEND_OPTS, "model", "top", "preprocess", "classes", "annotate", "min-face"),
                Set.of("json", "crop", "letterbox"));
        if (!a.flag("crop")) {
            if (a.positionals().isEmpty()) throw new CliException("no images given");
            return new FacePredictCommand(a).run(out, err);
        }
        for (String o : FACE_ONLY)
            if (a.get(o) != null || a.flag(o)) throw new CliException("--" + o + " finds faces; --crop classifies whole images as face crops");
        Path modelPath = Args.existingModel("--model", a.get("model"));
        if (a.positionals().isEmpty()) throw new CliException("no images given");
        try (Model model = Common.model(a, modelPath, LoadOptions.DEFAULT)) {
            return predict(a, modelPath, model, out, err);
        }
    }

    private int predict(Args a, Path modelPath, Model model, PrintStream out, PrintStream err) {
        // The card says what the network is; --preprocess and --classes override it.
        NetworkCard card = model.card();
        String pipelineName = a.get("preprocess", card.hasPreprocessing() ? card.preprocessing() : null);
        if (pipelineName == null)
            throw new CliException(modelPath + ": the model does not say how to preprocess images; pass --preprocess NAME ("
                    + String.join(", ", ModelPreprocessing.names()) + ")");
        ImagePipeline pipeline;
        try {
            pipeline = ModelPreprocessing.byName(pipelineName, card.sampleShape());
        } catch (IllegalArgumentException e) {
            throw new CliException("--preprocess " + pipelineName + ": " + e.getMessage());
        }
        String output = card.output();
        boolean probabilities = card.softmax();
        String input = card.input();
        // Planning checks every node: a problem found there is the model file's.
        try (Session session = Problems.on(modelPath, () -> model.newSession(1, RunOptions.DEFAULT.withExtraOutputs(List.of(output))))) {
            return predict(a, card, pipeline, session, input, output, probabilities, out, err);
        }
    }

    private int predict(Args a, NetworkCard card, ImagePipeline pipeline, Session session, String input, String output,
                        boolean probabilities, PrintStream out, PrintStream err) {
        int top = a.intValue("top", 3, 1, 100000);
        List<String> given = a.get("classes") != null ? List.of(a.get("classes").split(",")) : null;
        boolean asJson = a.flag("json");
        ObjectMapper json = new ObjectMapper();
        ArrayNode results = json.createArrayNode();
        int failed = 0;
        for (String name : a.positionals()) {
            float[] p;
            try {
                p = Problems.on(Path.of(name), () -> scores(name, pipeline, session, input, output, probabilities));
            } catch (CliException e) {
                failed++;
                String m = e.getMessage();
                if (asJson) results.addObject().put("image", name).put("error", m.startsWith(name + ": ") ? m.substring(name.length() + 2) : m);
                else err.println("mien predict: " + e.getMessage());
                continue;
            }
            List<String> names = given != null ? given : card.labelsFor(p.length);
            if (names.size() != p.length)
                throw new CliException("--classes names " + names.size() + " classes, the model outputs " + p.length);
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < p.length; i++) order.add(i);
            order.sort(Comparator.comparingDouble((Integer i) -> -p[i]));
            if (asJson) {
                ObjectNode r = results.addObject();
                r.put("image", name);
                ArrayNode t = r.putArray("top");
                for (int k = 0; k < Math.min(top, p.length); k++) {
                    int c = order.get(k);
                    t.addObject().put("class", names.get(c)).put("index", c).put("probability", p[c]);
                }
            } else {
                StringBuilder sb = new StringBuilder(name).append(':');
                for (int k = 0; k < Math.min(top, p.length); k++) {
                    int c = order.get(k);
                    sb.append(String.format(" %s %.4f", names.get(c), p[c]));
                }
                out.println(sb);
            }
        }
        if (asJson) out.println(results.toString());
        return failed == 0 ? 0 : 1;
    }

    /** One image's class probabilities; any failure names the image (Problems.on). */
    private static float[] scores(String name, ImagePipeline pipeline, Session session, String input, String output, boolean probabilities) {
        Path img = Args.existingFile("image", name);
        Tensor x;
        try {
            x = pipeline.apply(img);
        } catch (IOException e) {
            throw new CliException(Problems.about(img, e), 1, e);
        }
        float[] s = session.setInput(input, x.data()).run().output(output).data();
        float[] p = probabilities ? s.clone() : dev.mien.engine.Scores.softmax(s);
        for (float v : p)
            if (!Float.isFinite(v))
                throw new CliException(img + ": the network's scores are not finite (NaN or infinite values in the image or the model's weights)", 1);
        return p;
    }
}
