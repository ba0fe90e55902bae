package ldm4j.classifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;

import ldm4j.autoencoder.Golden;
import ldm4j.io.Safetensors;
import ldm4j.io.SafetensorsFile;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

/**
 * {@link ResNet9#layered}: the spatial mean of each stage's output (eval's early-layer Frechet distance)
 * and the penultimate features of the same pass, against the PyTorch reference
 * (scripts/fixtures/make_classifier_stage_fixtures.py).
 */
class ResNet9StageGoldenTest {
    static final Path FILE = Path.of("src/test/resources/fixtures/classifier/stage-means.safetensors");

    @Test
    void everyStageMeanAndThePenultimateFeaturesMatchPyTorch() throws Exception {
        try (SafetensorsFile f = Safetensors.read(FILE)) {
            List<Integer> widths = ResNet9GoldenTest.widthsOf(f);
            ResNet9 model = ResNet9GoldenTest.modelOf(f, FILE);
            model.train(false);
            Golden g = new Golden(f);
            Tensor x = g.tensor("x");
            try (NoGradGuard ng = new NoGradGuard()) {
                for (int stage = 0; stage <= 3; stage++) {
                    ResNet9.Layered l = model.layered(x, stage);
                    assertEquals((int) widths.get(stage), model.stageDim(stage));
                    assertEquals((long) widths.get(stage), l.stageMean().size(1), "stage " + stage + " width");
                    g.check("stage_mean." + stage, l.stageMean());
                    g.check("features", l.penultimate());
                }
                g.check("features", model.features(x));
            }
            assertThrows(IllegalArgumentException.class, () -> model.layered(x, 4));
            System.out.println("classifier stage means: worst relative error " + g.worst());
        }
    }
}
