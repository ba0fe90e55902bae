package ldm4j.config;

/**
 * Sampling defaults: the write-up's 50 DDIM steps at guidance scale 5.
 *
 * @param sampler  a {@link SamplerKind} name: {@code ddim}, {@code dpmpp2m} or {@code heun}
 * @param steps    sampler steps
 * @param cfg      classifier-free guidance scale (1 = no guidance)
 * @param eta      DDIM stochasticity (0 = deterministic)
 * @param spacing  time grid: {@code auto} (the sampler's best), {@code uniform-t}, {@code uniform-logsnr} or {@code karras} (Karras et al. rho = 7)
 * @param perClass images per class in a grid
 * @param batchSize images per forward pass
 * @param ema      sample with the EMA weights
 */
public record SampleConfig(String sampler, int steps, double cfg, double eta, String spacing, int perClass,
                           int batchSize, boolean ema) {
    public SampleConfig {
        SamplerKind.of("sample.sampler", sampler);
        Check.range("sample.steps", steps, 1, 10_000);
        Check.range("sample.cfg", cfg, 0, 100);
        Check.range("sample.eta", eta, 0, 1);
        Check.oneOf("sample.spacing", spacing, "auto", "uniform-t", "uniform-logsnr", "karras");
        Check.range("sample.perClass", perClass, 1, 10_000);
        Check.range("sample.batchSize", batchSize, 1, 65536);
    }
}
