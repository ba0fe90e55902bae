package ldm4j.config;

/**
 * VAE-GAN optimisation. The run lasts {@code epochs} epochs, or {@code steps} steps if positive.
 * Both models use AdamW with cosine schedules from their peak LR to their floor over the run.
 */
public record VaeTrainConfig(int batchSize, int epochs, long steps, double lr, double lrMin, double discLr,
                             double discLrMin, double beta1, double beta2, double discBeta1, double discBeta2,
                             double weightDecay, double clipNorm, int logEvery, int evalEvery, int evalImages,
                             int finalEvalImages, int checkpointEvery, int keepCheckpoints) {
    public VaeTrainConfig {
        Check.range("vae.train.batchSize", batchSize, 1, 65536);
        Check.range("vae.train.epochs", epochs, 1, 100_000);
        Check.range("vae.train.steps", steps, 0, Long.MAX_VALUE);
        Check.range("vae.train.lr", lr, 0, 1);
        Check.range("vae.train.lrMin", lrMin, 0, lr);
        Check.range("vae.train.discLr", discLr, 0, 1);
        Check.range("vae.train.discLrMin", discLrMin, 0, discLr);
        Check.range("vae.train.beta1", beta1, 0, 0.999999);
        Check.range("vae.train.beta2", beta2, 0, 0.999999);
        Check.range("vae.train.discBeta1", discBeta1, 0, 0.999999);
        Check.range("vae.train.discBeta2", discBeta2, 0, 0.999999);
        Check.range("vae.train.weightDecay", weightDecay, 0, 10);
        Check.range("vae.train.clipNorm", clipNorm, 0, 1e6);
        Check.range("vae.train.logEvery", logEvery, 1, 1_000_000);
        Check.range("vae.train.evalEvery", evalEvery, 1, 100_000_000);
        Check.range("vae.train.evalImages", evalImages, 1, 1_000_000);
        Check.range("vae.train.finalEvalImages", finalEvalImages, 1, 1_000_000);
        Check.range("vae.train.checkpointEvery", checkpointEvery, 1, 100_000_000);
        Check.range("vae.train.keepCheckpoints", keepCheckpoints, 1, 1000);
    }
}
