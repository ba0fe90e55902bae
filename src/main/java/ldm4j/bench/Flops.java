package ldm4j.bench;

import ldm4j.config.AutoencoderConfig;
import ldm4j.config.Config;
import ldm4j.config.SamplerKind;
import ldm4j.config.UnetConfig;
import ldm4j.config.VaeConfig;

/**
 * Floating-point operations of one step of each {@code bench} target, from the architecture in the
 * config (matmuls, convolutions and attention, forward and backward, as {@link FlopCounter} counts them;
 * cross-checked against PyTorch's FlopCounterMode by bench/python/flops.py). Pure functions.
 */
public final class Flops {
    private Flops() {
    }

    /**
     * FLOPs of one step of {@code target} at {@code batch} images (the whole batch under data parallelism);
     * {@code sampleSteps} is the sampler's step count (target sample); 0 for the data target.
     */
    public static long of(String target, Config cfg, int batch, int sampleSteps) {
        AutoencoderConfig ae = cfg.vae().model();
        int resolution = cfg.data().resolution();
        int latentSize = resolution / ae.downsampleFactor();
        return switch (target) {
            case "vae" -> vaeStep(cfg.vae(), resolution, batch);
            case "unet" -> unetStep(cfg.unet().model(), ae.latentChannels(), latentSize, batch);
            case "encode" -> encode(ae, resolution, batch);
            case "sample" -> sample(cfg.unet().model(), ae.latentChannels(), latentSize, batch, cfg.sample().sampler(),
                    cfg.sample().cfg(), sampleSteps);
            case "data" -> 0;
            default -> throw new IllegalArgumentException("no FLOP count for bench target '" + target + "'");
        };
    }

    /**
     * {@link ldm4j.autoencoder.VaeGanStep} past the adversarial ramp: encoder and decoder forward and backward
     * (the images need no gradient); the discriminator on real images and on reconstructions, both
     * backpropagated (the reconstructions' pass in the generator's backward, down into the decoder); then
     * on detached reconstructions for the discriminator's own loss (backward with the real pass, neither
     * needing its input's gradient).
     */
    public static long vaeStep(VaeConfig v, int resolution, long batch) {
        FlopCounter f = new FlopCounter(true);
        int latent = ModelFlops.encoder(f, v.model(), batch, resolution, false);
        ModelFlops.decoder(f, v.model(), batch, latent);
        ModelFlops.discriminator(f, v.disc(), batch, resolution, false);    // real
        ModelFlops.discriminator(f, v.disc(), batch, resolution, true);     // reconstructions, for the generator
        ModelFlops.discriminator(f, v.disc(), batch, resolution, false);    // detached reconstructions
        return f.total();
    }

    /**
     * {@link ldm4j.unet.UnetStep}: the backbone's (UNet or DiT) forward and backward (optimizer, clipping and EMA
     * are elementwise).
     */
    public static long unetStep(UnetConfig u, int channels, int latentSize, long batch) {
        FlopCounter f = new FlopCounter(true);
        ModelFlops.backbone(f, u, channels, latentSize, batch);
        return f.total();
    }

    /** The encoder forward (the bench's encode target, as the latent cache computes it). */
    public static long encode(AutoencoderConfig ae, int resolution, long batch) {
        FlopCounter f = new FlopCounter(false);
        ModelFlops.encoder(f, ae, batch, resolution, false);
        return f.total();
    }

    /**
     * One sampling run: {@link #evaluations} UNet forwards, each on 2 x batch with guidance (conditional and
     * null class in one batch; {@link ldm4j.diffusion.ClassifierFreeGuidance}) or on batch at scale 1.
     */
    public static long sample(UnetConfig u, int channels, int latentSize, long batch, String sampler, double guidance,
                              int steps) {
        FlopCounter f = new FlopCounter(false);
        ModelFlops.backbone(f, u, channels, latentSize, guidance == 1.0 ? batch : 2 * batch);
        return evaluations(sampler, steps) * f.total();
    }

    /** Network evaluations of a sampling run of {@code steps} steps ({@link ldm4j.config.SamplerKind#callsPerStep}). */
    public static long evaluations(String sampler, int steps) {
        return (long) SamplerKind.of("sampler", sampler).callsPerStep() * steps;
    }
}
