package ldm4j.diffusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import ldm4j.torch.StepScope;
import ldm4j.torch.Tensors;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * The v-parametrisation object: its loss against a hand computation in Java doubles (plain and
 * min-SNR weighted), and the x0 / eps / v identities as property tests over random data and times.
 */
class VDenoiserTest {
    static final NoiseSchedule SCHEDULE = CosineSchedule.standard();
    static final int B = 3, C = 2, H = 2, W = 2, N = C * H * W;

    /** A toy network with a known output: v = 0.5 x_t + 0.1 (y + 1), per element. */
    static final VDenoiser.Network TOY = (xt, t, y) ->
            xt.mul(new Scalar(0.5)).add(y.to(torch.ScalarType.Float).add(new Scalar(1)).mul(new Scalar(0.1)).view(-1, 1, 1, 1));

    /** Per-sample loss computed element by element in doubles; gamma <= 0 means no weighting. */
    static double[] byHand(float[] z0, float[] eps, double[] t, long[] y, double gamma) {
        double[] out = new double[B];
        for (int b = 0; b < B; b++) {
            double a = Math.cos(Math.PI * t[b] / 2);
            double s = Math.sin(Math.PI * t[b] / 2);
            double sum = 0;
            for (int k = 0; k < N; k++) {
                int i = b * N + k;
                double xt = a * z0[i] + s * eps[i];
                double v = 0.5 * xt + 0.1 * (y[b] + 1);
                double target = a * eps[i] - s * z0[i];
                sum += (v - target) * (v - target);
            }
            double snr = (a * a) / (s * s);
            out[b] = sum / N * (gamma > 0 ? Math.min(snr, gamma) / (snr + 1) : 1.0);
        }
        return out;
    }

    static float[] randomFloats(SplittableRandom r, int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) (2 * r.nextDouble() - 1);
        }
        return f;
    }

    @Test
    void lossMatchesAHandComputationWithAndWithoutMinSnr() {
        SplittableRandom r = new SplittableRandom(7);
        float[] z0 = randomFloats(r, B * N);
        float[] eps = randomFloats(r, B * N);
        double[] t = {0.1, 0.5, 0.9};         // SNR about 40, 1 and 0.025: min-SNR(5) clips only the first
        long[] y = {0, 3, 10};
        try (StepScope scope = StepScope.open()) {
            Tensor tz = Tensors.fromFloats(z0, B, C, H, W);
            Tensor te = Tensors.fromFloats(eps, B, C, H, W);
            Tensor tt = Tensors.fromFloats(new float[]{0.1f, 0.5f, 0.9f}, B);
            Tensor ty = Tensors.fromLongs(y, B);
            for (double gamma : new double[]{0, 5, 0.5}) {
                LossWeighting w = gamma > 0 ? new LossWeighting.MinSnr(gamma) : new LossWeighting.Uniform();
                VDenoiser d = new VDenoiser(TOY, SCHEDULE, w);
                // the float32 times differ from the doubles by < 3e-8: far inside the tolerance
                double[] expected = byHand(z0, eps, t, y, gamma);
                float[] got = Tensors.toFloats(d.perSampleLoss(tz, te, tt, ty));
                double mean = 0;
                for (int b = 0; b < B; b++) {
                    assertEquals(expected[b], got[b], 1e-6 * Math.max(1, expected[b]), "gamma " + gamma + ", sample " + b);
                    mean += expected[b] / B;
                }
                assertEquals(mean, d.loss(tz, te, tt, ty).item_double(), 1e-6, "the loss is the mean over the batch");
            }
            double plain = new VDenoiser(TOY, SCHEDULE).loss(tz, te, tt, ty).item_double();
            double weighted = new VDenoiser(TOY, SCHEDULE, LossWeighting.of("min-snr", 5)).loss(tz, te, tt, ty).item_double();
            assertTrue(Math.abs(plain - weighted) > 1e-3, "min-SNR changes the loss: " + plain + " vs " + weighted);
        }
        assertThrows(IllegalArgumentException.class, () -> LossWeighting.of("l1", 5));
        assertThrows(IllegalArgumentException.class, () -> new LossWeighting.MinSnr(0));
    }

    @Test
    void x0EpsAndVIdentitiesHoldAtEveryTime() {
        SplittableRandom r = new SplittableRandom(11);
        try (StepScope scope = StepScope.open()) {
            for (int trial = 0; trial < 20; trial++) {
                torch.manual_seed(trial);
                Tensor x0 = torch.randn(B, C, H, W).mul(new Scalar(1 + 4 * r.nextDouble()));
                Tensor eps = torch.randn(B, C, H, W);
                double t = SCHEDULE.tMin() + (SCHEDULE.tMax() - SCHEDULE.tMin()) * r.nextDouble();
                double a = SCHEDULE.alpha(t);
                double s = SCHEDULE.sigma(t);
                Tensor tt = torch.full(new long[]{B}, new Scalar(t));
                VDenoiser oracle = new VDenoiser((xt, ts, y) -> null, SCHEDULE);
                Tensor xt = oracle.noised(x0, eps, tt);
                Tensor v = oracle.target(x0, eps, tt);
                assertTrue(VDenoiser.x0(xt, v, a, s).sub(x0).abs().max().item_double() < 5e-5, "x0 = alpha x_t - sigma v at t " + t);
                assertTrue(VDenoiser.eps(xt, v, a, s).sub(eps).abs().max().item_double() < 5e-5, "eps = sigma x_t + alpha v at t " + t);
                if (s > 1e-2) { // vFromX0 divides by sigma
                    assertTrue(VDenoiser.vFromX0(xt, x0, a, s).sub(v).abs().max().item_double() < 5e-5 / s,
                            "v from x0 at t " + t);
                }
                // x_t is variance preserving: |x_t|^2 = alpha^2 |x0|^2 + sigma^2 |eps|^2 + cross term, and v is x_t rotated
                Tensor norm2 = xt.pow(new Scalar(2)).add(v.pow(new Scalar(2)));
                Tensor expected = x0.pow(new Scalar(2)).add(eps.pow(new Scalar(2)));
                assertTrue(norm2.sub(expected).abs().max().item_double() < 1e-3, "(x_t, v) is a rotation of (x0, eps)");
            }
        }
    }

    @Test
    void asADenoiserItBroadcastsTimeAndRecoversX0FromAnExactNetwork() {
        try (StepScope scope = StepScope.open()) {
            torch.manual_seed(3);
            Tensor x0 = torch.randn(B, C, H, W);
            Tensor eps = torch.randn(B, C, H, W);
            double t = 0.3;
            List<float[]> times = new ArrayList<>();
            VDenoiser exact = new VDenoiser((xt, ts, y) -> {
                times.add(Tensors.toFloats(ts));
                // the true v for this x0: v = (alpha x_t - x0) / sigma, from x0 = alpha x_t - sigma v
                return xt.mul(new Scalar(SCHEDULE.alpha(t))).sub(x0).div(new Scalar(SCHEDULE.sigma(t)));
            }, SCHEDULE);
            Tensor xt = exact.noised(x0, eps, torch.full(new long[]{B}, new Scalar(t)));
            Tensor v = exact.v(xt, t, torch.zeros(B).to(torch.ScalarType.Long));
            assertFalse(v.isNull(), "the network's output survives the evaluation's scope");
            assertArrayEquals(new float[]{0.3f, 0.3f, 0.3f}, times.get(0), "one float time per sample");
            assertTrue(exact.x0(xt, t, torch.zeros(B).to(torch.ScalarType.Long), SCHEDULE).sub(x0).abs().max().item_double() < 1e-5);
            assertTrue(v.sub(exact.target(x0, eps, torch.full(new long[]{B}, new Scalar(t)))).abs().max().item_double() < 1e-4,
                    "the exact network's v is the training target");
        }
    }
}
