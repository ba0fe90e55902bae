/**
 * The one block library the networks are built from: residual blocks with optional time embedding,
 * self-attention, up- and down-sampling levels, the timestep embedding, module lists and state dicts named
 * as in the PyTorch twins, and the {@code Backbone} interface of the diffusion stage. Layer: blocks. It may
 * use its own layer ({@code nn}) and the layers above it: {@code config}, {@code io}, {@code torch}.
 */
package ldm4j.nn;
