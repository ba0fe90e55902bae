/**
 * Datasets (CIFAR-10 binary, image folders, ImageNet layouts, WebDataset tar shards), image decoding checked
 * against PIL, the transforms (ADM's centre crop among them), the prefetching loader and {@code
 * StepBatches}, the batch of step k. Layer: data. It may use its own layer ({@code data}) and the layers
 * above it: {@code config}, {@code io}, {@code torch}, {@code nn}, {@code train}, {@code distributed}.
 */
package ldm4j.data;
