package ldm4j.autoencoder;

import ldm4j.config.AutoencoderConfig;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * The KL-regularised autoencoder of latent diffusion (Rombach et al. 2022, section 3.1): images
 * (B, 3, H, W) to a posterior over latents (B, latentChannels, H/f, W/f) and back. State-dict names
 * start with {@code encoder.} and {@code decoder.}.
 *
 * <p>Create it outside any {@link ldm4j.torch.StepScope} (its weights must outlive the steps).
 */
public final class Autoencoder extends Module {
    private final AutoencoderConfig config;
    private final Encoder encoder;
    private final Decoder decoder;

    public Autoencoder(AutoencoderConfig config) {
        this.config = config;
        this.encoder = register_module("encoder", new Encoder(config));
        this.decoder = register_module("decoder", new Decoder(config));
    }

    public AutoencoderConfig config() {
        return config;
    }

    public Encoder encoder() {
        return encoder;
    }

    public Decoder decoder() {
        return decoder;
    }

    /** (B, 3, H, W) -> q(z|x) over (B, latentChannels, H/f, W/f). */
    public DiagonalGaussian encode(Tensor x) {
        return encoder.forward(x);
    }

    /** (B, latentChannels, h, w) -> (B, 3, h*f, w*f). */
    public Tensor decode(Tensor z) {
        return decoder.forward(z);
    }
}
