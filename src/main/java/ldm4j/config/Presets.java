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
                new DataConfig("cifar10", 64, "bicubic", true, 2, 6));
    }

    /** The write-up's recipe: 300 VAE epochs and 750 UNet epochs at batch 128, 8 loader workers. */
    public static Config seed() {
        return new Config("seed", 0, "auto", 0,
                new DataConfig("cifar10", 64, "bicubic", true, 8, 16));
    }
}
