package ldm4j.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import ldm4j.config.Config;
import ldm4j.config.ConfigResolver;
import ldm4j.data.SyntheticData;
import ldm4j.latents.LatentPipelineTest;

/**
 * A run folder with a tiny trained model (16x16 images of classes blue, green, red), made in seconds.
 * {@link #shared} trains it once per test JVM for the tests that only read it.
 */
public final class TinyRun {
    private TinyRun() {
    }

    /** Trained on first use, deleted when the JVM exits. Tests must write their outputs elsewhere. */
    private static final class Shared {
        static final Path RUN = trainShared();

        private static Path trainShared() {
            try {
                Path dir = Files.createTempDirectory("ldm4j-tiny-run");
                Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
                return train(dir);
            } catch (Exception e) {
                throw new IllegalStateException("cannot train the tiny run: " + e.getMessage(), e);
            }
        }
    }

    /** The 256-px run of {@link #train256}, trained once per test JVM on first use, deleted when the JVM exits. */
    private static final class Shared256 {
        static final Path RUN = trainShared();

        private static Path trainShared() {
            try {
                Path dir = Files.createTempDirectory("ldm4j-tiny-run-256");
                Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
                return train256(dir);
            } catch (Exception e) {
                throw new IllegalStateException("cannot train the tiny 256-px run: " + e.getMessage(), e);
            }
        }
    }

    /** The shared tiny 256-px run; its dataset is {@code run.getParent().resolve("ds")}. */
    public static Path shared256() {
        return Shared256.RUN;
    }

    /** WordNet IDs of the 256-px run's classes: robin, bullfrog, golden retriever in the bundled ImageNet table. */
    public static final List<String> WNIDS_256 = List.of("n01558993", "n01641577", "n02099601");

    /** The shared tiny run; its dataset is {@code run.getParent().resolve("ds")}. */
    public static Path shared() {
        return Shared.RUN;
    }

    static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temporary folder: the system cleans it eventually
        }
    }

    /** Runs the command line; returns exit code, stdout and stderr. */
    public static String[] cli(String... args) {
        return PipelineAndApiTest.run(args);
    }

    /**
     * The tiny256 preset at tiny widths (f = 8: patch size 4 then one downsampling, 4x32x32 latents; a UNet of
     * 8 channels on 32x32), trained a few steps by the pipeline command on 256-px images in ImageNet's layout
     * (train/ and val/ folders named by WordNet ID, so the classes are named from the bundled table) into
     * {@code dir}/run, which it returns.
     */
    public static Path train256(Path dir) throws Exception {
        SyntheticData.imageFolder(dir.resolve("ds"), List.of("train", "val"), WNIDS_256, 3, 256);
        Config c = new ConfigResolver().resolve("tiny256", null, List.of(
                "data.workers=1", "data.prefetch=2", "threads=2",
                "vae.model.channels=8", "vae.model.multipliers=[1,1]", "vae.model.resBlocks=1", "vae.model.groups=4",
                "vae.model.patchSize=4", "vae.disc.channels=8", "vae.disc.layers=2", "vae.disc.groups=4",
                "vae.loss.klWarmup=1", "vae.loss.advStart=1", "vae.loss.advWarmup=1",
                "vae.train.batchSize=2", "vae.train.steps=2", "vae.train.logEvery=1", "vae.train.evalEvery=2",
                "vae.train.evalImages=2", "vae.train.finalEvalImages=3", "vae.train.checkpointEvery=2",
                "latents.shardSize=10", "latents.batchSize=4",
                "unet.model.channels=8", "unet.model.multipliers=[1,2]", "unet.model.resBlocks=1",
                "unet.model.attentionResolutions=[16]", "unet.model.headChannels=8", "unet.model.groups=4",
                "unet.train.batchSize=2", "unet.train.steps=3", "unet.train.warmup=1", "unet.train.logEvery=1",
                "unet.train.evalEvery=3", "unet.train.evalLatents=4", "unet.train.checkpointEvery=3",
                "sample.steps=2", "sample.perClass=1", "sample.batchSize=3"));
        Path cfg = Files.writeString(dir.resolve("tiny256.json"), new ConfigResolver().toJson(c));
        Path run = dir.resolve("run");
        String[] r = PipelineAndApiTest.run("pipeline", "--data", "imagenet:" + dir.resolve("ds"), "--run", run.toString(),
                "--config", cfg.toString(), "--classifier", dir.resolve("no-classifier.safetensors").toString());
        assertEquals("0", r[0], r[1] + r[2]);
        return run;
    }

    /** Trains into {@code dir}/run with the pipeline command and returns that run folder. */
    public static Path train(Path dir) throws Exception {
        SyntheticData.imageFolder(dir.resolve("ds"), List.of("train", "test"), List.of("red", "green", "blue"), 8, 16);
        Config c = new ConfigResolver().override(LatentPipelineTest.smallConfig(), List.of(
                "sample.steps=4", "sample.perClass=2", "sample.batchSize=4"));
        Path cfg = Files.writeString(dir.resolve("small.json"), new ConfigResolver().toJson(c));
        Path run = dir.resolve("run");
        String[] r = PipelineAndApiTest.run("pipeline", "--data", "folder:" + dir.resolve("ds"), "--run", run.toString(),
                "--config", cfg.toString(), "--classifier", dir.resolve("no-classifier.safetensors").toString());
        assertEquals("0", r[0], r[1] + r[2]);
        return run;
    }
}
