/**
 * The Diffusion Transformer backbone (Peebles and Xie, 2023): patch embedding with fixed sine-cosine
 * positions, adaLN-Zero blocks of attention and MLP, and the final layer, behind {@code nn.Backbone}. Layer:
 * networks and their stages. It may use its own layer ({@code autoencoder}, {@code latents}, {@code unet},
 * {@code dit}, {@code classifier}) and the layers above it: {@code config}, {@code io}, {@code torch},
 * {@code nn}, {@code train}, {@code distributed}, {@code data}, {@code diffusion}.
 */
package ldm4j.dit;
