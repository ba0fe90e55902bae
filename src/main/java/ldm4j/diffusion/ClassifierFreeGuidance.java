package ldm4j.diffusion;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.bytedeco.pytorch.global.torch;

/**
 * Classifier-free guidance (Ho &amp; Salimans 2022) as a denoiser wrapper:
 * {@code v = v_null + scale (v_cond - v_null)}, applied to every latent channel. On the CPU the
 * conditional and null-class passes run one after the other on the B images: as fast as one forward on
 * 2B, and a sampling run's peak memory measured 0.52 -> 0.40 GB (tiny preset, batch 100, bf16). On CUDA
 * they run as one batched forward (a GPU is better used by the larger batch). Scale 1 returns the
 * conditional prediction exactly (one pass). With a guidance interval, guidance is applied only for t in [tLow, tHigh]
 * (Kynkäänniemi et al. 2024); outside it the conditional prediction is used.
 */
public record ClassifierFreeGuidance(Denoiser model, double scale, long nullClass, double tLow, double tHigh)
        implements Denoiser {

    public ClassifierFreeGuidance {
        if (!(scale >= 0) || !Double.isFinite(scale)) {
            throw new IllegalArgumentException("guidance scale must be finite and >= 0, got " + scale);
        }
        if (!(tLow <= tHigh)) {
            throw new IllegalArgumentException("guidance interval needs tLow <= tHigh");
        }
    }

    /** Guidance at every step. */
    public static ClassifierFreeGuidance of(Denoiser model, double scale, long nullClass) {
        return new ClassifierFreeGuidance(model, scale, nullClass, 0.0, 1.0);
    }

    @Override
    public Tensor v(Tensor x, double t, Tensor y) {
        if (scale == 1.0 || t < tLow || t > tHigh) {
            return model.v(x, t, y);
        }
        long b = x.size(0);
        Tensor nulls = torch.full(new long[]{b}, new Scalar(nullClass), new TensorOptions(
                ScalarType.Long)).to(y.device(), y.scalar_type());
        Tensor cond;                                                       // (B, C, H, W)
        Tensor uncond;                                                     // (B, C, H, W)
        if (x.is_cuda()) {
            Tensor out = model.v(torch.cat(new TensorVector(x, x), 0), t, torch.cat(new TensorVector(y, nulls), 0)); // (2B, ...)
            cond = out.narrow(0, 0, b);
            uncond = out.narrow(0, b, b);
        } else {
            cond = model.v(x, t, y);
            uncond = model.v(x, t, nulls);
        }
        return uncond.add(cond.sub(uncond).mul(new Scalar(scale)));        // all channels
    }
}
