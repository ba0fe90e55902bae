package ldm4j.autoencoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Arrays;

import ldm4j.torch.StepScope;
import ldm4j.torch.Tensors;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class DiagonalGaussianTest {

    static DiagonalGaussian of(float mean, float logvar) {
        float[] m = new float[2 * 4 * 3 * 3];
        float[] l = new float[m.length];
        Arrays.fill(m, mean);
        Arrays.fill(l, logvar);
        return new DiagonalGaussian(Tensors.fromFloats(m, 2, 4, 3, 3), Tensors.fromFloats(l, 2, 4, 3, 3));
    }

    @Test
    void sampleComesFromThePassedGenerator() {
        try (StepScope s = StepScope.open()) {
            DiagonalGaussian q = of(0.5f, 0f);
            float[] a = Tensors.toFloats(q.sample(torch.createCPUGenerator(42)));
            torch.manual_seed(999); // the global generator must not matter
            float[] b = Tensors.toFloats(q.sample(torch.createCPUGenerator(42)));
            float[] c = Tensors.toFloats(q.sample(torch.createCPUGenerator(43)));
            assertArrayEquals(a, b);
            assertFalse(Arrays.equals(a, c), "different seeds give different samples");
            // mean + std * eps with std = 1: the noise is the sample minus the mean
            float[] eps = Tensors.toFloats(torch.randn(new long[]{2, 4, 3, 3},
                    new GeneratorOptional(torch.createCPUGenerator(42)),
                    new TensorOptions(torch.ScalarType.Float)));
            for (int i = 0; i < a.length; i++) {
                assertEquals(0.5f + eps[i], a[i], 1e-6);
            }
            assertArrayEquals(new long[]{2, 4, 3, 3}, Tensors.shape(q.sample(torch.createCPUGenerator(1))));
        }
    }

    @Test
    void sampleWithScalesTheNoiseByStd() {
        try (StepScope s = StepScope.open()) {
            DiagonalGaussian q = of(1f, (float) Math.log(4)); // std 2
            Tensor eps = torch.ones(2, 4, 3, 3);
            for (float v : Tensors.toFloats(q.sampleWith(eps))) {
                assertEquals(3f, v, 1e-6);
            }
            for (float v : Tensors.toFloats(q.std())) {
                assertEquals(2f, v, 1e-6);
            }
            assertArrayEquals(Tensors.toFloats(q.mean()), Tensors.toFloats(q.mode()));
        }
    }

    @Test
    void logvarIsClamped() {
        try (StepScope s = StepScope.open()) {
            for (float v : Tensors.toFloats(of(0f, -100f).logvar())) {
                assertEquals(-30f, v);
            }
            for (float v : Tensors.toFloats(of(0f, 100f).logvar())) {
                assertEquals(20f, v);
            }
            assertEquals(Math.exp(-15), Tensors.toFloats(of(0f, -100f).std())[0], 1e-12);
        }
    }

    @Test
    void klOfTheStandardNormalIsExactlyZero() {
        try (StepScope s = StepScope.open()) {
            DiagonalGaussian q = of(0f, 0f);
            assertEquals(0.0, q.kl().item_double());
            assertArrayEquals(new long[]{2, 4, 3, 3}, Tensors.shape(q.klPerElement()));
            assertArrayEquals(new long[0], Tensors.shape(q.kl()));
            // mean 1, logvar 0: 0.5 * (1 + 1 - 1 - 0) = 0.5; mean 0, logvar ln 2: 0.5 * (2 - 1 - ln 2)
            assertEquals(0.5, of(1f, 0f).kl().item_double(), 1e-7);
            assertEquals(0.5 * (1 - Math.log(2)), of(0f, (float) Math.log(2)).kl().item_double(), 1e-6);
        }
    }
}
