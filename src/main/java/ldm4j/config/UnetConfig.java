package ldm4j.config;

import java.util.List;

/**
 * The class-conditional backbone on latents ({@code unet.model}): the ADM/LDM UNet, or a DiT.
 *
 * @param type           the backbone, a {@link BackboneType} key: {@code unet} (the fields below) or {@code dit}
 *                       ({@code dit}; the UNet fields are then unused)
 * @param channels       width of the first level
 * @param multipliers    width multiplier per level; 2x down/upsampling between levels
 * @param resBlocks      residual blocks per level (the decoder has one more per level, as in ADM)
 * @param attentionResolutions latent resolutions (e.g. 8 for an 8x8 feature map) that get self-attention
 * @param headChannels   channels per attention head
 * @param dropout        dropout inside residual blocks
 * @param groups         GroupNorm groups
 * @param numClasses     real classes; index numClasses is the "null" class for classifier-free guidance
 * @param patchSize      pixel-unshuffle factor p on the noisy latent before conv_in, pixel-shuffle after conv_out:
 *                       the UNet runs at side S/p on C p^2 channels (1: none). The input patching of "simple
 *                       diffusion" (Hoogeboom et al. 2023), and the UNet's counterpart of a DiT's patch size
 * @param dit            the transformer's size and options, for {@code type = dit}
 */
public record UnetConfig(String type, int channels, List<Integer> multipliers, int resBlocks,
                         List<Integer> attentionResolutions, int headChannels, double dropout, int groups, int numClasses,
                         int patchSize, DitConfig dit) {
    /** The DiT a config names when it does not choose one ({@code unet.model.dit} of older configs). */
    public static final DitConfig DEFAULT_DIT = new DitConfig("DiT-S/2", false);

    public UnetConfig {
        BackboneType.of(type);
        Check.notNull("unet.model.dit", dit);
        Check.range("unet.model.channels", channels, 1, 4096);
        Check.notNull("unet.model.multipliers", multipliers);
        Check.range("unet.model.multipliers (length)", multipliers.size(), 1, 8);
        multipliers = List.copyOf(multipliers);
        attentionResolutions = List.copyOf(Check.notNull("unet.model.attentionResolutions", attentionResolutions));
        Check.range("unet.model.resBlocks", resBlocks, 1, 16);
        Check.range("unet.model.headChannels", headChannels, 1, 4096);
        Check.range("unet.model.dropout", dropout, 0, 0.9);
        Check.range("unet.model.groups", groups, 1, 256);
        Check.range("unet.model.numClasses", numClasses, 1, 100_000);
        Check.range("unet.model.patchSize", patchSize, 1, 8);
        for (int m : multipliers) {
            Check.range("unet.model.multipliers (entry)", m, 1, 64);
            if (channels * m % groups != 0) {
                throw new ConfigException("unet.model.groups = " + groups + " does not divide the level width "
                        + channels * m);
            }
        }
    }

    /** A UNet config (type {@code unet}, no input patching, the default DiT section). */
    public UnetConfig(int channels, List<Integer> multipliers, int resBlocks, List<Integer> attentionResolutions,
                      int headChannels, double dropout, int groups, int numClasses) {
        this(BackboneType.UNET.key(), channels, multipliers, resBlocks, attentionResolutions, headChannels, dropout, groups,
                numClasses, 1, DEFAULT_DIT);
    }

    /** The backbone type. */
    public BackboneType backbone() {
        return BackboneType.of(type);
    }

    /** This config with {@code numClasses} real classes. */
    public UnetConfig withNumClasses(int classes) {
        return new UnetConfig(type, channels, multipliers, resBlocks, attentionResolutions, headChannels, dropout, groups,
                classes, patchSize, dit);
    }
}
