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
                        new AutoencoderConfig(32, List.of(1, 2, 2), 1, 4, true, 8),
                        new DiscriminatorConfig(32, 3, 8),
                        new VaeLossConfig(0.0, 1e-4, 500, 1e-3, 0.02, 500, 500, "hinge"),
                        new VaeTrainConfig(64, 1, 2000, 8e-4, 1e-7, 2.4e-3, 1e-6, 0.9, 0.999, 0.5, 0.9,
                                0.0, 1.0, 25, 500, 512, 2000, 500, 2)));
    }

    /** The write-up's recipe: 300 VAE epochs and 750 UNet epochs at batch 128, 8 loader workers. */
    public static Config seed() {
        return new Config("seed", 0, "auto", 0,
                new DataConfig("cifar10", 64, "bicubic", true, 8, 16),
                new VaeConfig(
                        new AutoencoderConfig(128, List.of(1, 2, 4), 2, 4, true, 32),
                        new DiscriminatorConfig(64, 3, 32),
                        new VaeLossConfig(0.0, 1e-4, 10_000, 1e-3, 0.02, 10_000, 10_000, "hinge"),
                        new VaeTrainConfig(128, 300, 0, 8e-4, 1e-7, 2.4e-3, 1e-6, 0.9, 0.999, 0.5, 0.9,
                                0.0, 1.0, 100, 390, 2000, 10_000, 3900, 3)));
    }
}
