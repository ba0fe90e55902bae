package ldm4j.config;

/**
 * VAE-GAN generator and discriminator losses. The generator minimises
 * {@code rec + klWeight(t) * KL + advWeight(t) * adv + fmWeight(t) * FM} where {@code rec} is the
 * MSE (plus {@code l1Weight} x L1), KL is per latent element, and the adversarial and
 * feature-matching weights ramp linearly from 0 after {@code advStart} over {@code advWarmup} steps.
 *
 * <p>{@code instanceNoise} (Sonderby et al. 2017, "Amortised MAP inference for image super-resolution",
 * section 3.1; Arjovsky &amp; Bottou 2017): the standard deviation, on the [-1, 1] pixel scale, of
 * Gaussian noise added to every image the discriminator sees, real and reconstructed alike (one draw
 * per step, shared by the pair). It hides the faint high-frequency differences by which a patch
 * discriminator otherwise separates near-perfect reconstructions outright; 0 disables it.
 */
public record VaeLossConfig(double l1Weight, double klWeight, long klWarmup, double advWeight, double fmWeight,
                            long advStart, long advWarmup, String discLoss, double instanceNoise) {
    public VaeLossConfig {
        Check.range("vae.loss.l1Weight", l1Weight, 0, 100);
        Check.range("vae.loss.klWeight", klWeight, 0, 100);
        Check.range("vae.loss.klWarmup", klWarmup, 0, Long.MAX_VALUE);
        Check.range("vae.loss.advWeight", advWeight, 0, 100);
        Check.range("vae.loss.fmWeight", fmWeight, 0, 100);
        Check.range("vae.loss.advStart", advStart, 0, Long.MAX_VALUE);
        Check.range("vae.loss.advWarmup", advWarmup, 0, Long.MAX_VALUE);
        Check.oneOf("vae.loss.discLoss", discLoss, "hinge", "non-saturating");
        Check.range("vae.loss.instanceNoise", instanceNoise, 0, 10);
    }
}
