package ldm4j.config;

/**
 * The transformer backbone ({@code unet.model.type = dit}; Peebles &amp; Xie 2023).
 *
 * @param size   a name from {@link DitSizes} (e.g. {@code DiT-S/2}: depth, width, heads and patch size)
 * @param qkNorm LayerNorm on each head's queries and keys before the dot product (Dehghani et al. 2023)
 */
public record DitConfig(String size, boolean qkNorm) {
    public DitConfig {
        DitSizes.get(Check.notNull("unet.model.dit.size", size));
    }

    /** The architecture this config names. */
    public DitSizes.Size arch() {
        return DitSizes.get(size);
    }
}
