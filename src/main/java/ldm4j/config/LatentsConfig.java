package ldm4j.config;

/**
 * The latent cache written by {@code encode}.
 *
 * @param dtype     storage type of the posterior moments: {@code bf16} (half the size) or {@code f32}
 * @param shardSize images per safetensors shard
 * @param batchSize images per encoder batch
 */
public record LatentsConfig(String dtype, int shardSize, int batchSize) {
    public LatentsConfig {
        Check.oneOf("latents.dtype", dtype, "bf16", "f32");
        Check.range("latents.shardSize", shardSize, 1, 1_000_000);
        Check.range("latents.batchSize", batchSize, 1, 65536);
    }
}
