package ldm4j.config;

/**
 * Diffusion training objective: v-prediction on the continuous cosine schedule.
 *
 * @param labelDropout  probability of replacing the class by the null class (classifier-free guidance)
 * @param loss          {@code v-mse} (plain) or {@code min-snr} (Hang et al. 2023, weight min(SNR, gamma) / (SNR + 1))
 * @param minSnrGamma   gamma of the min-SNR weighting
 * @param scheduleShift s of the shifted cosine schedule (Hoogeboom et al. 2023): sigma / alpha multiplied by s at every
 *                      time, log-SNR lowered by 2 log s; 1 is the plain cosine schedule, 2 the paper's choice for twice
 *                      the side of the resolution the cosine schedule was made for. Training and sampling use it alike
 */
public record DiffusionConfig(double labelDropout, String loss, double minSnrGamma, double scheduleShift) {
    public DiffusionConfig {
        Check.range("unet.diffusion.labelDropout", labelDropout, 0, 1);
        Check.oneOf("unet.diffusion.loss", loss, "v-mse", "min-snr");
        Check.range("unet.diffusion.minSnrGamma", minSnrGamma, 0.01, 1000);
        Check.range("unet.diffusion.scheduleShift", scheduleShift, 0.125, 16);
    }

    /** The same objective without classifier-free guidance training. */
    public DiffusionConfig withLabelDropout(double p) {
        return new DiffusionConfig(p, loss, minSnrGamma, scheduleShift);
    }
}
