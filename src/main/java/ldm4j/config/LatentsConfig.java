package ldm4j.config;

/**
 * The latent cache written by {@code encode}.
 *
 * @param dtype       storage type of the posterior moments: {@code bf16} (half the size) or {@code f32}
 *                    ({@code fp32} is read as {@code f32}, the spelling of {@code precision})
 * @param shardSize   images per safetensors shard
 * @param batchSize   images per encoder batch
 * @param statsImages training images (evenly spaced) whose posterior samples give the latent mean and standard
 *                    deviation stored with the VAE at the end of {@code train-vae}; 0 = all of them
 */
public record LatentsConfig(String dtype, int shardSize, int batchSize, int statsImages) {
    public LatentsConfig {
        dtype = "fp32".equals(dtype) ? "f32" : dtype;
        Check.oneOf("latents.dtype", dtype, "bf16", "f32");
        Check.range("latents.shardSize", shardSize, 1, 1_000_000);
        Check.range("latents.batchSize", batchSize, 1, 65536);
        Check.range("latents.statsImages", statsImages, 0, Integer.MAX_VALUE);
    }
}
