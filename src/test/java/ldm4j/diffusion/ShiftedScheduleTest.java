package ldm4j.diffusion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ldm4j.config.DiffusionConfig;
import ldm4j.torch.StepScope;
import ldm4j.torch.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The shifted cosine schedule (Hoogeboom et al. 2023): sigma / alpha is s times the cosine schedule's at every
 * time, so log-SNR is lowered by 2 log s; variance preserving, invertible, clamped to |log-SNR| <= 15, identical to
 * the plain schedule at s = 1, and samplers still reproduce known data on it.
 */
class ShiftedScheduleTest {
    static final CosineSchedule PLAIN = CosineSchedule.standard();

    @ParameterizedTest
    @ValueSource(doubles = {0.5, 2.0, 3.0})
    void logSnrIsLoweredByTwoLogShiftAtEveryTime(double s) {
        CosineSchedule sch = CosineSchedule.shifted(s);
        for (double t = 0.02; t < 0.99; t += 0.06) {
            double a = sch.alpha(t);
            double g = sch.sigma(t);
            assertEquals(1.0, a * a + g * g, 1e-12, "variance preserving at t = " + t);
            assertEquals(s * PLAIN.sigma(t) / PLAIN.alpha(t), g / a, 1e-9 * (1 + g / a), "sigma / alpha at t = " + t);
            assertEquals(PLAIN.logSnr(t) - 2 * Math.log(s), sch.logSnr(t), 1e-9, "log-SNR at t = " + t);
            assertEquals(2 * (Math.log(a) - Math.log(g)), sch.logSnr(t), 1e-9, "log-SNR from alpha and sigma at t = " + t);
            assertEquals(t, sch.timeAt(sch.logSnr(t)), 1e-9, "timeAt inverts logSnr at t = " + t);
        }
        assertEquals(15.0, sch.logSnr(sch.tMin()), 1e-6);
        assertEquals(-15.0, sch.logSnr(sch.tMax()), 1e-6);
        assertTrue(s > 1 ? sch.tMax() < PLAIN.tMax() : sch.tMax() > PLAIN.tMax(), "the noise end moves with the shift");
    }

    @ParameterizedTest
    @ValueSource(doubles = {1.0, 2.0})
    void tensorAlphaAndSigmaMatchTheScalarOnes(double s) {
        CosineSchedule sch = CosineSchedule.shifted(s);
        try (StepScope scope = StepScope.open()) {
            double[] ts = {sch.tMin(), 0.05, 0.3, 0.5, 0.77, 0.95, sch.tMax()};
            float[] tf = new float[ts.length];
            for (int i = 0; i < ts.length; i++) {
                tf[i] = (float) ts[i];
            }
            Tensor t = Tensors.fromFloats(tf, ts.length); // (B,)
            float[] a = Tensors.toFloats(sch.alpha(t));
            float[] g = Tensors.toFloats(sch.sigma(t));
            for (int i = 0; i < ts.length; i++) {
                assertEquals(sch.alpha(tf[i]), a[i], 1e-6, "alpha at " + tf[i]);
                assertEquals(sch.sigma(tf[i]), g[i], 1e-6, "sigma at " + tf[i]);
            }
        }
    }

    @Test
    void shiftOneIsThePlainCosineScheduleExactly() {
        CosineSchedule one = CosineSchedule.shifted(1.0);
        assertEquals(PLAIN, one);
        assertEquals(new CosineSchedule(PLAIN.tMin(), PLAIN.tMax()), one);
        for (double t = 0.01; t < 1; t += 0.07) {
            assertEquals(Math.cos(Math.PI * t / 2), one.alpha(t), 0.0);
            assertEquals(Math.sin(Math.PI * t / 2), one.sigma(t), 0.0);
        }
    }

    @Test
    void samplersReproduceGaussianDataOnAShiftedSchedule() {
        CosineSchedule sch = CosineSchedule.shifted(2.0);
        try (StepScope scope = StepScope.open()) {
            torch.manual_seed(5);
            Tensor xT = torch.randn(16, 4, 16, 16);
            for (String sampler : new String[]{"ddim", "dpmpp2m", "heun"}) {
                double[] grid = TimeGrid.of(sch, 200, TimeGrid.defaultFor(sampler));
                Tensor out = Samplers.byName(sampler, 0).sample(SamplersTest.gaussian(SamplersTest.MU, SamplersTest.S, sch),
                        sch, xT, torch.zeros(16), grid, StepNoise.none());
                double[] ms = SamplersTest.meanStd(out);
                assertEquals(SamplersTest.MU, ms[0], 0.01, sampler + " mean");
                assertEquals(SamplersTest.S, ms[1], 0.01, sampler + " std");
            }
        }
    }

    @Test
    void theConfigChoosesTheShift() {
        NoiseSchedule sch = NoiseSchedule.of(new DiffusionConfig(0.1, "v-mse", 5.0, 2.0));
        assertEquals(PLAIN.logSnr(0.4) - 2 * Math.log(2.0), sch.logSnr(0.4), 1e-12);
        assertEquals(PLAIN, NoiseSchedule.of(new DiffusionConfig(0.1, "v-mse", 5.0, 1.0)));
        assertThrows(IllegalArgumentException.class, () -> CosineSchedule.shifted(0.0));
        assertThrows(ldm4j.config.ConfigException.class, () -> new DiffusionConfig(0.1, "v-mse", 5.0, 100.0));
    }
}
