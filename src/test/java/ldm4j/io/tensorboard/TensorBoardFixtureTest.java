package ldm4j.io.tensorboard;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Byte-exact check against the committed fixture, which TensorBoard's own reader verifies in
 * {@code scripts/fixtures/verify_tensorboard.py}. With the regeneration flag the test writes the file
 * and fails (a run that checked nothing is never green).
 *
 * <p>Regenerate (only after an intentional format change):
 * <pre>
 * ./mvnw -B -o -q test -Dtest=TensorBoardFixtureTest -Dldm4j.regenerateFixtures=true
 * cp target/fixtures/tensorboard/events.out.tfevents.fixture src/test/resources/fixtures/tensorboard/
 * .venv-ref/bin/python scripts/fixtures/verify_tensorboard.py
 * </pre>
 */
class TensorBoardFixtureTest {

    private static final String REGENERATE_PROPERTY = "ldm4j.regenerateFixtures";

    @Test
    void writerOutputIsByteIdenticalToCommittedFixture(@TempDir Path dir) throws IOException {
        byte[] actual = Files.readAllBytes(TensorBoardFixture.write(dir));
        if (Boolean.getBoolean(REGENERATE_PROPERTY)) {
            Path target = Path.of(System.getProperty("basedir", "."), "target", "fixtures", "tensorboard",
                    TensorBoardFixture.FILE_NAME);
            Files.createDirectories(target.getParent());
            Files.write(target, actual);
            fail("wrote the TensorBoard fixture to " + target.toAbsolutePath() + " instead of checking it (-D"
                    + REGENERATE_PROPERTY + "=true): copy it to src/test/resources/fixtures/tensorboard/, run "
                    + "verify_tensorboard.py, then rerun without the flag");
        }
        assertArrayEquals(committedFixture(), actual,
                "TensorBoardWriter output differs from the committed fixture; if the change is intended, "
                        + "regenerate it with -D" + REGENERATE_PROPERTY + "=true (see class javadoc)");
    }

    @Test
    void committedFixtureDecodesToTheExpectedEvents(@TempDir Path dir) throws IOException {
        Path copy = dir.resolve(TensorBoardFixture.FILE_NAME);
        Files.write(copy, committedFixture(), StandardOpenOption.CREATE_NEW);
        List<EventReader.Event> events = EventReader.readAll(copy);

        double wallTime = TensorBoardFixture.WALL_TIME.getEpochSecond() + 0.25;
        assertEquals(1 + 2 * TensorBoardFixture.STEPS.length + 1, events.size());
        assertEquals(TensorBoardWriter.FILE_VERSION, events.get(0).fileVersion());
        for (EventReader.Event event : events) {
            assertEquals(wallTime, event.wallTime());
        }
        for (int i = 0; i < TensorBoardFixture.STEPS.length; i++) {
            EventReader.Event losses = events.get(1 + 2 * i);
            EventReader.Event lr = events.get(2 + 2 * i);
            long step = TensorBoardFixture.STEPS[i];
            assertEquals(step, losses.step());
            assertEquals(List.of(
                    new EventReader.Value("loss/train", (float) TensorBoardFixture.TRAIN_LOSS[i], null),
                    new EventReader.Value("loss/val", (float) TensorBoardFixture.VAL_LOSS[i], null)),
                    losses.values());
            assertEquals(step, lr.step());
            assertEquals(List.of(new EventReader.Value("lr", (float) TensorBoardFixture.LEARNING_RATE[i], null)),
                    lr.values());
        }
        EventReader.Event imageEvent = events.get(events.size() - 1);
        assertEquals(TensorBoardFixture.STEPS[TensorBoardFixture.STEPS.length - 1], imageEvent.step());
        EventReader.Value value = imageEvent.values().get(0);
        assertEquals(TensorBoardFixture.IMAGE_TAG, value.tag());
        assertNull(value.simpleValue());
        EventReader.Image image = value.image();
        assertEquals(TensorBoardFixture.IMAGE_HEIGHT, image.height());
        assertEquals(TensorBoardFixture.IMAGE_WIDTH, image.width());
        assertEquals(EventEncoder.COLORSPACE_RGB, image.colorspace());
        BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(image.encoded()));
        assertNotNull(decoded, "encoded_image_string is not a readable PNG");
        for (int y = 0; y < image.height(); y++) {
            for (int x = 0; x < image.width(); x++) {
                assertEquals(TensorBoardFixture.expectedRgb(x, y), decoded.getRGB(x, y) & 0xFFFFFF,
                        "pixel (" + x + ", " + y + ")");
            }
        }
    }

    private static byte[] committedFixture() throws IOException {
        try (InputStream in = TensorBoardFixtureTest.class.getResourceAsStream(TensorBoardFixture.RESOURCE)) {
            assertNotNull(in, "missing test resource " + TensorBoardFixture.RESOURCE
                    + "; generate it with -D" + REGENERATE_PROPERTY + "=true (see class javadoc)");
            return in.readAllBytes();
        }
    }
}
