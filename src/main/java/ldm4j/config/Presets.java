package ldm4j.config;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * The named presets, each a JSON resource {@code ldm4j/presets/<name>.json} in which every value is
 * named where it is set and the measurement behind it sits beside it as a comment. {@code tiny}
 * finishes on a 2-core CPU in about an hour; {@code seed} is the write-up's full recipe, sized for a GPU;
 * {@code tiny256} and {@code imagenet256} are the 256-px path (f = 8 VAE, 4x32x32 latents) for a 2-core CPU and for GPUs.
 */
public final class Presets {
    private static final List<String> NAMES = List.of("tiny", "seed", "tiny256", "imagenet256");

    private Presets() {
    }

    public static List<String> names() {
        return NAMES;
    }

    public static Config get(String name) {
        if (!NAMES.contains(name)) {
            throw new ConfigException("unknown preset '" + name + "': expected one of " + String.join(", ", NAMES));
        }
        String resource = "/ldm4j/presets/" + name + ".json";
        try (InputStream in = Presets.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("preset resource " + resource + " is missing from the jar");
            }
            return ConfigResolver.mapper().readValue(in, Config.class);
        } catch (IOException e) {
            throw new IllegalStateException("preset resource " + resource + " is invalid: " + e.getMessage(), e);
        }
    }

    /** CPU minutes: the whole pipeline on a 2-core laptop. */
    public static Config tiny() {
        return get("tiny");
    }

    /** The write-up's recipe: 300 VAE epochs and 750 UNet epochs at batch 128, 8 loader workers. */
    public static Config seed() {
        return get("seed");
    }
}
