package ldm4j.config;

import java.util.Arrays;
import java.util.List;

/**
 * The backbones of the diffusion stage ({@code unet.model.type}), like k-diffusion's {@code make_model}
 * branching on {@code config['type']}: the one list of names for parsing, validation and {@code --help}.
 * Building, FLOP counting and loading switch over this enum (exhaustively: a new constant does not compile
 * until each of them handles it). How to add one: README, "Choosing a backbone".
 */
public enum BackboneType {
    /** The ADM UNet ({@code unet.model.channels}, {@code multipliers}, ...). */
    UNET("unet"),
    /** A DiT with adaLN-Zero blocks on latent patches ({@code unet.model.dit}). */
    DIT("dit");

    private final String key;

    BackboneType(String key) {
        this.key = key;
    }

    /** The name in the config. */
    public String key() {
        return key;
    }

    public static List<String> keys() {
        return Arrays.stream(values()).map(BackboneType::key).toList();
    }

    public static BackboneType of(String key) {
        for (BackboneType t : values()) {
            if (t.key.equals(key)) {
                return t;
            }
        }
        throw new ConfigException("unet.model.type = " + (key == null ? "null" : "'" + key + "'")
                + " is not allowed: expected one of " + String.join(", ", keys()));
    }
}
