/**
 * The training loop ({@code TrainingLoop}: budget, signals, checkpoints, resume, divergence stop, metrics,
 * progress) and what it needs: the {@code Trainable} a stage gives it, optimisers (AdamW, SGD) and their
 * state, EMA, learning-rate schedules, seeds, gradient clipping and the run folder. Layer: training
 * machinery. It may use its own layer ({@code train}, {@code distributed}) and the layers above it: {@code
 * config}, {@code io}, {@code torch}, {@code nn}.
 */
package ldm4j.train;
