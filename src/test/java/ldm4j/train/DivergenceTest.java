package ldm4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import ldm4j.torch.StepScope;
import ldm4j.torch.Tensors;
import org.junit.jupiter.api.Test;

class DivergenceTest {

    @Test
    void withACheckpointItAdvisesResumingWithALowerLr() {
        assertEquals("training diverged: kl = NaN at step 42; last good checkpoint: ck/step-00000040.safetensors "
                        + "(continue from it with --resume, e.g. with a lower --set vae.train.lr=...)",
                Divergence.message("kl = NaN", 42, Path.of("ck/step-00000040.safetensors"), "--set vae.train.lr", null));
    }

    @Test
    void withoutACheckpointItDoesNotSayContinueFromIt() {
        String m = Divergence.message("loss = NaN", 3, null, "--set unet.train.lr", null);
        assertEquals("training diverged: loss = NaN at step 3; no checkpoint was saved before it (last good checkpoint: none); "
                + "start again with a lower --set unet.train.lr=...", m);
        assertFalse(m.contains("continue from it"));
    }

    @Test
    void nanInTheBatchIsNamedInsteadOfTheLr() {
        try (StepScope s = StepScope.open()) {
            assertFalse(Divergence.hasNonFinite(Tensors.fromFloats(new float[]{1, 2}, 2)));
            assertTrue(Divergence.hasNonFinite(Tensors.fromFloats(new float[]{1, 2}, 2), Tensors.fromFloats(new float[]{Float.NaN}, 1)));
            assertTrue(Divergence.hasNonFinite(Tensors.fromFloats(new float[]{Float.NEGATIVE_INFINITY}, 1)));
        }
        String m = Divergence.message("loss = NaN", 7, Path.of("ck/last.safetensors"), "--set unet.train.lr",
                "the latent cache runs/x/latents: rebuild it with 'bin/ldm4j encode --run runs/x'");
        assertEquals("training stopped at step 7: loss = NaN because the batch itself holds NaN or infinite values, from the "
                + "latent cache runs/x/latents: rebuild it with 'bin/ldm4j encode --run runs/x' (a lower learning rate would "
                + "not help)", m);
        assertFalse(m.contains("lower --set"));
    }
}
