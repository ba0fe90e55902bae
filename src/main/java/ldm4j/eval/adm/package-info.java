/**
 * The figures of ADM's evaluator (Dhariwal and Nichol, 2021) in float64: FID and sFID statistics, Inception
 * Score, and precision and recall by the k-NN manifold estimator, as {@code evaluations/evaluator.py}
 * computes them. Layer: sampling and evaluation. It may use its own layer ({@code sample}, {@code eval},
 * {@code LatentDiffusion}) and the layers above it: {@code config}, {@code io}, {@code torch}, {@code nn},
 * {@code train}, {@code distributed}, {@code data}, {@code diffusion}, {@code autoencoder}, {@code latents},
 * {@code unet}, {@code dit}, {@code classifier}.
 */
package ldm4j.eval.adm;
