package ldm4j.config;

/**
 * The resolved configuration of a run: a preset, overridden by a config file, by {@code --set}
 * entries and by explicit options, in that order. Written to {@code <run>/config.json} and
 * embedded in every checkpoint.
 *
 * @param preset  the preset this config started from
 * @param seed    master seed; every random stream of the run is derived from it
 * @param device  {@code cpu}, {@code cuda} or {@code auto}
 * @param threads libtorch intra-op threads (0 = one per core)
 * @param precision {@code auto}, {@code fp32} or {@code bf16} (autocast) for every forward pass; a
 *                compute setting like {@code threads}, not part of any artifact
 * @param data    data pipeline
 * @param vae     VAE-GAN stage
 * @param latents latent cache
 * @param unet    latent diffusion stage
 * @param sample  sampling defaults
 */
public record Config(String preset, long seed, String device, int threads, String precision, DataConfig data, VaeConfig vae,
                     LatentsConfig latents, UnetStageConfig unet, SampleConfig sample) {
    public Config {
        Check.notBlank("preset", preset);
        Check.range("seed", seed, 0, Long.MAX_VALUE);
        Check.oneOf("device", device, "cpu", "cuda", "auto");
        Check.range("threads", threads, 0, 1024);
        Check.oneOf("precision", precision, "auto", "fp32", "bf16");
        Check.notNull("data", data);
        Check.notNull("vae", vae);
        Check.notNull("latents", latents);
        Check.notNull("unet", unet);
        Check.notNull("sample", sample);
        Compatibility.check(data, vae, unet);
    }
}
