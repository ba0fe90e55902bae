package ldm4j.diffusion;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The continuous cosine schedule (Nichol &amp; Dhariwal 2021, in the form of Salimans &amp; Ho 2022):
 * {@code alpha(t) = cos(pi t / 2)}, {@code sigma(t) = sin(pi t / 2)}, so
 * {@code lambda(t) = -2 log tan(pi t / 2)}.
 *
 * <p>We use continuous time rather than the discrete 1000-step table: samplers may then use any
 * number of steps and any time grid (uniform in t or in log-SNR) without rounding to table entries.
 * Time is clamped to [tMin, tMax] so that neither alpha nor sigma reaches 0: at t = 1 alpha = 0 and
 * v-prediction loses the data term, at t = 0 sigma = 0 and log-SNR is infinite (the underflow that
 * broke the write-up's early mixed-precision sampling). The defaults keep |lambda| below about 15.
 */
public record CosineSchedule(double tMin, double tMax) implements NoiseSchedule {

    /** Clamps to log-SNR in about [-15, 15]: t in [3.5e-4, 0.99965]. */
    public static CosineSchedule standard() {
        return new CosineSchedule(timeOf(15.0), timeOf(-15.0));
    }

    public CosineSchedule {
        if (!(tMin > 0 && tMin < tMax && tMax < 1)) {
            throw new IllegalArgumentException("need 0 < tMin < tMax < 1, got " + tMin + ", " + tMax);
        }
    }

    @Override
    public double alpha(double t) {
        return Math.cos(Math.PI * t / 2);
    }

    @Override
    public double sigma(double t) {
        return Math.sin(Math.PI * t / 2);
    }

    @Override
    public Tensor alpha(Tensor t) {
        return t.to(ScalarType.Double).mul(new Scalar(Math.PI / 2)).cos().to(ScalarType.Float); // (B,)
    }

    @Override
    public Tensor sigma(Tensor t) {
        return t.to(ScalarType.Double).mul(new Scalar(Math.PI / 2)).sin().to(ScalarType.Float); // (B,)
    }

    @Override
    public double logSnr(double t) {
        return -2 * Math.log(Math.tan(Math.PI * t / 2));
    }

    @Override
    public double timeAt(double logSnr) {
        return timeOf(logSnr);
    }

    /** Inverse of lambda(t) = -2 log tan(pi t / 2). */
    static double timeOf(double logSnr) {
        return 2 / Math.PI * Math.atan(Math.exp(-logSnr / 2));
    }
}
