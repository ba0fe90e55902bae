package ldm4j.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import ldm4j.config.Config;
import ldm4j.config.ConfigResolver;
import ldm4j.data.SyntheticData;
import ldm4j.latents.LatentPipelineTest;

/** A run folder with a tiny trained model (16x16 images of classes blue, green, red), made in seconds. */
public final class TinyRun {
    private TinyRun() {
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
