package ldm4j.autoencoder;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ldm4j.config.Presets;
import org.junit.jupiter.api.Test;

/** The VAE evaluation and the latent statistics encode in batches no larger than the config's encoder batch. */
class EvalBatchTest {
    @Test
    void batchesAreBoundedByTheEncoderBatchAndTheFormerFixedSizes() {
        int tiny256 = Presets.get("tiny256").latents().batchSize();
        assertEquals(64, tiny256);
        assertEquals(64, VaeEvaluator.batchFor(tiny256));      // not 100 at 256 px
        assertEquals(64, LatentStatistics.batchFor(tiny256));  // not 250 at 256 px
        // the 64-px presets keep their former sizes (tiny: encoder batch 250, seed: 500)
        assertEquals(100, VaeEvaluator.batchFor(Presets.tiny().latents().batchSize()));
        assertEquals(250, LatentStatistics.batchFor(Presets.tiny().latents().batchSize()));
        assertEquals(100, VaeEvaluator.batchFor(Presets.seed().latents().batchSize()));
        assertEquals(250, LatentStatistics.batchFor(Presets.seed().latents().batchSize()));
        assertEquals(1, VaeEvaluator.batchFor(0));
    }
}
