package ldm4j.config;

import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The named presets, in one place. {@code tiny} finishes on a 2-core CPU in minutes; {@code seed}
 * is the write-up's full recipe (docs/seed), sized for a GPU.
 */
public final class Presets {
    private Presets() {
    }

    private static final Map<String, Supplier<Config>> PRESETS = Map.of(
            "tiny", Presets::tiny,
            "seed", Presets::seed);

    public static List<String> names() {
        return List.of("tiny", "seed");
    }

    public static Config get(String name) {
        Supplier<Config> s = PRESETS.get(name);
        if (s == null) {
            throw new ConfigException("unknown preset '" + name + "': expected one of " + String.join(", ", names()));
        }
        return s.get();
    }

    /** CPU minutes: the whole pipeline on a 2-core laptop. */
    public static Config tiny() {
        return new Config("tiny", 0, "auto", 0,
                new DataConfig("cifar10", 64, "bicubic", true, 2, 6),
                new VaeConfig(
                        // 0.41M parameters. Patch size 2 (pixel-unshuffle) runs the first level at 32x32: the
                        // images are upscaled from 32 px, so nothing is lost, and a step costs ~0.55 s instead of
                        // 1.3 s on 2 cores (batch 64). Measured in 3-minute PyTorch runs of this recipe: 48 channels
                        // at [32x32, 16x16] with one block per level beat narrower/deeper variants per second.
                        new AutoencoderConfig(48, List.of(1, 1), 1, 4, true, 8, 2),
                        new DiscriminatorConfig(32, 3, 8),
                        // KL weight 1e-5: test MSE 6% lower than 1e-4 at equal time, latent std still 0.6..1.4.
                        // Adversarial terms from step 700 (ramp 300). Measured on 2 cores: started at 400 with
                        // feature matching 0.01, the discriminator won outright (accuracy 0.99 by step 720) and
                        // test MSE rose from 0.0053 to 0.0070; from 700 with adversarial weight 1e-3, test MSE
                        // was 0.0023 at step 800 (weight 2.6e-4) and 0.0060 at 1,000 (full weight). Adversarial
                        // 2.5e-4 keeps that regime; feature matching (a perceptual term: discriminator features
                        // of x vs its reconstruction) 0.004 puts reconstruction near 65-70% of the total.
                        new VaeLossConfig(0.0, 1e-5, 200, 2.5e-4, 0.004, 700, 300, "hinge", 0.15),
                        // ~1,500 steps fit the 20-minute CPU budget
                        new VaeTrainConfig(64, 1, 1500, 8e-4, 1e-7, 2.4e-3, 1e-6, 0.9, 0.999, 0.5, 0.9,
                                0.0, 1.0, 20, 200, 512, 2000, 200, 2)),
                new LatentsConfig("bf16", 10_000, 250),
                new UnetStageConfig(
                        new UnetConfig(64, List.of(1, 2, 2), 2, List.of(8), 32, 0.0, 32, 10),
                        new DiffusionConfig(0.1, "v-mse", 5.0),
                        // 900 steps (~27 min): the held-out v-MSE was 0.457 at 500 and 0.447 at 750 steps of 1,300
                        new UnetTrainConfig(128, 1, 900, 1e-3, 1e-5, 100, 0.9, 0.999, 0.0, 1.0, 0.999, true,
                                25, 250, 500, 250, 2)),
                new SampleConfig("ddim", 50, 5.0, 0.0, "auto", 10, 100, true));
    }

    /** The write-up's recipe: 300 VAE epochs and 750 UNet epochs at batch 128, 8 loader workers. */
    public static Config seed() {
        return new Config("seed", 0, "auto", 0,
                new DataConfig("cifar10", 64, "bicubic", true, 8, 16),
                new VaeConfig(
                        new AutoencoderConfig(128, List.of(1, 2, 4), 2, 4, true, 32, 1),
                        new DiscriminatorConfig(64, 3, 32),
                        new VaeLossConfig(0.0, 1e-4, 10_000, 1e-3, 0.01, 10_000, 10_000, "hinge", 0.0),
                        new VaeTrainConfig(128, 300, 0, 8e-4, 1e-7, 2.4e-3, 1e-6, 0.9, 0.999, 0.5, 0.9,
                                0.0, 1.0, 100, 390, 2000, 10_000, 3900, 3)),
                new LatentsConfig("bf16", 10_000, 500),
                new UnetStageConfig(
                        new UnetConfig(192, List.of(1, 2, 3), 3, List.of(8, 4), 64, 0.1, 32, 10),
                        new DiffusionConfig(0.1, "v-mse", 5.0),
                        new UnetTrainConfig(128, 750, 0, 2e-4, 1e-6, 1000, 0.9, 0.999, 0.0, 1.0, 0.9999, true,
                                100, 3900, 10_000, 3900, 3)),
                new SampleConfig("ddim", 50, 5.0, 0.0, "auto", 10, 100, true));
    }
}
