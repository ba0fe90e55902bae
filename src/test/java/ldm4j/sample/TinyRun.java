package ldm4j.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

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

    /** The shared tiny run; its dataset is {@code run.getParent().resolve("ds")}. */
    public static Path shared() {
        return Shared.RUN;
    }

    static void deleteTree(Path dir) {
        try (java.util.stream.Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (java.io.IOException ignored) {
            // a temporary folder: the system cleans it eventually
        }
    }

    /** Runs the command line; returns exit code, stdout and stderr. */
    public static String[] cli(String... args) {
        return PipelineAndApiTest.run(args);
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
