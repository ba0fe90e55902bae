package ldm4j.config;

/**
 * Diffusion training objective: v-prediction on the continuous cosine schedule.
 *
 * @param labelDropout probability of replacing the class by the null class (classifier-free guidance)
 * @param loss         {@code v-mse} (plain) or {@code min-snr} (Hang et al. 2023, weight min(SNR, gamma) / (SNR + 1))
 * @param minSnrGamma  gamma of the min-SNR weighting
 */
public record DiffusionConfig(double labelDropout, String loss, double minSnrGamma) {
    public DiffusionConfig {
        Check.range("unet.diffusion.labelDropout", labelDropout, 0, 1);
        Check.oneOf("unet.diffusion.loss", loss, "v-mse", "min-snr");
        Check.range("unet.diffusion.minSnrGamma", minSnrGamma, 0.01, 1000);
    }
}
