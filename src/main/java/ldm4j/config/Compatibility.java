package ldm4j.config;

import java.util.List;

/**
 * The checks across sections that need more than one value: they run when a config is resolved, so
 * that a combination that cannot train fails before any data is read, naming the key to change.
 * <ul>
 *   <li>{@code data.resolution} divisible by the VAE's downsampling factor {@code vae.model.patchSize * 2^(levels-1)};</li>
 *   <li>the latent size divisible by {@code unet.model.patchSize * 2^(levels-1)} of {@code unet.model.multipliers};</li>
 *   <li>every {@code unet.model.attentionResolutions} entry is a feature-map size the UNet has;</li>
 *   <li>{@code unet.model.headChannels} divides every width that gets attention (those levels and the middle);</li>
 *   <li>for a DiT, the latent size divisible by the patch size of {@code unet.model.dit.size};</li>
 *   <li>the patch discriminator's {@code vae.disc.layers} leave at least 2x2 pixels.</li>
 * </ul>
 */
final class Compatibility {
    private Compatibility() {
    }

    static void check(DataConfig data, VaeConfig vae, UnetStageConfig unet) {
        int res = data.resolution();
        AutoencoderConfig ae = vae.model();
        int f = ae.downsampleFactor();
        if (res % f != 0) {
            throw new ConfigException("data.resolution = " + res + " is not divisible by the VAE's downsampling factor "
                    + f + " (vae.model.patchSize " + ae.patchSize() + " x 2^" + (ae.multipliers().size() - 1)
                    + " from " + ae.multipliers().size() + " vae.model.multipliers): set data.resolution to a multiple of "
                    + f + ", or change vae.model.multipliers / vae.model.patchSize");
        }
        int latent = res / f;
        UnetConfig u = unet.model();
        switch (u.backbone()) {
            case UNET -> checkUnet(u, latent, res, f);
            case DIT -> checkDit(u.dit(), latent, res, f);
        }
        int layers = vae.disc().layers();
        if ((res >> layers) < 2) {
            throw new ConfigException("vae.disc.layers = " + layers + " halves data.resolution " + res + " to "
                    + (res >> layers) + " pixels, too few for the 4x4 patch logits: use vae.disc.layers <= "
                    + (31 - Integer.numberOfLeadingZeros(res) - 1));
        }
    }

    /** The DiT cuts the latent into p x p patches. */
    private static void checkDit(DitConfig d, int latent, int res, int f) {
        int p = d.arch().patch();
        if (latent % p != 0) {
            throw new ConfigException("unet.model.dit.size " + d.size() + " cuts the latent into " + p + "x" + p
                    + " patches, but the latent is " + latent + "x" + latent + " (data.resolution " + res + " / " + f
                    + "): choose a size with a patch dividing " + latent + ", or a data.resolution that is a multiple of "
                    + f * p);
        }
    }

    private static void checkUnet(UnetConfig u, int latent, int res, int f) {
        int levels = u.multipliers().size();
        int unetFactor = UnetLayout.downsampleFactor(u);
        if (latent % unetFactor != 0) {
            int p = u.patchSize();
            String fix = latent % p != 0
                    ? "use a unet.model.patchSize dividing " + latent
                    : "use at most " + (Integer.numberOfTrailingZeros(latent / p) + 1) + " unet.model.multipliers"
                            + (p > 1 ? " or a smaller unet.model.patchSize" : "");
            throw new ConfigException("unet.model.multipliers " + u.multipliers() + " has " + levels + " levels, which halve "
                    + "the latent " + (levels - 1) + " times" + (p > 1 ? " after unet.model.patchSize " + p : "")
                    + ", but the latent is " + latent + "x" + latent + " (data.resolution " + res + " / " + f + "): "
                    + fix + ", or a data.resolution that is a multiple of " + f * unetFactor);
        }
        List<Integer> sizes = UnetLayout.of(u, latent).sizes(); // also: headChannels divides every width with attention
        for (int a : u.attentionResolutions()) {
            if (!sizes.contains(a)) {
                throw new ConfigException("unet.model.attentionResolutions contains " + a + " but the UNet's feature maps are "
                        + sizes + " (latent " + latent + " = data.resolution " + res + " / " + f + "): use sizes from "
                        + sizes + " in unet.model.attentionResolutions");
            }
        }
    }
}
