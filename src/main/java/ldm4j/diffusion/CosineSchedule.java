package ldm4j.diffusion;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The continuous cosine schedule (Nichol &amp; Dhariwal 2021, in the form of Salimans &amp; Ho 2022):
 * {@code alpha(t) = cos(pi t / 2)}, {@code sigma(t) = sin(pi t / 2)}, so
 * {@code lambda(t) = -2 log tan(pi t / 2)}.
 *
 * <p>With a {@code shift} s other than 1 it is the shifted cosine schedule of Hoogeboom et al. 2023
 * ("simple diffusion"): {@code sigma / alpha = s tan(pi t / 2)}, so {@code lambda(t) = -2 log tan(pi t / 2) - 2 log s}
 * and every time is noisier by the same factor s in the noise-to-signal ratio. The paper shifts by the
 * resolution over a base resolution (s = 2 for twice the side), because a picture with four times the
 * pixels keeps more of its layout readable at the same per-pixel SNR. Stable Diffusion 3's {@code shift}
 * is the same factor for its flow schedule.
 *
 * <p>We use continuous time rather than the discrete 1000-step table: samplers may then use any
 * number of steps and any time grid (uniform in t or in log-SNR) without rounding to table entries.
 * Time is clamped to [tMin, tMax] so that neither alpha nor sigma reaches 0: at t = 1 alpha = 0 and
 * v-prediction loses the data term, at t = 0 sigma = 0 and log-SNR is infinite (the underflow that
 * broke the write-up's early mixed-precision sampling). The defaults keep |lambda| below about 15.
 */
public record CosineSchedule(double tMin, double tMax, double shift) implements NoiseSchedule {

    /** Largest |log-SNR| the clamped times reach. */
    static final double LOG_SNR_LIMIT = 15.0;

    /** Clamps to log-SNR in about [-15, 15]: t in [3.5e-4, 0.99965]. */
    public static CosineSchedule standard() {
        return shifted(1.0);
    }

    /** The cosine schedule with sigma / alpha multiplied by {@code shift}, clamped to log-SNR in about [-15, 15]. */
    public static CosineSchedule shifted(double shift) {
        return new CosineSchedule(timeOf(LOG_SNR_LIMIT, shift), timeOf(-LOG_SNR_LIMIT, shift), shift);
    }

    /** The unshifted schedule clamped to [tMin, tMax]. */
    public CosineSchedule(double tMin, double tMax) {
        this(tMin, tMax, 1.0);
    }

    public CosineSchedule {
        if (!(tMin > 0 && tMin < tMax && tMax < 1)) {
            throw new IllegalArgumentException("need 0 < tMin < tMax < 1, got " + tMin + ", " + tMax);
        }
        if (!(shift > 0) || !Double.isFinite(shift)) {
            throw new IllegalArgumentException("need a positive, finite shift, got " + shift);
        }
    }

    @Override
    public double alpha(double t) {
        if (shift == 1.0) {
            return Math.cos(Math.PI * t / 2);
        }
        double r = shift * Math.tan(Math.PI * t / 2); // sigma / alpha
        return 1 / Math.sqrt(1 + r * r);
    }

    @Override
    public double sigma(double t) {
        if (shift == 1.0) {
            return Math.sin(Math.PI * t / 2);
        }
        double r = shift * Math.tan(Math.PI * t / 2);
        return r / Math.sqrt(1 + r * r);
    }

    @Override
    public Tensor alpha(Tensor t) {
        Tensor half = t.to(ScalarType.Double).mul(new Scalar(Math.PI / 2)); // (B,)
        if (shift == 1.0) {
            return half.cos().to(ScalarType.Float);
        }
        Tensor r = half.tan().mul(new Scalar(shift)); // (B,) sigma / alpha
        return r.mul(r).add(new Scalar(1.0)).rsqrt().to(ScalarType.Float); // (B,)
    }

    @Override
    public Tensor sigma(Tensor t) {
        Tensor half = t.to(ScalarType.Double).mul(new Scalar(Math.PI / 2)); // (B,)
        if (shift == 1.0) {
            return half.sin().to(ScalarType.Float);
        }
        Tensor r = half.tan().mul(new Scalar(shift)); // (B,)
        return r.mul(r.mul(r).add(new Scalar(1.0)).rsqrt()).to(ScalarType.Float); // (B,)
    }

    @Override
    public double logSnr(double t) {
        return -2 * Math.log(Math.tan(Math.PI * t / 2)) - 2 * Math.log(shift);
    }

    @Override
    public double timeAt(double logSnr) {
        return timeOf(logSnr, shift);
    }

    /** Inverse of lambda(t) = -2 log tan(pi t / 2) - 2 log shift. */
    static double timeOf(double logSnr, double shift) {
        return 2 / Math.PI * Math.atan(Math.exp(-logSnr / 2) / shift);
    }
}
