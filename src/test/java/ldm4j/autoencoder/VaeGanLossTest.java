package ldm4j.autoencoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import ldm4j.config.VaeLossConfig;
import ldm4j.torch.StepScope;
import ldm4j.torch.Tensors;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class VaeGanLossTest {
    static VaeLossConfig cfg(String discLoss) {
        return new VaeLossConfig(0.5, 1e-4, 100, 0.1, 0.02, 500, 200, discLoss, 0.0);
    }

    @Test
    void discriminatorAccuracyAndLossOnKnownLogits() {
        try (StepScope s = StepScope.open()) {
            Tensor real = Tensors.fromFloats(new float[]{2f, 0.5f, -1f, 0f}, 1, 1, 2, 2);  // 2 judged real (> 0)
            Tensor fake = Tensors.fromFloats(new float[]{-3f, 1f, -0.5f, 0f}, 1, 1, 2, 2); // 2 judged fake (< 0)
            VaeGanLoss.DiscTerms h = new VaeGanLoss(cfg("hinge")).discriminator(real, fake);
            assertEquals(0.5, h.accuracy());
            assertEquals(0.375, h.meanLogitReal(), 1e-7);
            assertEquals(-0.625, h.meanLogitFake(), 1e-7);
            // relu(1 - real) = 0, 0.5, 2, 1 -> 0.875; relu(1 + fake) = 0, 2, 0.5, 1 -> 0.875; no 0.5 factor
            assertEquals(1.75, h.loss().item_double(), 1e-6);
            double ns = new VaeGanLoss(cfg("non-saturating")).discriminator(real, fake).loss().item_double();
            double expected = 0;
            for (float r : new float[]{2f, 0.5f, -1f, 0f}) {
                expected += Math.log1p(Math.exp(-r)) / 4;
            }
            for (float f : new float[]{-3f, 1f, -0.5f, 0f}) {
                expected += Math.log1p(Math.exp(f)) / 4;
            }
            assertEquals(expected, ns, 1e-6);
            Tensor perfectFake = Tensors.fromFloats(new float[]{-1f, -1f, -1f, -1f}, 1, 1, 2, 2);
            Tensor perfectReal = Tensors.fromFloats(new float[]{1f, 1f, 1f, 1f}, 1, 1, 2, 2);
            assertEquals(1.0, new VaeGanLoss(cfg("hinge")).discriminator(perfectReal, perfectFake).accuracy());
            assertEquals(0.0, new VaeGanLoss(cfg("hinge")).discriminator(perfectReal, perfectFake).loss().item_double());
        }
    }

    @Test
    void generatorWithoutDiscriminatorBeforeWarmup() {
        try (StepScope s = StepScope.open()) {
            Tensor x = torch.zeros(1, 3, 4, 4);
            Tensor xhat = torch.ones(1, 3, 4, 4).mul(new Scalar(0.5)); // MSE 0.25, L1 0.5
            DiagonalGaussian post = DiagonalGaussianTest.of(1f, 0f);                       // KL 0.5
            VaeGanLoss loss = new VaeGanLoss(cfg("hinge"));
            VaeGanLoss.GeneratorTerms t = loss.generator(x, xhat, post, null, null, 0.1, 0, 0);
            assertEquals(0.5, t.rec().item_double(), 1e-7); // 0.25 + 0.5 * 0.5
            assertEquals(0.5, t.kl().item_double(), 1e-7);
            assertEquals(0.0, t.adv().item_double());
            assertEquals(0.0, t.fm().item_double());
            assertEquals(0.55, t.total().item_double(), 1e-6);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> loss.generator(x, xhat, post, null, null, 0.1, 0.5, 0));
            assertTrue(e.getMessage().contains("fakeOut = null"), e.getMessage());
            // with a (fake) discriminator output: hinge adv = -mean(logits), fm = mean over layers
            PatchDiscriminator.Output fake = new PatchDiscriminator.Output(
                    Tensors.fromFloats(new float[]{1f, -3f}, 1, 1, 1, 2),
                    List.of(torch.ones(1, 2, 2, 2), torch.zeros(1, 1, 1, 1)));
            List<Tensor> realFeatures = List.of(torch.zeros(1, 2, 2, 2), torch.ones(1, 1, 1, 1).mul(new Scalar(3.0)));
            VaeGanLoss.GeneratorTerms a = loss.generator(x, xhat, post, fake, realFeatures, 0.1, 0.5, 2);
            assertEquals(1.0, a.adv().item_double(), 1e-7);
            assertEquals(2.0, a.fm().item_double(), 1e-7); // (1 + 3) / 2
            assertEquals(0.55 + 0.5 + 4, a.total().item_double(), 1e-6);
            VaeGanLoss.GeneratorTerms n = new VaeGanLoss(cfg("non-saturating")).generator(x, xhat, post, fake, realFeatures, 0, 1, 0);
            assertEquals((Math.log1p(Math.exp(-1)) + Math.log1p(Math.exp(3))) / 2, n.adv().item_double(), 1e-6);
        }
    }

    @Test
    void warmupSchedulesAtTheirBoundaries() {
        VaeLossConfig c = cfg("hinge"); // klWeight 1e-4 over 100; adv from 500 over 200
        assertEquals(0.0, VaeGanLoss.klWeight(0, c));
        assertEquals(0.5e-4, VaeGanLoss.klWeight(50, c), 1e-18);
        assertEquals(1e-4, VaeGanLoss.klWeight(100, c));
        assertEquals(1e-4, VaeGanLoss.klWeight(10_000, c));
        VaeLossConfig noWarmup = new VaeLossConfig(0, 1e-4, 0, 0.1, 0.02, 0, 0, "hinge", 0.0);
        assertEquals(1e-4, VaeGanLoss.klWeight(0, noWarmup));
        assertEquals(1.0, VaeGanLoss.advRamp(0, noWarmup));

        assertEquals(0.0, VaeGanLoss.advRamp(0, c));
        assertEquals(0.0, VaeGanLoss.advRamp(499, c));
        assertEquals(0.0, VaeGanLoss.advRamp(500, c));
        assertEquals(0.5, VaeGanLoss.advRamp(600, c));
        assertEquals(1.0, VaeGanLoss.advRamp(700, c));
        assertEquals(1.0, VaeGanLoss.advRamp(5000, c));
        assertEquals(0.05, VaeGanLoss.advWeight(600, c), 1e-12);
        assertEquals(0.01, VaeGanLoss.fmWeight(600, c), 1e-12);
        VaeLossConfig instant = new VaeLossConfig(0, 1e-4, 0, 0.1, 0.02, 500, 0, "hinge", 0.0);
        assertEquals(0.0, VaeGanLoss.advRamp(499, instant));
        assertEquals(1.0, VaeGanLoss.advRamp(500, instant));
    }
}
