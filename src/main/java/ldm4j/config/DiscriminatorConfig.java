package ldm4j.config;

/**
 * Patch discriminator (PatchGAN, pix2pix): {@code layers} strided 4x4 convs with GroupNorm and
 * LeakyReLU(0.2), then a 4x4 conv to one logit per patch.
 *
 * @param channels width of the first conv (doubles per layer, capped at 8x)
 * @param layers   number of conv blocks before the logit conv
 * @param groups   GroupNorm groups
 */
public record DiscriminatorConfig(int channels, int layers, int groups) {
    public DiscriminatorConfig {
        Check.range("vae.disc.channels", channels, 1, 2048);
        Check.range("vae.disc.layers", layers, 1, 6);
        Check.range("vae.disc.groups", groups, 1, 256);
        if (channels % groups != 0) {
            throw new ConfigException("vae.disc.groups = " + groups + " does not divide vae.disc.channels = " + channels);
        }
    }
}
