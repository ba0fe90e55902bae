package ldm4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import javax.imageio.ImageIO;

import ldm4j.data.SyntheticData;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Users' own folders through the whole pipeline at 128 px: 12 and 3 classes of non-square images of
 * mixed sizes and pixel formats, and an unconditional folder. The smallest models that run, a few steps.
 */
@Tag("slow") // pipeline runs: left out of ./mvnw test -Pfast
class CustomDataPipelineTest {
    static final int RES = 128;

    /** The smallest settings of every stage at 128 px: VAE factor 8 (patch 4 x 2), 16x16 latents, two UNet levels. */
    static List<String> tinyAt128() {
        return List.of("--set", "data.resolution=" + RES, "--set", "data.workers=1", "--set", "data.prefetch=2",
                "--threads", "2", "--device", "cpu",
                "--set", "vae.model.channels=4", "--set", "vae.model.multipliers=[1,2]", "--set", "vae.model.resBlocks=1",
                "--set", "vae.model.groups=2", "--set", "vae.model.patchSize=4", "--set", "vae.model.midAttention=false",
                "--set", "vae.disc.channels=4", "--set", "vae.disc.layers=2", "--set", "vae.disc.groups=2",
                "--set", "vae.loss.klWarmup=1", "--set", "vae.loss.advStart=1", "--set", "vae.loss.advWarmup=1",
                "--set", "vae.train.batchSize=4", "--set", "vae.train.steps=2", "--set", "vae.train.logEvery=1",
                "--set", "vae.train.evalEvery=2", "--set", "vae.train.evalImages=4", "--set", "vae.train.finalEvalImages=4",
                "--set", "vae.train.checkpointEvery=2", "--set", "latents.batchSize=16",
                "--set", "unet.model.channels=4", "--set", "unet.model.multipliers=[1,2]", "--set", "unet.model.resBlocks=1",
                "--set", "unet.model.attentionResolutions=[8]", "--set", "unet.model.headChannels=4",
                "--set", "unet.model.groups=2", "--set", "unet.train.batchSize=4", "--set", "unet.train.steps=2",
                "--set", "unet.train.warmup=1", "--set", "unet.train.logEvery=1", "--set", "unet.train.evalEvery=2",
                "--set", "unet.train.evalLatents=4", "--set", "unet.train.checkpointEvery=2",
                "--set", "sample.steps=2", "--set", "sample.perClass=1", "--set", "sample.batchSize=12");
    }

    static CliTest.Result pipeline(Path dir, Path data, String... extra) {
        List<String> args = new ArrayList<>(List.of("pipeline", "--data", "folder:" + data, "--run", dir.resolve("run").toString(),
                "--classifier", dir.resolve("none.safetensors").toString()));
        args.addAll(tinyAt128());
        args.addAll(List.of(extra));
        return CliTest.run(args.toArray(new String[0]));
    }

    static List<String> names(int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(String.format("class%02d", i));
        }
        return out;
    }

    static BufferedImage grid(Path dir) throws Exception {
        return ImageIO.read(dir.resolve("run/samples.png").toFile());
    }

    @Test
    void twelveClassesOfMixedImagesTrainAndSampleEveryClass(@TempDir Path dir) throws Exception {
        Path data = SyntheticData.mixedFolder(dir.resolve("ds"), List.of("train", "test"), names(12), 2);
        CliTest.Result r = pipeline(dir, data);
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("unet.model.numClasses = 12 from the data's 12 classes (the config said 10)"), r.err());
        assertTrue(r.out().contains("sampling 12 images (12 classes x 1)"), r.out());
        BufferedImage g = grid(dir);
        assertEquals(RES + 2 * 2, g.getWidth());
        assertEquals(12 * RES + 13 * 2, g.getHeight(), "one row per class");
        String config = Files.readString(dir.resolve("run/config.json"));
        assertTrue(config.contains("\"numClasses\" : 12"), config);
        Files.createDirectories(Path.of("target"));
        Files.copy(dir.resolve("run/samples.png"), Path.of("target/custom-data-12-classes-grid.png"),
                StandardCopyOption.REPLACE_EXISTING);

        // a re-run with other loader settings and cadences reuses every artifact
        CliTest.Result again = pipeline(dir, data, "--set", "data.workers=2", "--set", "data.prefetch=3",
                "--set", "vae.train.logEvery=5", "--set", "unet.train.logEvery=5");
        assertEquals(0, again.code(), again.out() + again.err());
        assertTrue(again.out().contains("exists and matches the config; skipped"), again.out());
        assertTrue(again.out().contains("train-unet: " + dir.resolve("run/unet.safetensors") + " exists"), again.out());

        // a thirteenth class: the finished UNet is refused, naming both lists
        Path extra = Files.createDirectories(data.resolve("train/class12"));
        Files.copy(data.resolve("train/class00").resolve(Files.list(data.resolve("train/class00")).sorted().findFirst()
                .orElseThrow().getFileName()), extra.resolve("a.png"));
        Files.createDirectories(data.resolve("test/class12"));
        Files.copy(extra.resolve("a.png"), data.resolve("test/class12/a.png"));
        CliTest.Result more = pipeline(dir, data);
        assertEquals(2, more.code(), more.out() + more.err());
        assertTrue(more.err().contains("was trained on classes [class00, class01"), more.err());
        assertTrue(more.err().contains("has classes [class00, class01, class02, class03, class04, class05, class06, class07, "
                + "class08, class09, class10, class11, class12]"), more.err());
    }

    @Test
    void threeClasses(@TempDir Path dir) throws Exception {
        Path data = SyntheticData.mixedFolder(dir.resolve("ds"), List.of("train", "test"), List.of("x", "y", "z"), 4);
        CliTest.Result r = pipeline(dir, data);
        assertEquals(0, r.code(), r.out() + r.err());
        assertEquals(3 * RES + 4 * 2, grid(dir).getHeight());
        CliTest.Result explicit = pipeline(dir, data, "--set", "unet.model.numClasses=5", "--dry-run");
        assertEquals(0, explicit.code(), "a dry run does not read the data");
        CliTest.Result wrong = CliTest.run("train-vae", "--data", "folder:" + data, "--run", dir.resolve("other").toString(),
                "--set", "unet.model.numClasses=5", "--set", "data.resolution=128");
        assertEquals(2, wrong.code(), wrong.out() + wrong.err());
        assertTrue(wrong.err().contains("unet.model.numClasses = 5 but the data has 3 classes [x, y, z]"), wrong.err());
    }

    @Test
    void unconditionalFolderTrainsWithoutClassesAndSamplesWithoutGuidance(@TempDir Path dir) throws Exception {
        Path data = SyntheticData.mixedFolder(dir.resolve("ds"), List.of("train", "test"), List.of(""), 8);
        CliTest.Result r = pipeline(dir, data);
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("one class: an unconditional model"), r.err());
        assertTrue(r.out().contains("guidance 1.00"), r.out());
        assertEquals(RES + 2 * 2, grid(dir).getHeight(), "one row");
        String config = Files.readString(dir.resolve("run/config.json"));
        assertTrue(config.contains("\"labelDropout\" : 0.0") && config.contains("\"cfg\" : 1.0"), config);
        CliTest.Result cls = CliTest.run("sample", "--run", dir.resolve("run").toString(), "--cfg", "4");
        assertEquals(2, cls.code());
        assertTrue(cls.err().contains("unconditional model (one class): sample it without --class and --cfg"), cls.err());
    }

    @Test
    void badTestImageFailsBeforeTheFirstStepAndABadTrainingImageIsNamed(@TempDir Path dir) throws Exception {
        Path data = SyntheticData.mixedFolder(dir.resolve("ds"), List.of("train", "test"), List.of("x", "y"), 2);
        Path zero = Files.write(data.resolve("test/y/zero.jpg"), new byte[0]);
        List<String> args = new ArrayList<>(List.of("train-vae", "--data", "folder:" + data, "--run", dir.resolve("a").toString()));
        args.addAll(tinyAt128());
        CliTest.Result r = CliTest.run(args.toArray(new String[0]));
        assertEquals(2, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("1 of 5 images of folder:" + data + " (test) cannot be used"), r.err());
        assertTrue(r.err().contains(zero + " is empty (0 bytes)"), r.err());
        assertTrue(!Files.exists(dir.resolve("a/checkpoints")), "nothing trained");

        Files.delete(zero);
        byte[] png = Files.readAllBytes(data.resolve("test/x/000-rgb.png"));
        Path cut = Files.write(data.resolve("train/y/cut.png"), Arrays.copyOf(png, png.length / 2));
        args.set(4, dir.resolve("b").toString());
        CliTest.Result t = CliTest.run(args.toArray(new String[0]));
        assertEquals(2, t.code(), t.out() + t.err());
        assertTrue(t.err().contains("ldm4j: error: " + cut + " is not a readable PNG/JPEG image"), t.err());
    }
}
