package ldm4j.diffusion;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The v-prediction training loss for one batch: given clean (normalised) latents z0, noise eps and
 * per-sample times t, returns the mean squared error between the network's v and the target
 * {@code alpha eps - sigma z0}, optionally weighted by min-SNR (Hang et al. 2023): for
 * v-prediction the weight is {@code min(SNR, gamma) / (SNR + 1)}. alpha and sigma are those of
 * {@link CosineSchedule} (cos and sin of pi t / 2), computed in float64.
 */
public record VLoss(boolean minSnr, double gamma) {

    /** The network as the loss sees it: raw v output for noisy input, times (B,) and labels (B,). */
    @FunctionalInterface
    public interface Network {
        Tensor forward(Tensor xt, Tensor t, Tensor y);
    }

    /** alpha(t) as a (B, 1, 1, 1) float tensor, computed in float64 then cast. */
    public static Tensor alpha(Tensor t) {
        return t.to(torch.ScalarType.Double).mul(new Scalar(Math.PI / 2)).cos().to(torch.ScalarType.Float).view(-1, 1, 1, 1);
    }

    public static Tensor sigma(Tensor t) {
        return t.to(torch.ScalarType.Double).mul(new Scalar(Math.PI / 2)).sin().to(torch.ScalarType.Float).view(-1, 1, 1, 1);
    }

    /** Per-sample loss (B,) (before averaging), for logging per-t curves. */
    public Tensor perSample(Network net, Tensor z0, Tensor eps, Tensor t, Tensor y) {
        Tensor a = alpha(t);                                          // (B, 1, 1, 1)
        Tensor s = sigma(t);
        Tensor xt = VPrediction.noised(z0, eps, a, s);                // (B, C, h, w)
        Tensor target = VPrediction.target(z0, eps, a, s);
        Tensor v = net.forward(xt, t, y).to(torch.ScalarType.Float);  // loss in fp32 even under autocast
        Tensor err = v.sub(target).pow(new Scalar(2)).flatten(1, -1).mean(new long[]{1}, false,
                new org.bytedeco.pytorch.ScalarTypeOptional());       // (B,)
        if (minSnr) {
            Tensor snr = a.pow(new Scalar(2)).div(s.pow(new Scalar(2))).view(-1);
            Tensor w = torch.clamp_max(snr, new Scalar(gamma)).div(snr.add(new Scalar(1)));
            err = err.mul(w);
        }
        return err;
    }

    public Tensor mean(Network net, Tensor z0, Tensor eps, Tensor t, Tensor y) {
        return perSample(net, z0, eps, t, y).mean();
    }
}
