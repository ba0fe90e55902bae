/**
 * Benchmarks of the trainers' own steps (time, memory, FLOPs counted per module) and the numerical agreement
 * of a training step with the PyTorch twins ({@code bench agree}). Layer: tools. It may use its own layer
 * ({@code report}, {@code bench}, {@code serve}) and every layer above it, from the foundations to {@code
 * sample}, {@code eval} and {@code LatentDiffusion}.
 */
package ldm4j.bench;
