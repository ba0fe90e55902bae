/**
 * The data-parallel job: torchrun's environment ({@code DistEnv}), collectives over c10d (Gloo or NCCL) or a
 * single process ({@code Collective}, {@code Ranks}), and heartbeats that name a lost rank. Layer: training
 * machinery. It may use its own layer ({@code train}, {@code distributed}) and the layers above it: {@code
 * config}, {@code io}, {@code torch}, {@code nn}.
 */
package ldm4j.distributed;
