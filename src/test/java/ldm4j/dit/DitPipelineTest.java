package ldm4j.dit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import ldm4j.LatentDiffusion;
import ldm4j.config.Config;
import ldm4j.config.ConfigResolver;
import ldm4j.io.Safetensors;
import ldm4j.io.SafetensorsFile;
import ldm4j.latents.LatentPipelineTest;
import ldm4j.sample.TinyRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;

/**
 * The diffusion stage with {@code unet.model.type = dit} on the shared tiny run's VAE and latents: train, checkpoint (DiT's tensor names under
 * {@code unet.} and {@code ema.}), the run's config records the backbone, and the Java API loads the DiT and
 * samples with guidance.
 */
@Tag("slow") // trains a tiny run: left out of ./mvnw test -Pfast
class DitPipelineTest {
    @Test
    void aDitRunTrainsSavesLoadsAndSamples(@TempDir Path dir) throws Exception {
        Path shared = TinyRun.shared();                       // its VAE and latent cache (the UNet run's), reused
        Path run = dir.resolve("run");
        Files.createDirectories(run);
        Files.copy(shared.resolve("vae.safetensors"), run.resolve("vae.safetensors"));
        try (var files = Files.walk(shared.resolve("latents"))) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Files.copy(p, run.resolve(shared.relativize(p).toString()));
            }
        }
        Config c = new ConfigResolver().override(LatentPipelineTest.smallConfig(), List.of("unet.model.type=dit",
                "unet.model.dit.size=DiT-T/2", "unet.model.dit.qkNorm=true", "unet.train.steps=3",
                "unet.train.evalEvery=3"));
        Path cfg = Files.writeString(dir.resolve("dit.json"), new ConfigResolver().toJson(c));
        String[] r = TinyRun.cli("train-unet", "--run",
                run.toString(), "--config", cfg.toString());
        assertEquals("0", r[0], r[1] + r[2]);
        assertTrue(r[1].contains("DiT-T/2 (QK-norm)"), r[1]);
        try (SafetensorsFile f = Safetensors.read(run.resolve("unet.safetensors"))) {
            for (String n : List.of("unet.blocks.5.adaLN_modulation.1.weight", "ema.final_layer.linear.weight",
                    "unet.blocks.0.attn.q_norm.weight", "unet.pos_embed", "unet.y_embedder.embedding_table.weight")) {
                assertTrue(f.contains(n), n);
            }
        }
        try (LatentDiffusion ldm = LatentDiffusion.load(run, "cpu")) {
            assertEquals("dit", ldm.model().config().unet().model().type());
            List<BufferedImage> images = ldm.generate(ldm.classIndex("green"), 2, 3.0, 3, 7L);
            assertEquals(2, images.size());
            assertEquals(16, images.get(0).getWidth());
        }
    }
}
