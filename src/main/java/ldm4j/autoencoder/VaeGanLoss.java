package ldm4j.autoencoder;

import java.util.List;

import ldm4j.config.VaeLossConfig;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The VAE-GAN objective of the LDM autoencoder (Rombach et al. 2022, appendix G; Esser et al. 2021):
 * the generator (autoencoder) and the discriminator losses are separate calls, pure functions of
 * tensors; nothing here holds state beyond the config. The loss weights at a step come from the
 * static schedules {@link #klWeight} and {@link #advRamp}.
 *
 * <p>Generator: {@code total = rec + klWeight * KL + advWeight * adv + fmWeight * FM} with
 * {@code rec = MSE + l1Weight * L1} (means over all pixels), KL per latent element
 * ({@link DiagonalGaussian#kl()}, Kingma &amp; Welling 2014), the adversarial term on the fake logits
 * and feature matching {@code FM = mean_k mean |D_k(x) - D_k(xhat)|} over the discriminator's blocks
 * (Salimans et al. 2016; Larsen et al. 2016).
 */
public final class VaeGanLoss {
    /** Scalar tensors; {@code total} is the one to backpropagate. */
    public record GeneratorTerms(Tensor rec, Tensor kl, Tensor adv, Tensor fm, Tensor total) {
    }

    /**
     * The discriminator loss (scalar tensor) and diagnostics: mean logits on real and fake images and
     * the patch accuracy {@code (#(real > 0) + #(fake < 0)) / (2 * numel)}.
     */
    public record DiscTerms(Tensor loss, double meanLogitReal, double meanLogitFake, double accuracy) {
    }

    private final VaeLossConfig config;
    private final boolean hinge;

    public VaeGanLoss(VaeLossConfig config) {
        this.config = config;
        this.hinge = config.discLoss().equals("hinge");
    }

    public VaeLossConfig config() {
        return config;
    }

    /**
     * The generator terms. {@code fakeOut} is the discriminator on {@code xhat} (with gradients to the
     * autoencoder), {@code realFeatures} its features on {@code x} (detached here). Before the
     * adversarial warm-up pass {@code fakeOut = null} (and {@code realFeatures = null}) with zero
     * adversarial and feature-matching weights: the discriminator need not run, adv and fm are 0.
     *
     * @param x    the images, (B, 3, H, W)
     * @param xhat the reconstructions, (B, 3, H, W)
     * @param post the encoder's posterior for x
     */
    public GeneratorTerms generator(Tensor x, Tensor xhat, DiagonalGaussian post, PatchDiscriminator.Output fakeOut,
            List<Tensor> realFeatures, double klWeight, double advWeight, double fmWeight) {
        Tensor rec = torch.mse_loss(xhat, x);                                    // ()
        if (config.l1Weight() != 0) {
            rec = rec.add(torch.l1_loss(xhat, x).mul(new Scalar(config.l1Weight())));
        }
        Tensor kl = post.kl();                                                   // ()
        Tensor adv;
        Tensor fm;
        if (fakeOut == null) {
            if (advWeight != 0 || fmWeight != 0) {
                throw new IllegalArgumentException("the discriminator output is missing (fakeOut = null) but the "
                        + "adversarial/feature-matching weights are " + advWeight + "/" + fmWeight
                        + ": run the discriminator on xhat once advRamp(step) > 0");
            }
            adv = x.new_zeros(new long[0]);
            fm = x.new_zeros(new long[0]);
        } else {
            adv = adversarial(fakeOut.logits());
            if (realFeatures == null) {
                if (fmWeight != 0) {
                    throw new IllegalArgumentException("realFeatures is null but fmWeight is " + fmWeight
                            + ": pass the discriminator's features on the real images");
                }
                fm = x.new_zeros(new long[0]);
            } else {
                fm = featureMatching(realFeatures, fakeOut.features());
            }
        }
        Tensor total = rec.add(kl.mul(new Scalar(klWeight)))
                .add(adv.mul(new Scalar(advWeight)))
                .add(fm.mul(new Scalar(fmWeight)));
        return new GeneratorTerms(rec, kl, adv, fm, total);
    }

    /**
     * Hinge: {@code -mean(D(xhat))} (Lim &amp; Ye 2017; Miyato et al. 2018); non-saturating:
     * {@code mean(softplus(-D(xhat))) = -mean(log sigmoid(D(xhat)))} (Goodfellow et al. 2014).
     */
    private Tensor adversarial(Tensor logitsFake) {
        return hinge ? logitsFake.mean().neg() : torch.softplus(logitsFake.neg()).mean();
    }

    private static Tensor featureMatching(List<Tensor> real, List<Tensor> fake) {
        if (real.size() != fake.size()) {
            throw new IllegalArgumentException("feature matching needs as many real as fake features, got "
                    + real.size() + " and " + fake.size());
        }
        Tensor sum = null;
        for (int k = 0; k < real.size(); k++) {
            Tensor d = real.get(k).detach().sub(fake.get(k)).abs().mean(); // ()
            sum = sum == null ? d : sum.add(d);
        }
        return sum.div(new Scalar((double) real.size()));
    }

    /**
     * The discriminator loss on its logits for real images and (detached) reconstructions.
     * Hinge: {@code mean(relu(1 - real)) + mean(relu(1 + fake))} (Lim &amp; Ye 2017). This is the plain
     * sum, twice the CompVis/taming {@code hinge_d_loss} (which has a 0.5 factor): with Adam the scale
     * hardly matters, but compare loss values with that factor in mind. Non-saturating:
     * {@code mean(softplus(-real)) + mean(softplus(fake))}, the binary cross-entropy of Goodfellow et
     * al. 2014.
     */
    public DiscTerms discriminator(Tensor logitsReal, Tensor logitsFake) {
        Tensor loss;
        if (hinge) {
            loss = torch.relu(logitsReal.neg().add(new Scalar(1.0))).mean()
                    .add(torch.relu(logitsFake.add(new Scalar(1.0))).mean());
        } else {
            loss = torch.softplus(logitsReal.neg()).mean().add(torch.softplus(logitsFake).mean());
        }
        return new DiscTerms(loss, logitsReal.mean().item_double(), logitsFake.mean().item_double(),
                accuracy(logitsReal, logitsFake));
    }

    /** Patch accuracy {@code (#(real > 0) + #(fake < 0)) / (numel(real) + numel(fake))}. */
    public static double accuracy(Tensor logitsReal, Tensor logitsFake) {
        double correct = logitsReal.gt(new Scalar(0.0)).sum().item_double()  // real judged real
                + logitsFake.lt(new Scalar(0.0)).sum().item_double();      // fake judged fake
        return correct / (logitsReal.numel() + logitsFake.numel());
    }

    /** KL weight at {@code step}: linear from 0 to {@code klWeight} over {@code klWarmup} steps. */
    public static double klWeight(long step, VaeLossConfig cfg) {
        if (cfg.klWarmup() == 0) {
            return cfg.klWeight();
        }
        return cfg.klWeight() * Math.min(1.0, Math.max(0, step) / (double) cfg.klWarmup());
    }

    /**
     * Adversarial ramp in [0, 1]: 0 before {@code advStart}, then linear from 0 to 1 over
     * {@code advWarmup} steps (1 at once when advWarmup = 0).
     */
    public static double advRamp(long step, VaeLossConfig cfg) {
        if (step < cfg.advStart()) {
            return 0.0;
        }
        if (cfg.advWarmup() == 0) {
            return 1.0;
        }
        return Math.min(1.0, (step - cfg.advStart()) / (double) cfg.advWarmup());
    }

    /** {@code advWeight * advRamp(step)}. */
    public static double advWeight(long step, VaeLossConfig cfg) {
        return cfg.advWeight() * advRamp(step, cfg);
    }

    /** {@code fmWeight * advRamp(step)}. */
    public static double fmWeight(long step, VaeLossConfig cfg) {
        return cfg.fmWeight() * advRamp(step, cfg);
    }
}
