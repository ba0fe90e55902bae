package ldm4j.diffusion;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * How the per-sample v-prediction errors are weighted before averaging: uniformly (plain v-MSE) or
 * with min-SNR-gamma (Hang et al. 2023), whose weight for v-prediction is {@code min(SNR, gamma) / (SNR + 1)}.
 */
public sealed interface LossWeighting {

    /** The per-sample errors (B,) weighted, given the per-sample SNR = alpha^2 / sigma^2 (B,). */
    Tensor apply(Tensor err, Tensor snr);

    /** Plain v-MSE: the errors as they are. */
    record Uniform() implements LossWeighting {
        @Override
        public Tensor apply(Tensor err, Tensor snr) {
            return err;
        }
    }

    /** Min-SNR-gamma: {@code err * min(SNR, gamma) / (SNR + 1)}. */
    record MinSnr(double gamma) implements LossWeighting {
        public MinSnr {
            if (!(gamma > 0) || !Double.isFinite(gamma)) {
                throw new IllegalArgumentException("min-SNR gamma must be finite and > 0, got " + gamma);
            }
        }

        @Override
        public Tensor apply(Tensor err, Tensor snr) {
            return err.mul(torch.clamp_max(snr, new Scalar(gamma)).div(snr.add(new Scalar(1)))); // (B,)
        }
    }

    /** By the config's name: {@code v-mse} or {@code min-snr} (with {@code gamma}). */
    static LossWeighting of(String loss, double gamma) {
        return switch (loss) {
            case "v-mse" -> new Uniform();
            case "min-snr" -> new MinSnr(gamma);
            default -> throw new IllegalArgumentException("unknown loss '" + loss + "': expected v-mse or min-snr");
        };
    }
}
