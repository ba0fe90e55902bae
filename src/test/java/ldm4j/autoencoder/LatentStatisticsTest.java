package ldm4j.autoencoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.file.Path;
import java.util.List;

import ldm4j.config.AutoencoderConfig;
import ldm4j.config.ConfigResolver;
import ldm4j.data.DataSpec;
import ldm4j.data.ImageDataset;
import ldm4j.data.Subset;
import ldm4j.data.SyntheticData;
import ldm4j.data.Transform;
import ldm4j.torch.Devices;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** latents.statsImages: the normaliser from evenly spaced training images, or from all of them. */
class LatentStatisticsTest {
    @TempDir
    Path dir;

    @Test
    void aLimitTakesTheStatisticsOfThatManyEvenlySpacedImages() throws Exception {
        SyntheticData.imageFolder(dir.resolve("ds"), List.of("train", "test"), List.of("a", "b", "c"), 8, 16);
        ImageDataset train = DataSpec.parse("folder:" + dir.resolve("ds")).open(dir, s -> { }).train();
        assertEquals(24, train.size());
        torch.manual_seed(3);
        Autoencoder vae = new Autoencoder(new AutoencoderConfig(8, List.of(1, 2), 1, 4, false, 4, 1));
        Transform t = new Transform(16, "bicubic");

        LatentStatistics all = LatentStatistics.compute(vae, train, 0, t, Devices.resolve("cpu"), 5, 1, 7);
        LatentStatistics beyond = LatentStatistics.compute(vae, train, 100, t, Devices.resolve("cpu"), 5, 1, 7);
        LatentStatistics nine = LatentStatistics.compute(vae, train, 9, t, Devices.resolve("cpu"), 5, 1, 7);
        LatentStatistics subset = LatentStatistics.compute(vae, Subset.spaced(train, 9), 0, t, Devices.resolve("cpu"), 5, 1, 7);

        assertEquals(24, all.count());
        assertEquals(24, beyond.count());                    // a limit above the size is every image
        assertArrayEquals(all.normalizer().mean(), beyond.normalizer().mean());
        assertEquals(9, nine.count());
        assertArrayEquals(subset.normalizer().mean(), nine.normalizer().mean());
        assertArrayEquals(subset.normalizer().std(), nine.normalizer().std());
        assertNotEquals(all.normalizer().mean()[0], nine.normalizer().mean()[0]);
    }

    @Test
    void configsSavedBeforeTheLimitKeepEveryImageAndTheDefaultIsTenThousand() {
        ConfigResolver r = new ConfigResolver();
        assertEquals(10_000, r.resolve("tiny", null, List.of()).latents().statsImages());
        ObjectNode saved = r.toTree(r.resolve("tiny", null, List.of()));
        ((ObjectNode) saved.get("latents")).remove("statsImages");   // a config.json written before the field existed
        assertEquals(0, r.parse(saved.toString(), "old config.json").latents().statsImages());
    }
}
