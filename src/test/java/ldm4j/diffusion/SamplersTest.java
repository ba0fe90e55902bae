package ldm4j.diffusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import ldm4j.torch.StepScope;
import ldm4j.torch.Tensors;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Contract and correctness tests for every sampler. For Gaussian data x0 ~ N(mu, s^2) the exact
 * denoiser is known in closed form: E[x0 | x_t] = mu + alpha s^2 / (alpha^2 s^2 + sigma^2) (x_t - alpha mu).
 */
class SamplersTest {
    static final double MU = 0.5;
    static final double S = 0.3;
    static final NoiseSchedule SCHEDULE = CosineSchedule.standard();

    /** The exact v for Gaussian data, per element. */
    static Denoiser gaussian(double mu, double s, NoiseSchedule sch) {
        return (x, t, y) -> {
            double a = sch.alpha(t);
            double g = sch.sigma(t);
            double k = a * s * s / (a * a * s * s + g * g);
            Tensor x0 = x.sub(new Scalar(a * mu)).mul(new Scalar(k)).add(new Scalar(mu));
            return VDenoiser.vFromX0(x, x0, a, g);
        };
    }

    static double[] meanStd(Tensor x) {
        float[] v = Tensors.toFloats(x);
        double m = 0;
        for (float f : v) {
            m += f;
        }
        m /= v.length;
        double var = 0;
        for (float f : v) {
            var += (f - m) * (f - m);
        }
        return new double[]{m, Math.sqrt(var / v.length)};
    }

    /** |std error| of each sampler after `steps` steps, same initial noise. */
    static double stdError(String sampler, int steps, Tensor xT) {
        double[] grid = TimeGrid.of(SCHEDULE, steps, TimeGrid.defaultFor(sampler));
        Tensor out = Samplers.byName(sampler, 0).sample(gaussian(MU, S, SCHEDULE), SCHEDULE, xT,
                torch.zeros(xT.size(0)), grid, StepNoise.none());
        double[] ms = meanStd(out);
        return Math.abs(ms[1] - S) + Math.abs(ms[0] - MU);
    }

    @ParameterizedTest
    @ValueSource(strings = {"ddim", "dpmpp2m", "heun"})
    void matchesGaussianDataAndImprovesWithSteps(String sampler) {
        try (StepScope scope = StepScope.open()) {
            torch.manual_seed(0);
            Tensor xT = torch.randn(16, 4, 16, 16);
            double e5 = stdError(sampler, 5, xT);
            double e20 = stdError(sampler, 20, xT);
            double e200 = stdError(sampler, 200, xT);
            assertTrue(e200 < 0.01, sampler + " error at 200 steps " + e200);
            assertTrue(e200 < e20 && e20 < e5, sampler + ": error must shrink with steps: 5 -> " + e5 + ", 20 -> " + e20
                    + ", 200 -> " + e200);
        }
    }

    @Test
    void dpmSolverBeatsDdimAtEqualSteps() {
        try (StepScope scope = StepScope.open()) {
            torch.manual_seed(1);
            Tensor xT = torch.randn(16, 4, 16, 16);
            for (int steps : new int[]{5, 10, 20, 50}) {
                double ddim = stdError("ddim", steps, xT);
                double dpm = stdError("dpmpp2m", steps, xT);
                assertTrue(dpm < ddim, steps + " steps: dpmpp2m " + dpm + " vs ddim " + ddim);
            }
        }
    }

    /**
     * Memory stays flat in the number of steps: every state a sampler passes to the model is freed
     * once the next exists (its handle is null right after sampling, not at the scope's end), except
     * the caller's x_T; the result and the outputs are intact.
     */
    @ParameterizedTest
    @ValueSource(strings = {"ddim", "dpmpp2m", "heun"})
    void eachStepsStateIsFreedOnceTheNextExists(String sampler) {
        try (StepScope scope = StepScope.open()) {
            torch.manual_seed(4);
            Tensor xT = torch.randn(2, 4, 4, 4);
            List<Tensor> seen = new ArrayList<>();
            Denoiser exact = gaussian(MU, S, SCHEDULE);
            Denoiser recording = (x, t, y) -> {
                seen.add(x);
                return exact.v(x, t, y);
            };
            double[] grid = TimeGrid.of(SCHEDULE, 6, TimeGrid.defaultFor(sampler));
            Tensor out = Samplers.byName(sampler, 0).sample(recording, SCHEDULE, xT, torch.zeros(2), grid,
                    StepNoise.none());
            Tensor reference = Samplers.byName(sampler, 0).sample(exact, SCHEDULE, xT, torch.zeros(2), grid,
                    StepNoise.none());
            assertTrue(seen.size() >= 6, "one model call per step at least");
            assertTrue(!xT.isNull() && !out.isNull(), "the caller's x_T and the result stay allocated");
            long freed = seen.stream().filter(v -> v.isNull()).count();
            // DDIM and DPM-Solver++ pass x_T itself first, then 5 states of their own; Heun passes 2 per step, all its own
            long expected = sampler.equals("heun") ? seen.size() : seen.size() - 1;
            assertEquals(expected, freed, sampler + ": states handed to the model that are freed by the time sampling returns");
            assertEquals(0.0, out.sub(reference).abs().max().item_double(), 0.0, "freeing changes nothing in the result");
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 50, 1000})
    void noNanOrInfAtAnyStepCount(int steps) {
        try (StepScope scope = StepScope.open()) {
            torch.manual_seed(2);
            Tensor xT = torch.randn(2, 4, 4, 4);
            for (TimeGrid.Spacing sp : TimeGrid.Spacing.values()) {
                double[] grid = TimeGrid.of(SCHEDULE, steps, sp);
                assertEquals(steps + 1, grid.length);
                for (int i = 1; i < grid.length; i++) {
                    assertTrue(grid[i] < grid[i - 1], "grid strictly decreasing");
                }
                for (String name : List.of("ddim", "dpmpp2m", "heun")) {
                    Tensor out = Samplers.byName(name, 0).sample(gaussian(MU, S, SCHEDULE), SCHEDULE, xT,
                            torch.zeros(2), grid, StepNoise.none());
                    assertTrue(torch.isfinite(out).all().item_bool(), name + " at " + steps + " steps " + sp);
                }
            }
        }
    }

    @Test
    void stochasticDdimUsesTheGivenNoiseAndStillMatches() {
        try (StepScope scope = StepScope.open()) {
            torch.manual_seed(3);
            Tensor xT = torch.randn(32, 4, 16, 16);
            List<Integer> asked = new ArrayList<>();
            StepNoise noise = (step, shape) -> {
                asked.add(step);
                return torch.randn(shape);
            };
            double[] grid = TimeGrid.of(SCHEDULE, 100, TimeGrid.Spacing.UNIFORM_T);
            Tensor out = Samplers.ddim(gaussian(MU, S, SCHEDULE), SCHEDULE, xT, torch.zeros(32), grid, 1.0, noise);
            double[] ms = meanStd(out);
            assertEquals(MU, ms[0], 0.01);
            assertEquals(S, ms[1], 0.02);
            assertEquals(100, asked.size(), "fresh noise at every step");
            assertThrows(IllegalStateException.class, () -> StepNoise.none().at(0, new long[]{1}));
        }
    }

    @Test
    void scheduleIdentities() {
        for (double t = 0.01; t < 1; t += 0.07) {
            double a = SCHEDULE.alpha(t);
            double s = SCHEDULE.sigma(t);
            assertEquals(1.0, a * a + s * s, 1e-12);
            assertEquals(t, SCHEDULE.timeAt(SCHEDULE.logSnr(t)), 1e-9);
        }
        assertEquals(15.0, SCHEDULE.logSnr(SCHEDULE.tMin()), 1e-6);
        assertEquals(-15.0, SCHEDULE.logSnr(SCHEDULE.tMax()), 1e-6);
        assertTrue(SCHEDULE.alpha(SCHEDULE.tMax()) > 0 && SCHEDULE.sigma(SCHEDULE.tMin()) > 0);
        assertThrows(IllegalArgumentException.class, () -> new CosineSchedule(0, 0.5));
        assertThrows(IllegalArgumentException.class, () -> TimeGrid.of(SCHEDULE, 0, TimeGrid.Spacing.UNIFORM_T));
    }

    @Test
    void guidanceScaleOneIsExactlyConditionalAndCoversAllChannels() {
        try (StepScope scope = StepScope.open()) {
            // A toy model whose output depends on the class in every channel: v = x * (1 + y).
            List<Long> batchSizes = new ArrayList<>();
            Denoiser model = (x, t, y) -> {
                batchSizes.add(x.size(0));
                return x.mul(y.to(torch.ScalarType.Float).add(new Scalar(1)).view(-1, 1, 1, 1));
            };
            Tensor x = torch.randn(2, 4, 3, 3);
            Tensor y = torch.tensor(new long[]{2L, 5L}).to(torch.ScalarType.Long);
            Tensor cond = model.v(x, 0.5, y);
            batchSizes.clear();
            Tensor one = ClassifierFreeGuidance.of(model, 1.0, 10).v(x, 0.5, y);
            assertTrue(torch.equal(one, cond), "scale 1 is exactly the conditional prediction");
            assertEquals(List.of(2L), batchSizes);
            batchSizes.clear();
            Tensor g = ClassifierFreeGuidance.of(model, 5.0, 10).v(x, 0.5, y);
            assertEquals(List.of(2L, 2L), batchSizes, "on the CPU: a conditional and a null-class forward on B each");
            Tensor uncond = x.mul(new Scalar(11));
            Tensor expected = uncond.add(cond.sub(uncond).mul(new Scalar(5.0)));
            assertTrue(g.sub(expected).abs().max().item_double() < 1e-4);
            for (int c = 0; c < 4; c++) {
                Tensor ch = g.select(1, c).sub(cond.select(1, c)).abs().max();
                assertTrue(ch.item_double() > 0, "guidance changes channel " + c);
            }
            Tensor outside = new ClassifierFreeGuidance(model, 5.0, 10, 0.2, 0.4).v(x, 0.5, y);
            assertTrue(torch.equal(outside, cond), "outside the guidance interval: conditional");
            assertArrayEquals(new long[]{2, 4, 3, 3}, Tensors.shape(g));
        }
    }
}
