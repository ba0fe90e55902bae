package ldm4j.config;

/** The latent diffusion stage: network, objective and optimisation. */
public record UnetStageConfig(UnetConfig model, DiffusionConfig diffusion, UnetTrainConfig train) {
    public UnetStageConfig {
        Check.notNull("unet.model", model);
        Check.notNull("unet.diffusion", diffusion);
        Check.notNull("unet.train", train);
    }
}
