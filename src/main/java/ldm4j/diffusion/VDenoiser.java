package ldm4j.diffusion;

import ldm4j.torch.BlockScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The v-parametrisation (Salimans &amp; Ho 2022, eq. 9 onwards) of a raw network over a variance-preserving
 * {@link NoiseSchedule}, in one object used by the training loss and, as a {@link Denoiser}, by every
 * sampler (k-diffusion's {@code VDenoiser}; EDM's separation of network and preconditioning). With
 * {@code x_t = alpha x0 + sigma eps}:
 * <pre>
 *   v   = alpha eps - sigma x0          the network's target
 *   x0  = alpha x_t - sigma v
 *   eps = sigma x_t + alpha v
 * </pre>
 * Training draws a time per sample and uses the schedule's float64 alpha/sigma; sampling uses one time
 * for the whole batch, each network evaluation in its own memory scope (only the output is kept).
 */
public final class VDenoiser implements Denoiser {

    /** The raw network: output v for noisy input (B, C, H, W), float times (B,) and labels (B,). */
    @FunctionalInterface
    public interface Network {
        Tensor forward(Tensor xt, Tensor t, Tensor y);
    }

    private final Network network;
    private final NoiseSchedule schedule;
    private final LossWeighting weighting;

    /** Plain v-MSE loss. */
    public VDenoiser(Network network, NoiseSchedule schedule) {
        this(network, schedule, new LossWeighting.Uniform());
    }

    public VDenoiser(Network network, NoiseSchedule schedule, LossWeighting weighting) {
        this.network = network;
        this.schedule = schedule;
        this.weighting = weighting;
    }

    public NoiseSchedule schedule() {
        return schedule;
    }

    /**
     * The network's v at noisy latents x (B, C, H, W), one time t for the batch, labels y (B,). The
     * evaluation runs in its own memory scope and keeps only its output: without it a 50-step sampling
     * loop holds every activation of every step until the batch ends (tens of GB).
     */
    @Override
    public Tensor v(Tensor x, double t, Tensor y) {
        return BlockScope.call(() -> {
            Tensor tt = torch.full(new long[]{x.size(0)}, new Scalar(t), new TensorOptions(ScalarType.Float))
                    .to(x.device(), ScalarType.Float);                     // (B,)
            return network.forward(x, tt, y);                              // (B, C, H, W)
        });
    }

    /** {@code x_t = alpha x0 + sigma eps} at per-sample times t (B,). */
    public Tensor noised(Tensor z0, Tensor eps, Tensor t) {
        return noised(z0, eps, alpha(t), sigma(t));
    }

    /** The training target {@code v = alpha eps - sigma x0} at per-sample times t (B,). */
    public Tensor target(Tensor z0, Tensor eps, Tensor t) {
        return target(z0, eps, alpha(t), sigma(t));
    }

    /**
     * The per-sample loss (B,): {@code w(SNR) mean((v(x_t) - v_target)^2)} over C, H, W, with x_t noised
     * from clean latents z0 by eps at times t (B,). In float32 even when the network runs under autocast.
     */
    public Tensor perSampleLoss(Tensor z0, Tensor eps, Tensor t, Tensor y) {
        Tensor a = alpha(t);                                               // (B, 1, 1, 1)
        Tensor s = sigma(t);
        Tensor xt = noised(z0, eps, a, s);                                 // (B, C, h, w)
        Tensor target = target(z0, eps, a, s);                             // (B, C, h, w)
        Tensor v = network.forward(xt, t, y).to(ScalarType.Float);         // (B, C, h, w)
        Tensor err = v.sub(target).pow(new Scalar(2)).flatten(1, -1)
                .mean(new long[]{1}, false, new ScalarTypeOptional());    // (B,)
        Tensor snr = a.pow(new Scalar(2)).div(s.pow(new Scalar(2))).view(-1); // (B,)
        return weighting.apply(err, snr);
    }

    /** The batch loss: the mean of {@link #perSampleLoss}. */
    public Tensor loss(Tensor z0, Tensor eps, Tensor t, Tensor y) {
        return perSampleLoss(z0, eps, t, y).mean();
    }

    private Tensor alpha(Tensor t) {
        return schedule.alpha(t).view(-1, 1, 1, 1);                        // (B, 1, 1, 1)
    }

    private Tensor sigma(Tensor t) {
        return schedule.sigma(t).view(-1, 1, 1, 1);
    }

    private static Tensor noised(Tensor z0, Tensor eps, Tensor alpha, Tensor sigma) {
        return alpha.mul(z0).add(sigma.mul(eps));                          // (B, C, h, w)
    }

    private static Tensor target(Tensor z0, Tensor eps, Tensor alpha, Tensor sigma) {
        return alpha.mul(eps).sub(sigma.mul(z0));                          // (B, C, h, w)
    }

    /** {@code x0 = alpha x_t - sigma v}. */
    public static Tensor x0(Tensor xt, Tensor v, double alpha, double sigma) {
        return xt.mul(new Scalar(alpha)).sub(v.mul(new Scalar(sigma)));
    }

    /** {@code eps = sigma x_t + alpha v}. */
    public static Tensor eps(Tensor xt, Tensor v, double alpha, double sigma) {
        return xt.mul(new Scalar(sigma)).add(v.mul(new Scalar(alpha)));
    }

    /** v from an x0 prediction (for analytic denoisers): {@code v = alpha eps - sigma x0}, eps = (x_t - alpha x0) / sigma. */
    public static Tensor vFromX0(Tensor xt, Tensor x0, double alpha, double sigma) {
        Tensor eps = xt.sub(x0.mul(new Scalar(alpha))).div(new Scalar(sigma));
        return eps.mul(new Scalar(alpha)).sub(x0.mul(new Scalar(sigma)));
    }
}
