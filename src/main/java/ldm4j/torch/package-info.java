/**
 * What is specific to libtorch from Java: memory scopes ({@code StepScope}, {@code BlockScope}), devices,
 * thread counts, the dtype policy ({@code Precision}), CPU features, tensor to array conversions and image
 * grids. Layer: foundations. It may use only the foundations ({@code config}, {@code io}, {@code torch},
 * {@code LdmException}) besides the JDK and the libraries.
 */
package ldm4j.torch;
