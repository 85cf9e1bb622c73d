package dev.mien.faces;

import dev.mien.engine.Model;
import dev.mien.engine.Session;
import dev.mien.engine.image.ModelPreprocessing;
import dev.mien.engine.image.RgbImage;
import dev.mien.engine.runtime.RunOptions;
import dev.mien.formats.ModelLoader;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A PyTorch network (MA-Net, NCHW, its own PIL preprocessing) in place of the emotion model: each
 * face's expressions are what the network gives for its crop box's pixels run on their own.
 * Skips without the reference fixtures (../shared/fixtures).
 */
class OtherExpressionModelTest {
    @Test void manetClassifiesTheCropBoxes() throws Exception {
        String dir = System.getProperty("mien.fixtures");
        Path ckpt = dir == null ? null : Path.of(dir, "manet", "manet-small.pth.tar");
        Assumptions.assumeTrue(ckpt != null && Files.isRegularFile(ckpt), "MA-Net fixture absent (mien.fixtures=" + dir + "): skipped");
        try (Model manet = Model.of(ModelLoader.load(ckpt).graph());
             FacePipeline p = FacePipeline.builder().expressionModel(manet).build()) {
            assertEquals(CropPreprocessing.CARD, p.cropPreprocessing());
            assertEquals(manet.card().labels(), p.labels());
            RgbImage photo = HumanReference.sample("group.png");
            FaceAnalysis a = p.analyze(photo);
            assertEquals(2, a.faces().size());
            try (Session s = manet.newSession(1, RunOptions.DEFAULT.withExtraOutputs(List.of(manet.card().output())))) {
                for (Face f : a.faces()) {
                    RgbImage crop = CardCrop.cut(photo, f.detection().cropBox(), FacePipeline.MAX_CARD_CROP);
                    float[] x = ModelPreprocessing.forCard(manet.card()).apply(crop).data();
                    float[] logits = s.setInput(manet.card().input(), x).run().output(manet.card().output()).data();
                    float[] want = manet.card().softmax() ? logits : dev.mien.engine.Scores.softmax(logits);
                    assertArrayEquals(want, f.expressions().toArray(), 1e-5f);
                }
            }
        }
    }
}
