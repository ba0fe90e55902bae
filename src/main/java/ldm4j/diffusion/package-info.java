/**
 * The noise schedule and the v-parametrisation, the training loss weighting, and the samplers as pure
 * functions of a denoiser (DDIM, DPM-Solver++ and the others of {@code config.SamplerKind}) with their time
 * grids, step noise and classifier-free guidance. Layer: diffusion. It may use its own layer ({@code
 * diffusion}) and the layers above it: {@code config}, {@code io}, {@code torch}, {@code nn}, {@code train},
 * {@code distributed}, {@code data}.
 */
package ldm4j.diffusion;
