/**
 * The root package: {@link ldm4j.LatentDiffusion}, the Java API that loads a trained run and generates
 * class-conditional images (Layer: sampling and evaluation, beside {@code sample} and {@code eval}), and
 * {@link ldm4j.LdmException}, the error whose message the command line prints as {@code ldm4j: error: ...}
 * (Layer: foundations: every package may throw it). The packages below are the layers of the README's
 * architecture table; each uses only its own layer and the layers above it, which {@code ArchitectureTest}
 * checks.
 */
package ldm4j;
