package ldm4j.config;

/**
 * VAE-GAN generator and discriminator losses. The generator minimises
 * {@code rec + klWeight(t) * KL + advWeight(t) * adv + fmWeight(t) * FM} where {@code rec} is the
 * MSE (plus {@code l1Weight} x L1), KL is per latent element, and the adversarial and
 * feature-matching weights ramp linearly from 0 after {@code advStart} over {@code advWarmup} steps.
 */
public record VaeLossConfig(double l1Weight, double klWeight, long klWarmup, double advWeight, double fmWeight,
                            long advStart, long advWarmup, String discLoss) {
    public VaeLossConfig {
        Check.range("vae.loss.l1Weight", l1Weight, 0, 100);
        Check.range("vae.loss.klWeight", klWeight, 0, 100);
        Check.range("vae.loss.klWarmup", klWarmup, 0, Long.MAX_VALUE);
        Check.range("vae.loss.advWeight", advWeight, 0, 100);
        Check.range("vae.loss.fmWeight", fmWeight, 0, 100);
        Check.range("vae.loss.advStart", advStart, 0, Long.MAX_VALUE);
        Check.range("vae.loss.advWarmup", advWarmup, 0, Long.MAX_VALUE);
        Check.oneOf("vae.loss.discLoss", discLoss, "hinge", "non-saturating");
    }
}
