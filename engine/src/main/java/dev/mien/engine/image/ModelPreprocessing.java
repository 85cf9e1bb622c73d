package dev.mien.engine.image;

import dev.mien.engine.NetworkCard;
import dev.mien.engine.Tensor;

import java.util.List;
import java.util.function.Function;

/**
 * The preprocessing of each supported network, bit-exact to the original pipelines:
 * <ul>
 * <li>{@code manet}: PIL convert('RGB'), torchvision Resize((224,224)) (PIL bilinear), ToTensor (/255).</li>
 * <li>{@code lanmsff}: cv2 RGB2GRAY, cv2.resize INTER_LINEAR to 64x64, raw 0..255.</li>
 * <li>{@code patt-lite}: RGB, cv2.resize INTER_LINEAR to 120x120, raw 0..255.</li>
 * <li>{@code keras-gray-pm1}: PIL convert('L'), cv2.resize INTER_LINEAR to the model's input size,
 *     x/255 - 0.5, * 2 (oarriaga/face_classification's mini-Xception models).</li>
 * </ul>
 */
public final class ModelPreprocessing {
    private ModelPreprocessing() {}

    private record Named(String name, String description, Function<RgbImage, Tensor> f) implements ImagePipeline {
        @Override public Tensor apply(RgbImage image) { return f.apply(image); }
    }

    public static List<String> names() { return List.of("manet", "lanmsff", "patt-lite", "keras-gray-pm1"); }

    /** The pipeline {@code name} for a model whose input has the given per-sample NHWC shape. */
    public static ImagePipeline byName(String name, int[] sampleShape) {
        int h = sampleShape.length == 3 ? sampleShape[0] : 0, w = sampleShape.length == 3 ? sampleShape[1] : 0;
        return switch (name) {
            case "manet" -> new Named(name, "PIL RGB, Resize((224,224)) bilinear with antialias, /255", ModelPreprocessing::manet);
            case "lanmsff" -> new Named(name, "cv2 RGB2GRAY, resize 64x64 INTER_LINEAR, 0..255", img -> gray(img, 64, 64, false));
            case "patt-lite" -> new Named(name, "RGB, cv2 resize 120x120 INTER_LINEAR, 0..255", img -> rgbLinear(img, 120, 120));
            case "keras-gray-pm1" -> {
                if (h < 1 || sampleShape[2] != 1) throw new IllegalArgumentException("keras-gray-pm1 needs a [H, W, 1] input, model has " + java.util.Arrays.toString(sampleShape));
                yield new Named(name, "PIL L, cv2 resize " + w + "x" + h + " INTER_LINEAR, x/255*2-1", img -> gray(img, w, h, true));
            }
            default -> throw new IllegalArgumentException("unknown preprocessing '" + name + "'; known: " + String.join(", ", names()));
        };
    }

    /**
     * The pipeline a network's card names, at the card's input size; throws naming the card's
     * architecture when the card does not say how to preprocess images.
     */
    public static ImagePipeline forCard(NetworkCard card) {
        if (!card.hasPreprocessing())
            throw new IllegalArgumentException("the " + card.architecture() + " model does not say how to preprocess images; choose one of "
                    + String.join(", ", names()));
        return byName(card.preprocessing(), card.sampleShape());
    }

    /** The pipeline with each network's own fixed input size. */
    public static ImagePipeline byName(String name) {
        return byName(name, switch (name) {
            case "lanmsff" -> new int[]{64, 64, 1};
            case "patt-lite" -> new int[]{120, 120, 3};
            default -> new int[]{224, 224, 3};
        });
    }

    static Tensor manet(RgbImage img) {
        RgbImage r = PilResize.bilinear(img, 224, 224);
        byte[] b = r.rgb();
        float[] x = new float[b.length];
        for (int i = 0; i < b.length; i++) x[i] = (b[i] & 0xff) / 255f;
        return new Tensor(new int[]{1, 224, 224, 3}, x);
    }

    static Tensor rgbLinear(RgbImage img, int w, int h) {
        byte[] r = OpenCvResize.linear(img.rgb(), img.width(), img.height(), 3, w, h);
        float[] x = new float[r.length];
        for (int i = 0; i < r.length; i++) x[i] = r[i] & 0xff;
        return new Tensor(new int[]{1, h, w, 3}, x);
    }

    /** Gray at w x h; {@code pm1}: PIL's L conversion and [-1, 1] scaling, else OpenCV's gray and raw values. */
    static Tensor gray(RgbImage img, int w, int h, boolean pm1) {
        byte[] g = pm1 ? pilGray(img) : OpenCvResize.rgbToGray(img);
        byte[] r = OpenCvResize.linear(g, img.width(), img.height(), 1, w, h);
        float[] x = new float[r.length];
        for (int i = 0; i < r.length; i++) {
            float v = r[i] & 0xff;
            x[i] = pm1 ? (v / 255f - 0.5f) * 2f : v;
        }
        return new Tensor(new int[]{1, h, w, 1}, x);
    }

    /** PIL convert('L'): L = (19595 R + 38470 G + 7471 B + 0x8000) >> 16. */
    static byte[] pilGray(RgbImage img) {
        byte[] rgb = img.rgb(), g = new byte[img.width() * img.height()];
        for (int i = 0; i < g.length; i++)
            g[i] = (byte) (((rgb[3 * i] & 0xff) * 19595 + (rgb[3 * i + 1] & 0xff) * 38470 + (rgb[3 * i + 2] & 0xff) * 7471 + 0x8000) >> 16);
        return g;
    }
}
