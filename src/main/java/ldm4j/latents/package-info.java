/**
 * The latent cache: every image (and its mirror) encoded once into safetensors shards ({@code LatentCache},
 * {@code ShardEncoder}), which rank encodes which shard ({@code ShardPlan}), the cache's checks, and reading
 * it back as a training set ({@code LatentSet}). Layer: networks and their stages. It may use its own layer
 * ({@code autoencoder}, {@code latents}, {@code unet}, {@code dit}, {@code classifier}) and the layers above
 * it: {@code config}, {@code io}, {@code torch}, {@code nn}, {@code train}, {@code distributed}, {@code
 * data}, {@code diffusion}.
 */
package ldm4j.latents;
