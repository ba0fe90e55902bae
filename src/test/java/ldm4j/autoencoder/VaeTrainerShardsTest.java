package ldm4j.autoencoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import ldm4j.config.Config;
import ldm4j.data.DataSpec;
import ldm4j.data.ImageFolder;
import ldm4j.data.ShardImages;
import ldm4j.data.ShardWriter;
import ldm4j.data.Splits;
import ldm4j.data.SyntheticData;
import ldm4j.io.HostTensor;
import ldm4j.torch.Devices;
import ldm4j.train.Budget;
import ldm4j.train.RunDir;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train-vae on {@code wds:} tar shards: batches streamed from the shards, a resume equal to a straight run. */
@Tag("slow") // training runs: left out of ./mvnw test -Pfast
class VaeTrainerShardsTest {

    @Test
    void resumeFromShardsGivesTheSameWeightsAsAStraightRun(@TempDir Path dir) throws Exception {
        Splits folder = ImageFolder.open(SyntheticData.imageFolder(dir.resolve("ds"), List.of("train", "test"),
                List.of("a", "b", "c"), 8, 16), "folder:ds");
        ShardWriter.write(folder.train(), dir.resolve("shards"), "train", 5, s -> { }); // 24 samples: 5 shards
        ShardWriter.write(folder.test().orElseThrow(), dir.resolve("shards"), "test", 5, s -> { });
        Splits data = DataSpec.parse("wds:" + dir.resolve("shards") + "/train-{000000..000004}.tar").open(dir, s -> { });
        assertTrue(data.train() instanceof ShardImages, "streamed from the shards");
        Config c = VaeTrainerTest.config("data.workers=2"); // 8 steps of 4, 6 per epoch: the resumed run crosses
        VaeTrainer.Outcome straight = train(dir.resolve("a"), c, data, Budget.unlimited(), false); // an epoch boundary
        VaeTrainer.Outcome half = train(dir.resolve("b"), c, data, Budget.of(4L, null), false);
        assertEquals(4, half.step());
        VaeTrainer.Outcome rest = train(dir.resolve("b"), c, data, Budget.unlimited(), true);
        assertEquals(8, rest.step());
        Map<String, HostTensor> a = VaeTrainerTest.tensors(straight.checkpoint());
        Map<String, HostTensor> b = VaeTrainerTest.tensors(rest.checkpoint());
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) {
            float[] x = a.get(k).toFloats();
            float[] y = b.get(k).toFloats();
            for (int i = 0; i < x.length; i++) {
                assertEquals(x[i], y[i], 1e-6, k + "[" + i + "]");
            }
        }
        assertEquals(24, data.requireTest().size(), "the test shards are the held-out split");
        assertEquals(12, straight.test().images(), "vae.train.finalEvalImages of them");
    }

    private static VaeTrainer.Outcome train(Path run, Config c, Splits data, Budget b, boolean resume) {
        return new VaeTrainer(c, RunDir.create(run), data, Devices.resolve("cpu"), new PrintWriter(new StringWriter()))
                .train(b, resume);
    }
}
