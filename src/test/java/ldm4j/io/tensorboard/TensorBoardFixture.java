package ldm4j.io.tensorboard;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The deterministic event file committed as
 * {@code src/test/resources/fixtures/tensorboard/events.out.tfevents.fixture} and checked by
 * {@code scripts/fixtures/verify_tensorboard.py}. Keep the two in sync.
 */
final class TensorBoardFixture {

    static final String FILE_NAME = "events.out.tfevents.fixture";
    static final String RESOURCE = "/fixtures/tensorboard/" + FILE_NAME;
    static final Instant WALL_TIME = Instant.ofEpochSecond(1_700_000_000L, 250_000_000);
    static final long[] STEPS = {0, 10, 20};
    static final double[] TRAIN_LOSS = {2.0, 1.0, 0.5};
    static final double[] VAL_LOSS = {2.5, 1.25, 0.625};
    static final double[] LEARNING_RATE = {0.1, 0.05, 0.025};
    static final String IMAGE_TAG = "samples/grid";
    static final int IMAGE_WIDTH = 4;
    static final int IMAGE_HEIGHT = 3;

    private TensorBoardFixture() {
    }

    /** Writes the fixture into {@code dir} and returns its path. */
    static Path write(Path dir) throws IOException {
        Clock clock = Clock.fixed(WALL_TIME, ZoneOffset.UTC);
        try (TensorBoardWriter writer = new TensorBoardWriter(dir, FILE_NAME, clock, PngEncoder.uncompressed())) {
            for (int i = 0; i < STEPS.length; i++) {
                Map<String, Double> losses = new LinkedHashMap<>();
                losses.put("loss/train", TRAIN_LOSS[i]);
                losses.put("loss/val", VAL_LOSS[i]);
                writer.addScalars(losses, STEPS[i]);
                writer.addScalar("lr", LEARNING_RATE[i], STEPS[i]);
            }
            writer.addImage(IMAGE_TAG, image(), STEPS[STEPS.length - 1]);
            return writer.file();
        }
    }

    /** 4x3 RGB image with pixel (x, y) = (60x, 100y, 30(x + y)). */
    static BufferedImage image() {
        BufferedImage image = new BufferedImage(IMAGE_WIDTH, IMAGE_HEIGHT, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < IMAGE_HEIGHT; y++) {
            for (int x = 0; x < IMAGE_WIDTH; x++) {
                image.setRGB(x, y, expectedRgb(x, y));
            }
        }
        return image;
    }

    static int expectedRgb(int x, int y) {
        return (60 * x) << 16 | (100 * y) << 8 | 30 * (x + y);
    }
}
