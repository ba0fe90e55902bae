package ldm4j.unet;

import ldm4j.config.UnetConfig;
import ldm4j.dit.Dit;
import ldm4j.nn.Backbone;

/**
 * Builds the backbone a config names ({@code unet.model.type}, a {@link ldm4j.config.BackboneType}); the
 * switch is exhaustive, so a new type does not compile until it is built here.
 */
public final class Backbones {
    private Backbones() {
    }

    /** A freshly initialised backbone (from libtorch's global generator, as seeded by the caller). */
    public static Backbone create(UnetConfig c, int inChannels, int latentSize) {
        return switch (c.backbone()) {
            case UNET -> new Unet(c, inChannels, latentSize);
            case DIT -> new Dit(c, inChannels, latentSize);
        };
    }

    /** The backbone's name for logs: {@code UNet} or the DiT size ({@code DiT-S/2}, with QK-norm if on). */
    public static String describe(UnetConfig c) {
        return switch (c.backbone()) {
            case UNET -> "UNet";
            case DIT -> c.dit().size() + (c.dit().qkNorm() ? " (QK-norm)" : "");
        };
    }

    /** The backbone's name in a {@code bench} row: {@code unet} (as before there were two) or the DiT's {@link #describe}. */
    public static String benchName(UnetConfig c) {
        return switch (c.backbone()) {
            case UNET -> "unet";
            case DIT -> describe(c);
        };
    }
}
