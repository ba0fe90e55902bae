package ldm4j.config;

/** The VAE-GAN stage: autoencoder, discriminator, losses and training. */
public record VaeConfig(AutoencoderConfig model, DiscriminatorConfig disc, VaeLossConfig loss, VaeTrainConfig train) {
    public VaeConfig {
        Check.notNull("vae.model", model);
        Check.notNull("vae.disc", disc);
        Check.notNull("vae.loss", loss);
        Check.notNull("vae.train", train);
    }
}
