package ldm4j.autoencoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import ldm4j.LdmException;
import ldm4j.config.Config;
import ldm4j.config.ConfigResolver;
import ldm4j.data.DataSpec;
import ldm4j.data.Splits;
import ldm4j.data.SyntheticData;
import ldm4j.io.FormatException;
import ldm4j.io.HostTensor;
import ldm4j.io.Safetensors;
import ldm4j.io.SafetensorsFile;
import ldm4j.torch.Devices;
import ldm4j.train.Budget;
import ldm4j.train.RunDir;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The VAE-GAN loop on a tiny synthetic folder: exact resume, artifacts, error handling. */
@Tag("slow") // training runs: left out of ./mvnw test -Pfast
public class VaeTrainerTest {
    @TempDir
    static Path shared;
    static Splits data;

    @BeforeAll
    static void makeData() throws Exception {
        SyntheticData.imageFolder(shared.resolve("ds"), List.of("train", "test"), List.of("a", "b", "c"), 8, 16);
        data = DataSpec.parse("folder:" + shared.resolve("ds")).open(shared, s -> { });
    }

    public static Config config(String... extra) {
        List<String> sets = new ArrayList<>(List.of(
                "data.resolution=16", "data.workers=1", "data.prefetch=2", "threads=2",
                "vae.model.channels=8", "vae.model.multipliers=[1,2]", "vae.model.resBlocks=1", "vae.model.groups=4",
                "vae.model.patchSize=1", // 16 px -> 8x8 latents, which the small UNet configs assume
                "vae.disc.channels=8", "vae.disc.layers=2", "vae.disc.groups=4",
                "vae.loss.klWarmup=2", "vae.loss.advStart=2", "vae.loss.advWarmup=2",
                "vae.train.batchSize=4", "vae.train.steps=8", "vae.train.logEvery=2", "vae.train.evalEvery=4",
                "vae.train.evalImages=6", "vae.train.finalEvalImages=12", "vae.train.checkpointEvery=3"));
        sets.addAll(List.of(extra));
        return new ConfigResolver().resolve("tiny", null, sets);
    }

    static VaeTrainer.Outcome train(Path run, Config c, Budget b, boolean resume) {
        return new VaeTrainer(c, RunDir.create(run), data, Devices.resolve("cpu"), new PrintWriter(new StringWriter()))
                .train(b, resume);
    }

    /** Every tensor of a safetensors file, copied out of the mapping. */
    public static Map<String, HostTensor> tensors(Path f) throws Exception {
        try (SafetensorsFile s = Safetensors.read(f)) {
            Map<String, HostTensor> m = new LinkedHashMap<>();
            for (String n : s.names()) {
                HostTensor h = s.get(n);
                byte[] copy = new byte[(int) h.byteSize()];
                h.data().get(copy);
                m.put(n, new HostTensor(h.dtype(), h.shape(), ByteBuffer.wrap(copy)));
            }
            return m;
        }
    }

    @Test
    void resumeGivesTheSameWeightsAsAStraightRun(@TempDir Path dir) throws Exception {
        Config c = config();
        VaeTrainer.Outcome straight = train(dir.resolve("a"), c, Budget.unlimited(), false);
        assertTrue(straight.finished());
        VaeTrainer.Outcome half = train(dir.resolve("b"), c, Budget.of(4L, null), false);
        assertEquals(4, half.step());
        VaeTrainer.Outcome rest = train(dir.resolve("b"), c, Budget.unlimited(), true);
        assertTrue(rest.finished());
        assertEquals(8, rest.step());
        Map<String, HostTensor> a = tensors(straight.checkpoint());
        Map<String, HostTensor> b = tensors(rest.checkpoint());
        assertEquals(a.keySet(), b.keySet());
        assertTrue(a.keySet().stream().anyMatch(k -> k.startsWith("disc.")), "discriminator saved");
        assertTrue(a.keySet().stream().anyMatch(k -> k.startsWith("opt.disc.exp_avg.")), "its optimizer too");
        for (String k : a.keySet()) {
            float[] x = a.get(k).toFloats();
            float[] y = b.get(k).toFloats();
            for (int i = 0; i < x.length; i++) {
                assertEquals(x[i], y[i], 1e-6, k + "[" + i + "]");
            }
        }
        // the finished VAE carries the normaliser and loads back
        VaeCheckpoints.LoadedVae v = VaeCheckpoints.loadVae(straight.vaeFile().orElseThrow());
        assertEquals(4, v.normalizer().channels());
        assertEquals(c, v.config());
        assertTrue(Files.exists(dir.resolve("a/images")));
        assertTrue(Files.list(dir.resolve("a/images")).anyMatch(p -> p.toString().endsWith(".png")));
        List<String> metrics = Files.readAllLines(dir.resolve("a/metrics.jsonl"));
        assertTrue(metrics.stream().anyMatch(l -> l.contains("\"disc_accuracy\"")), "discriminator metrics logged");
        assertTrue(c.vae().loss().instanceNoise() > 0, "the tiny preset's instance noise is covered by this resume test");
        assertTrue(metrics.stream().anyMatch(l -> l.contains("\"disc_accuracy_clean\"")), "accuracy without the noise");
        assertTrue(metrics.stream().anyMatch(l -> l.contains("\"event\":\"test\"") && l.contains("\"psnr\"")));
        assertTrue(Files.list(dir.resolve("a/tb/vae")).findAny().isPresent(), "TensorBoard events");
    }

    @Test
    void refusesToOverwriteOrResumeWrongly(@TempDir Path dir) {
        Config c = config();
        train(dir, c, Budget.of(2L, null), false);
        LdmException again = assertThrows(LdmException.class, () -> train(dir, c, Budget.unlimited(), false));
        assertTrue(again.getMessage().contains("pass --resume"), again.getMessage());
        Config other = config("vae.model.channels=12");
        LdmException arch = assertThrows(LdmException.class, () -> train(dir, other, Budget.unlimited(), true));
        assertTrue(arch.getMessage().contains("different architecture"), arch.getMessage());
        LdmException none = assertThrows(LdmException.class, () -> train(dir.resolve("fresh"), c, Budget.unlimited(), true));
        assertTrue(none.getMessage().contains("no checkpoint to resume from"), none.getMessage());
    }

    @Test
    void wrongKindOfFileIsNamed(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("x.safetensors");
        Safetensors.write(f, Map.of("w", HostTensor.ofFloats(new float[]{1}, 1)), Map.of("format", "ldm4j", "kind", "unet"));
        FormatException e = assertThrows(FormatException.class, () -> VaeCheckpoints.loadVae(f));
        assertTrue(e.getMessage().contains("is a 'unet' checkpoint, but a 'vae' checkpoint is needed"), e.getMessage());
        Path g = dir.resolve("y.safetensors");
        Safetensors.write(g, Map.of("w", HostTensor.ofFloats(new float[]{1}, 1)), Map.of());
        FormatException e2 = assertThrows(FormatException.class, () -> VaeCheckpoints.loadVae(g));
        assertTrue(e2.getMessage().contains("not an ldm4j checkpoint"), e2.getMessage());
    }
}
