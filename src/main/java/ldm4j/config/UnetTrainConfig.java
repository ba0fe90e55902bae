package ldm4j.config;

/**
 * UNet optimisation: AdamW with linear warm-up then cosine decay, gradient clipping, EMA of the
 * weights with a warm-up of the decay ({@code min(emaDecay, (1 + n) / (10 + n))}).
 */
public record UnetTrainConfig(int batchSize, int epochs, long steps, double lr, double lrMin, long warmup,
                              double beta1, double beta2, double weightDecay, double clipNorm, double emaDecay,
                              boolean emaWarmup, int logEvery, int evalEvery, int evalLatents, int checkpointEvery,
                              int keepCheckpoints) {
    public UnetTrainConfig {
        Check.range("unet.train.batchSize", batchSize, 1, 65536);
        Check.range("unet.train.epochs", epochs, 1, 1_000_000);
        Check.range("unet.train.steps", steps, 0, Long.MAX_VALUE);
        Check.range("unet.train.lr", lr, 0, 1);
        Check.range("unet.train.lrMin", lrMin, 0, lr);
        Check.range("unet.train.warmup", warmup, 0, Long.MAX_VALUE);
        Check.range("unet.train.beta1", beta1, 0, 0.999999);
        Check.range("unet.train.beta2", beta2, 0, 0.999999);
        Check.range("unet.train.weightDecay", weightDecay, 0, 10);
        Check.range("unet.train.clipNorm", clipNorm, 0, 1e6);
        Check.range("unet.train.emaDecay", emaDecay, 0, 0.999999);
        Check.range("unet.train.logEvery", logEvery, 1, 1_000_000);
        Check.range("unet.train.evalEvery", evalEvery, 1, 100_000_000);
        Check.range("unet.train.evalLatents", evalLatents, 1, 1_000_000);
        Check.range("unet.train.checkpointEvery", checkpointEvery, 1, 100_000_000);
        Check.range("unet.train.keepCheckpoints", keepCheckpoints, 1, 1000);
    }
}
