package ldm4j.config;

import java.util.List;

/**
 * VAE architecture (encoder and decoder mirror each other).
 *
 * @param channels       width of the first level
 * @param multipliers    width multiplier per level; a 2x downsample sits between consecutive levels,
 *                       so {@code [1, 2, 2]} maps 64x64 to 16x16
 * @param resBlocks      residual blocks per level
 * @param latentChannels channels of the latent (4 for the 4x16x16 latent)
 * @param midAttention   single-head self-attention between the two middle residual blocks
 * @param groups         GroupNorm groups (every level's width must be divisible by it)
 * @param patchSize      pixel-unshuffle factor p before the encoder and pixel-shuffle after the decoder
 *                       (the "patch size" of DiT / DC-AE): the first level runs at H/p with 3p^2 input
 *                       channels. 2 suits CIFAR-10 upscaled from 32 px, whose 64x64 grid holds 32x32
 *                       worth of detail; 1 is the plain LDM autoencoder
 */
public record AutoencoderConfig(int channels, List<Integer> multipliers, int resBlocks, int latentChannels,
                                boolean midAttention, int groups, int patchSize) {
    public AutoencoderConfig {
        Check.range("vae.model.patchSize", patchSize, 1, 16);
        Check.range("vae.model.channels", channels, 1, 4096);
        Check.notNull("vae.model.multipliers", multipliers);
        Check.range("vae.model.multipliers (length)", multipliers.size(), 1, 8);
        multipliers = List.copyOf(multipliers);
        Check.range("vae.model.resBlocks", resBlocks, 1, 16);
        Check.range("vae.model.latentChannels", latentChannels, 1, 256);
        Check.range("vae.model.groups", groups, 1, 256);
        for (int m : multipliers) {
            Check.range("vae.model.multipliers (entry)", m, 1, 64);
            if (channels * m % groups != 0) {
                throw new ConfigException("vae.model.groups = " + groups + " does not divide the level width "
                        + channels + " x " + m + " = " + channels * m + ": choose groups that divide every width");
            }
        }
    }

    /** Spatial reduction factor of image to latent, patchSize * 2^(levels-1). */
    public int downsampleFactor() {
        return patchSize << (multipliers.size() - 1);
    }
}
