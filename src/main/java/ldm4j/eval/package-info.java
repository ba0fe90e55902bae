/**
 * Evaluation of a run: samples judged by the own classifier (accuracy, Frechet distance, precision and
 * recall) and by Inception features, the reference statistics, and {@code eval.json}. Layer: sampling and
 * evaluation. It may use its own layer ({@code sample}, {@code eval}, {@code LatentDiffusion}) and the
 * layers above it: {@code config}, {@code io}, {@code torch}, {@code nn}, {@code train}, {@code
 * distributed}, {@code data}, {@code diffusion}, {@code autoencoder}, {@code latents}, {@code unet}, {@code
 * dit}, {@code classifier}.
 */
package ldm4j.eval;
