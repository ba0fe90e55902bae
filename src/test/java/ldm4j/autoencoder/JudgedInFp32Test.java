package ldm4j.autoencoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import ldm4j.cli.TestCli;
import ldm4j.data.ImageFolder;
import ldm4j.data.SyntheticData;
import ldm4j.data.Transform;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A VAE trained under bf16 autocast: {@code compute.json} records bf16 for the training stage, and the
 * figure that judges the run (the final test reconstruction MSE) is the fp32 evaluation of the saved
 * VAE, not a bf16 one (bf16 would move it by far more than the tolerance).
 */
@Tag("slow") // a training run: left out of ./mvnw test -Pfast
class JudgedInFp32Test {
    @TempDir
    Path dir;

    @Test
    void aBf16RunRecordsItsPrecisionAndJudgesInFp32() throws Exception {
        Path data = dir.resolve("ds");
        SyntheticData.imageFolder(data, List.of("train", "test"), List.of("a", "b"), 6, 16);
        Path run = dir.resolve("run");
        List<String> args = new ArrayList<>(List.of("train-vae", "--data", "folder:" + data, "--run", run.toString()));
        args.addAll(TestCli.tinyVae("threads=1", "precision=bf16", "vae.train.steps=2", "vae.train.finalEvalImages=12"));
        String[] r = TestCli.run(args.toArray(new String[0]));
        assertEquals("0", r[0], r[1] + r[2]);

        ObjectMapper json = new ObjectMapper();
        JsonNode compute = json.readTree(run.resolve("compute.json").toFile());
        assertEquals("bf16", compute.path("train-vae").path("precision").asText(), compute.toString());
        assertTrue(compute.path("train-vae").path("reason").asText().contains("bf16 requested"), compute.toString());

        JsonNode last = null;
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            JsonNode n = json.readTree(line);
            if (n.path("event").asText().equals("test")) {
                last = n;
            }
        }
        assertTrue(last != null && last.path("step").asLong() == 2 && last.path("images").asInt() == 12, String.valueOf(last));
        double logged = last.get("mse").asDouble();

        VaeCheckpoints.LoadedVae vae = VaeCheckpoints.loadVae(run.resolve("vae.safetensors"));
        VaeEvaluator fp32 = new VaeEvaluator(ImageFolder.open(data, "folder:" + data).requireTest(), new Transform(16, "bicubic"),
                new Device(torch.DeviceType.CPU), 1, 250);
        double mse = fp32.evaluate(vae.vae(), 12).mse();
        assertEquals(mse, logged, 1e-6 * mse, "the logged test MSE is the fp32 evaluation of the saved VAE");
    }
}
