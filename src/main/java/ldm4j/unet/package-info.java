/**
 * The class-conditional UNet of the diffusion stage, its v-prediction training step and trainer, the
 * held-out v-MSE, {@code unet.safetensors}, and {@code Backbones}, which builds the backbone (UNet or DiT) a
 * config names. Layer: networks and their stages. It may use its own layer ({@code autoencoder}, {@code
 * latents}, {@code unet}, {@code dit}, {@code classifier}) and the layers above it: {@code config}, {@code
 * io}, {@code torch}, {@code nn}, {@code train}, {@code distributed}, {@code data}, {@code diffusion}.
 */
package ldm4j.unet;
