package ldm4j.autoencoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ldm4j.torch.StepScope;
import ldm4j.train.Seeds;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class InstanceNoiseTest {
    @Test
    void noiseHasTheRequestedScaleAndComesFromTheGenerator() {
        try (StepScope s = StepScope.open()) {
            Tensor x = torch.zeros(8, 3, 32, 32);
            Tensor a = InstanceNoise.draw(x, 0.25, Seeds.generator(1, Seeds.INSTANCE_NOISE, 7));
            Tensor b = InstanceNoise.draw(x, 0.25, Seeds.generator(1, Seeds.INSTANCE_NOISE, 7));
            Tensor c = InstanceNoise.draw(x, 0.25, Seeds.generator(1, Seeds.INSTANCE_NOISE, 8));
            assertEquals(0.0, a.sub(b).abs().max().item_double(), 0.0, "same (seed, step): same noise");
            assertEquals(0.25, c.std().item_double(), 0.01, "24,576 draws of N(0, 0.25^2)");
            assertEquals(0.0, c.mean().item_double(), 0.01);
            assertEquals(true, a.sub(c).abs().max().item_double() > 0.1, "another step draws other noise");
            Tensor y = torch.ones(8, 3, 32, 32);
            assertEquals(0.0, InstanceNoise.add(y, a).sub(y).sub(a).abs().max().item_double(), 1e-7);
        }
    }

    @Test
    void zeroSigmaIsTheIdentity() {
        try (StepScope s = StepScope.open()) {
            Tensor x = torch.ones(2, 3, 4, 4);
            Tensor n = InstanceNoise.draw(x, 0.0, Seeds.generator(1, Seeds.INSTANCE_NOISE, 0));
            assertNull(n);
            assertSame(x, InstanceNoise.add(x, n));
            assertThrows(IllegalArgumentException.class, () -> InstanceNoise.draw(x, -0.1, Seeds.generator(1, 11, 0)));
        }
    }
}
