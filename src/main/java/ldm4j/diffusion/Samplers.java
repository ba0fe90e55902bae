package ldm4j.diffusion;

import static ldm4j.diffusion.SamplerLoop.stepwise;

import ldm4j.config.SamplerKind;

import ldm4j.diffusion.SamplerLoop.Carried;
import ldm4j.torch.Tensors;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * Samplers as pure functions of a {@link Denoiser} (k-diffusion style): same signature, no hidden
 * state, randomness passed in. Each integrates from {@code times[0]} (noise, x = x_T) down to
 * {@code times[K]} and returns the sample there. Number of model evaluations: DDIM and
 * DPM-Solver++(2M) K, Heun 2K. The loop is {@link SamplerLoop#stepwise}: each step runs in its own
 * memory scope and frees the previous step's state, so memory does not grow with K (the caller's x_T
 * is left alone).
 */
public final class Samplers {
    private Samplers() {
    }

    /** The signature every sampler has. */
    @FunctionalInterface
    public interface Sampler {
        Tensor sample(Denoiser d, NoiseSchedule s, Tensor xT, Tensor y, double[] times, StepNoise noise);
    }

    /** The samplers by name ({@link SamplerKind}); an unknown name is an {@link IllegalArgumentException}. */
    public static Sampler byName(String name, double ddimEta) {
        SamplerKind kind = SamplerKind.find(name).orElseThrow(() -> new IllegalArgumentException("unknown sampler '"
                + name + "': expected one of " + String.join(", ", SamplerKind.keys())));
        return switch (kind) {
            case DDIM -> (d, s, x, y, t, n) -> ddim(d, s, x, y, t, ddimEta, n);
            case DPMPP2M -> Samplers::dpmpp2m;
            case HEUN -> Samplers::heun;
        };
    }

    /**
     * DDIM (Song et al. 2021, eq. 12) with stochasticity {@code eta} (0 = deterministic).
     * From t to u: {@code x_u = alpha_u x0 + sqrt(sigma_u^2 - c^2) eps + c z} with
     * {@code c = eta (sigma_u / sigma_t) sqrt(1 - alpha_t^2 / alpha_u^2)}.
     */
    public static Tensor ddim(Denoiser d, NoiseSchedule s, Tensor xT, Tensor y, double[] times, double eta,
                              StepNoise noise) {
        return stepwise(xT, times, (x, t, u, i) -> {
            double at = s.alpha(t), st = s.sigma(t), au = s.alpha(u), su = s.sigma(u);
            Tensor v = d.v(x, t, y);                                                  // (B, C, H, W)
            Tensor x0 = VDenoiser.x0(x, v, at, st);
            Tensor eps = VDenoiser.eps(x, v, at, st);
            double c = eta == 0 ? 0 : eta * (su / st) * Math.sqrt(Math.max(0, 1 - (at * at) / (au * au)));
            Tensor xu = x0.mul(new Scalar(au)).add(eps.mul(new Scalar(Math.sqrt(Math.max(0, su * su - c * c)))));
            return c > 0 ? xu.add(noise.at(i, Tensors.shape(xu)).mul(new Scalar(c))) : xu; // (B, C, H, W)
        });
    }

    /**
     * DPM-Solver++(2M) (Lu et al. 2022, Algorithm 2): second-order multistep in the data
     * prediction, in lambda = log(alpha / sigma); the first step is first order.
     */
    public static Tensor dpmpp2m(Denoiser d, NoiseSchedule s, Tensor xT, Tensor y, double[] times, StepNoise noise) {
        Carried previous = new Carried();                        // x0 of the previous step (old_denoised)
        return stepwise(xT, times, (x, t, u, i) -> {
            double h = lambda(s, u) - lambda(s, t);
            Tensor x0 = d.x0(x, t, y, s);                                               // (B, C, H, W)
            Tensor dTerm = x0;
            if (i > 0) {
                double r = (lambda(s, t) - lambda(s, times[i - 1])) / h;                // h_{i-1} / h_i
                dTerm = x0.mul(new Scalar(1 + 1 / (2 * r))).sub(previous.get().mul(new Scalar(1 / (2 * r))));
            }
            previous.set(x0);
            // x_u = (sigma_u / sigma_t) x_t - alpha_u (e^{-h} - 1) D
            return x.mul(new Scalar(s.sigma(u) / s.sigma(t))).add(dTerm.mul(new Scalar(-s.alpha(u) * Math.expm1(-h))));
        });
    }

    /** lambda(t) = log(alpha_t / sigma_t), half the log-SNR. */
    private static double lambda(NoiseSchedule s, double t) {
        return s.logSnr(t) / 2;
    }

    /**
     * Heun's second-order method on the probability-flow ODE (Karras et al. 2022, Algorithm 1,
     * deterministic), in the variance-exploding coordinates y = x / alpha, sigma~ = sigma / alpha,
     * where dy / dsigma~ = (y - x0) / sigma~.
     */
    public static Tensor heun(Denoiser d, NoiseSchedule s, Tensor xT, Tensor y, double[] times, StepNoise noise) {
        Tensor y0 = xT.div(new Scalar(s.alpha(times[0])));                             // (B, C, H, W)
        Tensor yK = stepwise(xT, y0, times, (yt, t, u, i) -> {
            double kt = s.sigma(t) / s.alpha(t);
            double ku = s.sigma(u) / s.alpha(u);
            Tensor slope = yt.sub(d.x0(yt.mul(new Scalar(s.alpha(t))), t, y, s)).div(new Scalar(kt));
            Tensor euler = yt.add(slope.mul(new Scalar(ku - kt)));
            Tensor slope2 = euler.sub(d.x0(euler.mul(new Scalar(s.alpha(u))), u, y, s)).div(new Scalar(ku));
            return yt.add(slope.add(slope2).mul(new Scalar((ku - kt) / 2)));
        });
        return yK.mul(new Scalar(s.alpha(times[times.length - 1])));
    }
}
