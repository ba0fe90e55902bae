/**
 * The VAE-GAN of the first stage: encoder, decoder, diagonal Gaussian posterior, patch discriminator and the
 * loss, its training step and trainer, evaluation of reconstructions, the latent statistics used for
 * normalisation, and {@code vae.safetensors}. Layer: networks and their stages. It may use its own layer
 * ({@code autoencoder}, {@code latents}, {@code unet}, {@code dit}, {@code classifier}) and the layers above
 * it: {@code config}, {@code io}, {@code torch}, {@code nn}, {@code train}, {@code distributed}, {@code
 * data}, {@code diffusion}.
 */
package ldm4j.autoencoder;
