/**
 * The FID variant of Inception-v3 (TensorFlow's 2015-12-05 graph as ported by pytorch-fid and
 * torch-fidelity), its blocks, weights and TF1-style resize. Layer: sampling and evaluation. It may use its
 * own layer ({@code sample}, {@code eval}, {@code LatentDiffusion}) and the layers above it: {@code config},
 * {@code io}, {@code torch}, {@code nn}, {@code train}, {@code distributed}, {@code data}, {@code
 * diffusion}, {@code autoencoder}, {@code latents}, {@code unet}, {@code dit}, {@code classifier}.
 */
package ldm4j.eval.inception;
