/**
 * Sampling from a trained run: {@code LatentSampler} (noise, sampler over the guided denoiser, decoding),
 * requests and their checks, grids and their PNG settings, SDEdit initial images, regeneration from a PNG,
 * {@code .npz} batches and sampling split across ranks ({@code ShardedSampling}). Layer: sampling and
 * evaluation. It may use its own layer ({@code sample}, {@code eval}, {@code LatentDiffusion}) and the
 * layers above it: {@code config}, {@code io}, {@code torch}, {@code nn}, {@code train}, {@code
 * distributed}, {@code data}, {@code diffusion}, {@code autoencoder}, {@code latents}, {@code unet}, {@code
 * dit}, {@code classifier}.
 */
package ldm4j.sample;
