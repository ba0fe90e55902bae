/**
 * Validated configuration records (one per section of a run's {@code config.json}), the registries that name
 * choices ({@code SamplerKind}, {@code BackboneType}, {@code DitSizes}), the JSON presets and their
 * resolution with overrides ({@code ConfigResolver}), and the checks across sections ({@code Compatibility},
 * {@code ArtifactSettings}). Layer: foundations. It may use only the foundations ({@code config}, {@code
 * io}, {@code torch}, {@code LdmException}) besides the JDK and the libraries.
 */
package ldm4j.config;
