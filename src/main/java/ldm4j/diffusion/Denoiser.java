package ldm4j.diffusion;

import ldm4j.torch.BlockScope;
import org.bytedeco.pytorch.Tensor;

/**
 * What samplers see of a model: the v-prediction at noisy latents {@code x} (B, C, H, W), time
 * {@code t} (the same for the whole batch) and class labels {@code y} (B,). Samplers never see the
 * network, the guidance or the parametrisation behind it (EDM's separation of network and preconditioning);
 * {@link VDenoiser} is the one that wraps the network.
 */
@FunctionalInterface
public interface Denoiser {

    Tensor v(Tensor x, double t, Tensor y);

    /** Clean-data prediction {@code x0 = alpha x - sigma v}, in its own memory scope (v and temporaries freed). */
    default Tensor x0(Tensor x, double t, Tensor y, NoiseSchedule s) {
        return BlockScope.call(() -> VDenoiser.x0(x, v(x, t, y), s.alpha(t), s.sigma(t))); // (B, C, H, W)
    }
}
