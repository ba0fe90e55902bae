package ldm4j.diffusion;

import ldm4j.torch.BlockScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * Samplers as pure functions of a {@link Denoiser} (k-diffusion style): same signature, no hidden
 * state, randomness passed in. Each integrates from {@code times[0]} (noise, x = x_T) down to
 * {@code times[K]} and returns the sample there. Number of model evaluations: DDIM and
 * DPM-Solver++(2M) K, Heun 2K. Each step runs in its own memory scope and frees the previous
 * step's state, so memory does not grow with K (the caller's x_T is left alone).
 */
public final class Samplers {
    private Samplers() {
    }

    /** The signature every sampler has. */
    @FunctionalInterface
    public interface Sampler {
        Tensor sample(Denoiser d, NoiseSchedule s, Tensor xT, Tensor y, double[] times, StepNoise noise);
    }

    /** The samplers by command-line name. */
    public static Sampler byName(String name, double ddimEta) {
        return switch (name) {
            case "ddim" -> (d, s, x, y, t, n) -> ddim(d, s, x, y, t, ddimEta, n);
            case "dpmpp2m" -> Samplers::dpmpp2m;
            case "heun" -> Samplers::heun;
            default -> throw new IllegalArgumentException("unknown sampler '" + name + "': expected ddim, dpmpp2m or heun");
        };
    }

    /**
     * DDIM (Song et al. 2021, eq. 12) with stochasticity {@code eta} (0 = deterministic).
     * From t to s: {@code x_s = alpha_s x0 + sqrt(sigma_s^2 - c^2) eps + c z} with
     * {@code c = eta (sigma_s / sigma_t) sqrt(1 - alpha_t^2 / alpha_s^2)}.
     */
    public static Tensor ddim(Denoiser d, NoiseSchedule s, Tensor xT, Tensor y, double[] times, double eta,
                              StepNoise noise) {
        Tensor x = xT;
        for (int i = 0; i + 1 < times.length; i++) {
            Tensor xt = x;
            int step = i;
            x = advance(xT, xt, BlockScope.call(() -> ddimStep(d, s, xt, y, times[step], times[step + 1], eta, noise, step)));
        }
        return x;
    }

    private static Tensor ddimStep(Denoiser d, NoiseSchedule s, Tensor x, Tensor y, double t, double u, double eta,
                                   StepNoise noise, int i) {
        double at = s.alpha(t);
        double st = s.sigma(t);
        double au = s.alpha(u);
        double su = s.sigma(u);
        Tensor v = d.v(x, t, y);
        Tensor x0 = VPrediction.x0(x, v, at, st);                                   // (B, C, H, W)
        Tensor eps = VPrediction.eps(x, v, at, st);
        double c = eta == 0 ? 0 : eta * (su / st) * Math.sqrt(Math.max(0, 1 - (at * at) / (au * au)));
        Tensor xs = x0.mul(new Scalar(au)).add(eps.mul(new Scalar(Math.sqrt(Math.max(0, su * su - c * c)))));
        if (c > 0) {
            xs = xs.add(noise.at(i, ldm4j.torch.Tensors.shape(xs)).mul(new Scalar(c)));
        }
        return xs;                                                                  // (B, C, H, W)
    }

    /** The next step's state; frees the previous one unless it is the caller's x_T. */
    private static Tensor advance(Tensor xT, Tensor previous, Tensor next) {
        if (previous != xT && previous != next) {
            BlockScope.free(previous);
        }
        return next;
    }

    /**
     * DPM-Solver++(2M) (Lu et al. 2022, Algorithm 2): second-order multistep in the data
     * prediction, in lambda = log(alpha / sigma); the first step is first order.
     */
    public static Tensor dpmpp2m(Denoiser d, NoiseSchedule s, Tensor xT, Tensor y, double[] times, StepNoise noise) {
        Tensor x = xT;
        Tensor x0Prev = null;
        double hPrev = 0;
        for (int i = 0; i + 1 < times.length; i++) {
            double t = times[i];
            double u = times[i + 1];
            double lt = s.logSnr(t) / 2;                                           // lambda = log(alpha / sigma)
            double lu = s.logSnr(u) / 2;
            double h = lu - lt;
            Tensor xt = x;
            Tensor x0 = BlockScope.call(() -> d.x0(xt, t, y, s));                     // (B, C, H, W)
            Tensor prev = x0Prev;
            double r = hPrev / h;
            // x_u = (sigma_u / sigma_t) x_t - alpha_u (e^{-h} - 1) D
            x = advance(xT, xt, BlockScope.call(() -> {
                Tensor dTerm = prev == null ? x0
                        : x0.mul(new Scalar(1 + 1 / (2 * r))).sub(prev.mul(new Scalar(1 / (2 * r))));
                return xt.mul(new Scalar(s.sigma(u) / s.sigma(t))).add(dTerm.mul(new Scalar(-s.alpha(u) * Math.expm1(-h))));
            }));
            BlockScope.free(prev);
            x0Prev = x0;
            hPrev = h;
        }
        return x;
    }

    /**
     * Heun's second-order method on the probability-flow ODE (Karras et al. 2022, Algorithm 1,
     * deterministic), in the variance-exploding coordinates y = x / alpha, sigma~ = sigma / alpha,
     * where dy / dsigma~ = (y - x0) / sigma~.
     */
    public static Tensor heun(Denoiser d, NoiseSchedule s, Tensor xT, Tensor y, double[] times, StepNoise noise) {
        Tensor yv = xT.div(new Scalar(s.alpha(times[0])));
        for (int i = 0; i + 1 < times.length; i++) {
            double t = times[i];
            double u = times[i + 1];
            double kt = s.sigma(t) / s.alpha(t);
            double ku = s.sigma(u) / s.alpha(u);
            Tensor yt = yv;
            yv = advance(xT, yt, BlockScope.call(() -> {
                Tensor x0t = d.x0(yt.mul(new Scalar(s.alpha(t))), t, y, s);
                Tensor slope = yt.sub(x0t).div(new Scalar(kt));
                Tensor euler = yt.add(slope.mul(new Scalar(ku - kt)));
                Tensor x0u = d.x0(euler.mul(new Scalar(s.alpha(u))), u, y, s);
                Tensor slope2 = euler.sub(x0u).div(new Scalar(ku));
                return yt.add(slope.add(slope2).mul(new Scalar((ku - kt) / 2)));
            }));
        }
        return yv.mul(new Scalar(s.alpha(times[times.length - 1])));
    }
}
