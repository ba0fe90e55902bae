package ldm4j.diffusion;

import org.bytedeco.pytorch.Tensor;

import ldm4j.config.DiffusionConfig;

/**
 * A variance-preserving noise schedule over continuous time t in [0, 1]:
 * {@code x_t = alpha(t) x_0 + sigma(t) eps} with {@code alpha^2 + sigma^2 = 1}. All math in double
 * (tensors of times too, cast to float32 at the end).
 */
public sealed interface NoiseSchedule permits CosineSchedule {

    /**
     * The schedule of the diffusion stage {@code c} configures: built once per run (trainer, sampler, bench) and
     * passed to everything that needs it: the cosine schedule shifted by {@code unet.diffusion.scheduleShift} (1: none),
     * clamped to log-SNR in [-15, 15] ({@link CosineSchedule#shifted}).
     */
    static NoiseSchedule of(DiffusionConfig c) {
        return CosineSchedule.shifted(c.scheduleShift());
    }

    double alpha(double t);

    double sigma(double t);

    /** alpha at per-sample times t (B,): float32 (B,), computed in float64 then cast (for the training loss). */
    Tensor alpha(Tensor t);

    /** sigma at per-sample times t (B,): float32 (B,), computed in float64 then cast. */
    Tensor sigma(Tensor t);

    /** log-SNR {@code lambda(t) = log(alpha^2 / sigma^2)}, decreasing in t. */
    default double logSnr(double t) {
        return 2 * (Math.log(alpha(t)) - Math.log(sigma(t)));
    }

    /** The time with the given log-SNR (inverse of {@link #logSnr}). */
    double timeAt(double logSnr);

    /** Smallest time used in training and sampling (the clean end, kept away from 0). */
    double tMin();

    /** Largest time used (the noise end, kept away from 1). */
    double tMax();

    /** Clamps t into [tMin, tMax]. */
    default double clamp(double t) {
        return Math.max(tMin(), Math.min(tMax(), t));
    }
}
