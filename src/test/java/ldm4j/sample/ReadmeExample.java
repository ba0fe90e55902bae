package ldm4j.sample;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;

import ldm4j.LatentDiffusion;

/** The Java API example shown in the README, compiled and run by PipelineAndApiTest. */
final class ReadmeExample {
    private ReadmeExample() {
    }

    static final String SNIPPET = """
            try (LatentDiffusion ldm = LatentDiffusion.load(runDir)) {
                int cls = ldm.classIndex(ldm.classes().get(1));
                List<BufferedImage> images = ldm.generate(cls, 4, 5.0, 50, 42L);
            """;

    static List<BufferedImage> generate(Path runDir) {
        try (LatentDiffusion ldm = LatentDiffusion.load(runDir)) {
            int cls = ldm.classIndex(ldm.classes().get(1));
            List<BufferedImage> images = ldm.generate(cls, 4, 5.0, 50, 42L);
            return images;
        }
    }
}
