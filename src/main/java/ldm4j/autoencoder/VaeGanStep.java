package ldm4j.autoencoder;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import ldm4j.config.VaeConfig;
import ldm4j.distributed.Collective;
import ldm4j.nn.StateDict;
import ldm4j.torch.Precision;
import ldm4j.torch.Tensors;
import ldm4j.train.AdamW;
import ldm4j.train.Seeds;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * One VAE-GAN optimisation step (used by the trainer and the benchmarks): encode, sample the
 * posterior (noise from a generator seeded by (seed, step)), decode; generator loss and AdamW step;
 * then, once the adversarial ramp has started, the discriminator's hinge (or non-saturating) loss
 * on real images and detached reconstructions, and its AdamW step. With {@code vae.loss.instanceNoise}
 * > 0 every discriminator input carries the same step's noise ({@link InstanceNoise}); the accuracy
 * it would have on clean images is logged beside as {@code disc_accuracy_clean}.
 */
public final class VaeGanStep {
    private final VaeConfig vc;
    private final long seed;
    private final Device device;
    private final Autoencoder vae;
    private final PatchDiscriminator disc;
    private final AdamW optVae;
    private final AdamW optDisc;
    private final VaeGanLoss loss;
    private final Precision precision;
    private Collective collective = Collective.single();
    private int globalBatch;  // rows of the data-parallel batch; 0: this process trains the whole batch
    private int sliceFrom;    // the first of this rank's rows

    /**
     * The step with freshly initialised models (weights from {@code seed}) and AdamW optimisers with the
     * config's hyperparameters: what the trainer starts from and the benchmark times.
     */
    public static VaeGanStep create(VaeConfig vc, long seed, Device device, Precision precision) {
        torch.manual_seed(seed); // the initial weights
        Autoencoder vae = new Autoencoder(vc.model());
        PatchDiscriminator disc = new PatchDiscriminator(vc.disc());
        vae.to(device, false);
        disc.to(device, false);
        AdamW optVae = new AdamW(vae, vc.train().beta1(), vc.train().beta2(), 1e-8, vc.train().weightDecay());
        AdamW optDisc = new AdamW(disc, vc.train().discBeta1(), vc.train().discBeta2(), 1e-8, vc.train().weightDecay());
        return new VaeGanStep(vc, seed, device, precision, vae, disc, optVae, optDisc);
    }

    public VaeGanStep(VaeConfig vc, long seed, Device device, Precision precision, Autoencoder vae, PatchDiscriminator disc,
                      AdamW optVae, AdamW optDisc) {
        this.vc = vc;
        this.seed = seed;
        this.device = device;
        this.vae = vae;
        this.disc = disc;
        this.optVae = optVae;
        this.optDisc = optDisc;
        this.loss = new VaeGanLoss(vc.loss());
        this.precision = precision;
    }

    /**
     * One optimisation step of both models on images {@code x} (B, 3, H, W) in [-1, 1] (any device);
     * returns the logged numbers. Call inside a step scope. {@code diagnose} adds figures that cost
     * extra work and are only needed on logging steps (the discriminator's accuracy on clean images).
     */
    public Map<String, Double> run(long step, Tensor images, double lrV, double lrD, boolean diagnose) {
        vae.train(true);
        disc.train(true);
        Tensor x = images.to(device, torch.ScalarType.Float);                            // (B, 3, H, W)
        Weights w = Weights.at(step, vc);
        Reconstruction r = reconstruct(step, x);
        Adversary a = w.adversarial() ? adversary(step, x, r.xhat()) : Adversary.NONE;
        VaeGanLoss.GeneratorTerms g = loss.generator(x, r.xhat(), r.posterior(), a.fake(), a.realFeatures(),
                w.kl(), w.adv(), w.fm());
        double gradNorm = gradientStep(optVae, g.total(), lrV);
        Map<String, Double> m = generatorFigures(g, w);
        m.put("grad_norm_vae", gradNorm);
        m.put("lr_vae", lrV);
        if (w.adversarial()) {
            discriminatorStep(x, r.xhat(), a, lrD, diagnose, m);
        }
        m.put("lr_disc", lrD);
        return collective.worldSize() == 1 ? m : collective.average(m);
    }

    /** The loss weights at a step: KL, and the adversarial and feature-matching ones after the ramp. */
    private record Weights(double kl, double adv, double fm, boolean adversarial) {
        static Weights at(long step, VaeConfig vc) {
            double ramp = VaeGanLoss.advRamp(step, vc.loss());
            return new Weights(VaeGanLoss.klWeight(step, vc.loss()), vc.loss().advWeight() * ramp,
                    vc.loss().fmWeight() * ramp, ramp > 0);
        }
    }

    /** The posterior of x (fp32) and the decoded sample xhat (B, 3, H, W), fp32. */
    private record Reconstruction(DiagonalGaussian posterior, Tensor xhat) {
    }

    /** The discriminator on real and reconstructed images, with the step's instance noise (null: none). */
    private record Adversary(PatchDiscriminator.Output real, PatchDiscriminator.Output fake, Tensor noise) {
        static final Adversary NONE = new Adversary(null, null, null);

        List<Tensor> realFeatures() {
            return real == null ? null : real.features(); // detached inside the feature-matching loss
        }
    }

    /** Encode, sample the posterior with the step's noise (sampling and KL in fp32), decode. */
    private Reconstruction reconstruct(long step, Tensor x) {
        DiagonalGaussian post;
        try (AutoCloseable ac = precision.autocast()) {
            post = vae.encode(x);                                                       // (B, 4, h, w)
        } catch (Exception e) {
            throw rethrow(e);
        }
        post = new DiagonalGaussian(post.mean().to(torch.ScalarType.Float), post.logvar().to(torch.ScalarType.Float));
        Tensor eps = normalRows(post.mean(), Seeds.generator(seed, Seeds.POSTERIOR, step))
                .to(device, torch.ScalarType.Float);
        Tensor z = post.sampleWith(eps);
        try (AutoCloseable ac = precision.autocast()) {
            return new Reconstruction(post, vae.decode(z).to(torch.ScalarType.Float));  // (B, 3, H, W)
        } catch (Exception e) {
            throw rethrow(e);
        }
    }

    /** The discriminator on x and xhat, both with one draw of instance noise (B, 3, H, W) when configured. */
    private Adversary adversary(long step, Tensor x, Tensor xhat) {
        double sigma = vc.loss().instanceNoise();
        Tensor noise = sigma == 0 ? null
                : InstanceNoise.scaled(normalRows(x, Seeds.generator(seed, Seeds.INSTANCE_NOISE, step)), sigma, x);
        PatchDiscriminator.Output real = discriminate(InstanceNoise.add(x, noise)); // kept with its graph for the discriminator's step
        return new Adversary(real, discriminate(InstanceNoise.add(xhat, noise)), noise);
    }

    /** Backward of {@code loss}, gradients averaged over the ranks and clipped, one AdamW step; the gradient norm. */
    private double gradientStep(AdamW opt, Tensor loss, double lr) {
        opt.zeroGrad();
        loss.backward();
        collective.averageGradients(opt.parameterList());
        double norm = clip(opt);
        opt.step(lr);
        return norm;
    }

    /** The generator's logged terms, weights and the reconstruction's share of the weighted loss. */
    private static Map<String, Double> generatorFigures(VaeGanLoss.GeneratorTerms g, Weights w) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("loss", g.total().item_double());
        m.put("rec", g.rec().item_double());
        m.put("kl", g.kl().item_double());
        m.put("adv", g.adv().item_double());
        m.put("fm", g.fm().item_double());
        m.put("w_kl", w.kl());
        m.put("w_adv", w.adv());
        m.put("w_fm", w.fm());
        double recPart = Math.abs(m.get("rec"));
        double sum = recPart + Math.abs(w.kl() * m.get("kl")) + Math.abs(w.adv() * m.get("adv"))
                + Math.abs(w.fm() * m.get("fm"));
        m.put("rec_share", recPart / sum);
        return m;
    }

    /**
     * The discriminator's loss on the real logits and on detached reconstructions, its gradient step, and
     * its figures into {@code m}; with {@code diagnose} and instance noise, its accuracy on clean images.
     */
    private void discriminatorStep(Tensor x, Tensor xhat, Adversary a, double lrD, boolean diagnose,
                                   Map<String, Double> m) {
        Tensor fakeDetached = discriminate(InstanceNoise.add(xhat.detach(), a.noise())).logits();
        VaeGanLoss.DiscTerms d = loss.discriminator(a.real().logits(), fakeDetached);
        double dNorm = gradientStep(optDisc, d.loss(), lrD);
        m.put("disc_loss", d.loss().item_double());
        m.put("disc_logit_real", d.meanLogitReal());
        m.put("disc_logit_fake", d.meanLogitFake());
        m.put("disc_accuracy", d.accuracy());
        if (a.noise() != null && diagnose) { // what the discriminator would score without the noise (diagnostic, no gradients)
            try (NoGradGuard ng = new NoGradGuard()) {
                m.put("disc_accuracy_clean", VaeGanLoss.accuracy(discriminate(x).logits(),
                        discriminate(xhat.detach()).logits()));
            }
        }
        m.put("grad_norm_disc", dNorm);
    }

    /** The discriminator under this step's precision; logits and features leave it as fp32 for the losses. */
    private PatchDiscriminator.Output discriminate(Tensor images) {
        PatchDiscriminator.Output o = precision.autocast(() -> disc.forward(images));
        return new PatchDiscriminator.Output(Precision.toFp32(o.logits()), o.features().stream().map(Precision::toFp32).toList());
    }

    private double clip(AdamW opt) {
        double max = vc.train().clipNorm();
        return max > 0 ? torch.clip_grad_norm_(opt.parameters(), max, 2.0, false)
                : torch.clip_grad_norm_(opt.parameters(), Double.MAX_VALUE, 2.0, false);
    }

    private static RuntimeException rethrow(Exception e) {
        return e instanceof RuntimeException r ? r : new IllegalStateException(e);
    }

    /**
     * Makes this the step of one rank of a data-parallel job that trains rows {@code [from, from + n)}
     * of a global batch of {@code globalBatch}: the posterior and instance noise are drawn for the whole
     * batch and sliced (the same numbers as one process), both models start from rank 0's weights, and
     * gradients and logged numbers are averaged over the ranks.
     */
    public VaeGanStep dataParallel(Collective c, int globalBatch, int from) {
        this.collective = c;
        this.globalBatch = globalBatch;
        this.sliceFrom = from;
        c.broadcastParameters(StateDict.tensors(vae).values());
        c.broadcastParameters(StateDict.tensors(disc).values());
        return this;
    }

    /** Draws N(0, 1) for the whole batch (rows of shape {@code like}'s), then keeps this rank's rows. */
    private Tensor normalRows(Tensor like, Generator g) {
        long[] shape = Tensors.shape(like);
        long n = shape[0];
        if (globalBatch > 0) {
            shape[0] = globalBatch;
        }
        Tensor eps = torch.randn(shape, new GeneratorOptional(g), new TensorOptions(torch.ScalarType.Float));
        return globalBatch > 0 ? eps.narrow(0, sliceFrom, n) : eps;
    }

    public Autoencoder vae() {
        return vae;
    }

    public PatchDiscriminator disc() {
        return disc;
    }

    public AdamW optVae() {
        return optVae;
    }

    public AdamW optDisc() {
        return optDisc;
    }
}
