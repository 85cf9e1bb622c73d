package dev.mien.tools.cli;

import dev.mien.engine.Model;
import dev.mien.engine.NetworkCard;
import dev.mien.engine.image.ImageLoader;
import dev.mien.engine.image.ModelPreprocessing;
import dev.mien.engine.image.RgbImage;
import dev.mien.faces.Face;
import dev.mien.faces.FaceAnalysis;
import dev.mien.faces.FaceAnnotator;
import dev.mien.faces.FacePipeline;
import dev.mien.formats.LoadOptions;
import dev.mien.tools.faces.FacesJson;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * {@code mien predict PHOTO...} without {@code --crop}: every face in every photo and its
 * expression (BlazeFace, Human's crop, the emotion network — or {@code --model M} in its place).
 * Folders are walked for images. A table per photo, or JSON Lines ({@code --json}); boxes,
 * labels and bars drawn into PNGs with {@code --annotate}. A photo that cannot be read gets one
 * line on stderr and the rest go on; exit 1 if any failed.
 */
final class FacePredictCommand {
    private static final Set<String> IMAGE_EXTENSIONS = Set.of("png", "jpg", "jpeg", "bmp", "gif");

    private final Args a;

    FacePredictCommand(Args a) { this.a = a; }

    int run(PrintStream out, PrintStream err) {
        int top = a.intValue("top", 3, 1, 100000);
        int minFace = a.intValue("min-face", 0, 0, 1 << 20);
        List<Path> photos = photos(a.positionals());
        if (photos.isEmpty()) throw new CliException("no images given (a folder counts only its PNG, JPEG, BMP and GIF files)");
        Annotations annotations = a.get("annotate") == null ? null : new Annotations(a.get("annotate"), photos.size());
        try (Model detector = Common.model(a, BuiltinModelFiles.path("builtin:blazeface"), LoadOptions.DEFAULT);
             Model expression = expressionModel();
             FacePipeline pipeline = FacePipeline.builder().detector(detector).expressionModel(expression, card(expression))
                     .letterbox(a.flag("letterbox")).minFaceSize(minFace).build()) {
            Progress progress = new Progress(err, photos.size());
            int failed = 0;
            for (int i = 0; i < photos.size(); i++) {
                Path p = photos.get(i);
                progress.show(i, p);
                try {
                    RgbImage img = Problems.onIo(p, () -> ImageLoader.readRgb(p));
                    FaceAnalysis result = Problems.on(p, () -> pipeline.analyze(img));
                    progress.clear();
                    if (a.flag("json")) out.println(FacesJson.line(p.toString(), result));
                    else printTable(out, p, result, top);
                    if (annotations != null) annotations.write(p, img, result);
                } catch (CliException e) {
                    failed++;
                    progress.clear();
                    err.println("mien predict: " + e.getMessage());
                }
            }
            progress.done();
            return failed == 0 ? 0 : 1;
        } catch (IOException e) {
            throw new CliException(Problems.describe(e), 1, e);
        } catch (IllegalArgumentException e) {
            String m = e.getMessage();
            if (m.contains("does not say how to preprocess")) m += " (pass --preprocess NAME)";
            throw new CliException((a.get("model") != null ? a.get("model") + ": " : "") + m);
        }
    }

    private Model expressionModel() {
        String m = a.get("model");
        Path path = Args.existingModel("--model", m == null ? "builtin:emotion" : m);
        return Common.model(a, path, LoadOptions.DEFAULT);
    }

    /** The expression model's card with --preprocess and --classes applied. */
    private NetworkCard card(Model expression) {
        NetworkCard c = expression.card();
        String pre = a.get("preprocess");
        if (pre != null) {
            try {
                ModelPreprocessing.byName(pre, c.sampleShape());
            } catch (IllegalArgumentException e) {
                throw new CliException("--preprocess " + pre + ": " + e.getMessage());
            }
            c = c.withPreprocessing(pre);
        }
        if (a.get("classes") != null) c = c.withLabels(List.of(a.get("classes").split(",")));
        return c;
    }

    /** The photos named, folders walked (sorted, images by extension only). */
    static List<Path> photos(List<String> names) {
        List<Path> photos = new ArrayList<>();
        for (String n : names) {
            Path p = Path.of(n);
            if (!Files.isDirectory(p)) {
                photos.add(p);
                continue;
            }
            try (Stream<Path> s = Files.walk(p)) {
                s.filter(Files::isRegularFile).filter(FacePredictCommand::looksLikeImage).sorted().forEach(photos::add);
            } catch (IOException | java.io.UncheckedIOException e) {
                throw new CliException(Problems.about(p, e));
            }
        }
        return photos;
    }

    private static boolean looksLikeImage(Path p) {
        String f = p.getFileName().toString();
        int dot = f.lastIndexOf('.');
        return dot > 0 && IMAGE_EXTENSIONS.contains(f.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    static void printTable(PrintStream out, Path photo, FaceAnalysis r, int top) {
        int n = r.faces().size();
        out.printf(Locale.ROOT, "%s  %dx%d  %s%n", photo, r.width(), r.height(), n == 0 ? "no faces" : n == 1 ? "1 face" : n + " faces");
        if (n == 0) return;
        out.printf(Locale.ROOT, "  %-4s  %-22s  %-5s  %s%n", "face", "box (x, y, w, h)", "score", "expressions");
        for (int i = 0; i < n; i++) {
            Face f = r.faces().get(i);
            StringBuilder ex = new StringBuilder();
            List<Integer> order = f.expressions().ranked();
            for (int k = 0; k < Math.min(top, order.size()); k++)
                ex.append(k == 0 ? "" : "  ").append(String.format(Locale.ROOT, "%s %.3f", f.expressions().labels().get(order.get(k)),
                        f.expressions().probability(order.get(k))));
            String box = f.box().x() + ", " + f.box().y() + ", " + f.box().width() + ", " + f.box().height();
            out.printf(Locale.ROOT, "  %-4d  %-22s  %.3f  %s%n", i + 1, box, f.score(), ex);
        }
    }

    /**
     * Where {@code --annotate} writes: the file named for one photo, or a folder (existing,
     * ending in '/', or when there are several photos) with one PNG per photo, named after it.
     */
    private static final class Annotations {
        private final Path target;
        private final boolean folder;
        private final Set<String> used = new HashSet<>();

        Annotations(String spec, int photos) {
            // Read the trailing separator from the option itself: Path.of drops it.
            this.target = Path.of(spec);
            this.folder = photos > 1 || Files.isDirectory(target) || spec.endsWith("/") || spec.endsWith(java.io.File.separator);
            try {
                if (folder) Files.createDirectories(target);
                else if (target.getParent() != null) Files.createDirectories(target.getParent());
            } catch (IOException e) {
                throw new CliException(Problems.about(target, e));
            }
        }

        void write(Path photo, RgbImage img, FaceAnalysis r) {
            Path file = folder ? target.resolve(uniqueName(photo)) : target;
            Problems.onIo(file, () -> {
                try (OutputStream o = Files.newOutputStream(file)) {
                    FaceAnnotator.writePng(img, r, o);
                }
                return null;
            });
        }

        /** photo.png, or photo-2.png when two photos share a name. */
        private String uniqueName(Path photo) {
            String stem = photo.getFileName().toString().replaceFirst("\\.[^.]*$", "");
            String name = stem + ".png";
            for (int k = 2; !used.add(name); k++) name = stem + "-" + k + ".png";
            return name;
        }
    }

    /**
     * A one-line progress bar on stderr for many photos, only when stderr is a terminal (the
     * launcher tells: {@code -Dmien.stderr.tty=true}); redrawn in place, erased before any other
     * output so that results and error lines stay clean.
     */
    private static final class Progress {
        private final PrintStream err;
        private final int total;
        private final boolean on;
        private boolean shown;

        Progress(PrintStream err, int total) {
            this.err = err;
            this.total = total;
            this.on = total > 1 && Boolean.getBoolean("mien.stderr.tty");
        }

        void show(int done, Path current) {
            if (!on) return;
            int width = 30, filled = width * done / total;
            String name = current.getFileName().toString();
            if (name.length() > 40) name = "..." + name.substring(name.length() - 37);
            err.print("\r[" + "#".repeat(filled) + " ".repeat(width - filled) + "] " + done + "/" + total + " " + name + "\033[K");
            err.flush();
            shown = true;
        }

        void clear() {
            if (!shown) return;
            err.print("\r\033[K");
            err.flush();
            shown = false;
        }

        void done() { clear(); }
    }
}
