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

/** {@code mien predict}: images in, each model's own preprocessing, softmax, top classes out. */
public final class PredictCommand {
    public void run(List<String> argv, PrintStream out) {
        Args a = Args.parse("predict", argv, Common.with(Common.BACKEND_OPTS, "model", "top", "preprocess", "classes"), Set.of("json"));
        Path modelPath = Args.existingModel("--model", a.get("model"));
        if (a.positionals().isEmpty()) throw new CliException("no images given");
        List<Path> images = new ArrayList<>();
        for (String p : a.positionals()) images.add(Args.existingFile("image", p));
        Model model = Common.model(a, modelPath, LoadOptions.DEFAULT);
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
            throw new CliException(e.getMessage());
        }
        String output = card.output();
        boolean probabilities = card.softmax();
        String input = card.input();
        Session session = model.newSession(1, RunOptions.DEFAULT.withExtraOutputs(List.of(output)));
        int top = a.intValue("top", 3, 1, 100000);
        ObjectMapper json = new ObjectMapper();
        ArrayNode results = json.createArrayNode();
        for (Path img : images) {
            Tensor x;
            try {
                x = pipeline.apply(img);
            } catch (IOException e) {
                throw new CliException(e.getMessage(), 1);
            }
            float[] scores = session.setInput(input, x.data()).run().output(output).data();
            float[] p = probabilities ? scores : softmax(scores);
            List<String> names = a.get("classes") != null ? List.of(a.get("classes").split(",")) : card.labelsFor(p.length);
            if (names.size() != p.length)
                throw new CliException("--classes names " + names.size() + " classes, the model outputs " + p.length);
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < p.length; i++) order.add(i);
            order.sort(Comparator.comparingDouble((Integer i) -> -p[i]));
            if (a.flag("json")) {
                ObjectNode r = results.addObject();
                r.put("image", img.toString());
                ArrayNode t = r.putArray("top");
                for (int k = 0; k < Math.min(top, p.length); k++) {
                    int c = order.get(k);
                    t.addObject().put("class", names.get(c)).put("index", c).put("probability", p[c]);
                }
            } else {
                StringBuilder sb = new StringBuilder(img.toString()).append(':');
                for (int k = 0; k < Math.min(top, p.length); k++) {
                    int c = order.get(k);
                    sb.append(String.format(" %s %.4f", names.get(c), p[c]));
                }
                out.println(sb);
            }
        }
        if (a.flag("json")) out.println(results.toString());
    }

    static float[] softmax(float[] x) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : x) max = Math.max(max, v);
        double sum = 0;
        double[] e = new double[x.length];
        for (int i = 0; i < x.length; i++) { e[i] = Math.exp(x[i] - max); sum += e[i]; }
        float[] p = new float[x.length];
        for (int i = 0; i < x.length; i++) p[i] = (float) (e[i] / sum);
        return p;
    }
}
