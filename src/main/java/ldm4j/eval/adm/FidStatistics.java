package ldm4j.eval.adm;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

import java.util.Arrays;

/**
 * ADM's {@code FIDStatistics}: the mean (D,) and covariance (D, D) of a feature set in float64, the
 * covariance as {@code np.cov(activations, rowvar=False)} (N - 1 in the denominator), or as read from
 * a reference batch's {@code mu}/{@code sigma} (pool features) or {@code mu_s}/{@code sigma_s} (spatial).
 */
public record FidStatistics(Tensor mu, Tensor sigma) {

    public FidStatistics {
        if (mu.dim() != 1 || sigma.dim() != 2 || sigma.size(0) != mu.size(0) || sigma.size(1) != mu.size(0)) {
            throw new IllegalArgumentException("mu " + Arrays.toString(Float64.shape(mu)) + " and sigma "
                    + Arrays.toString(Float64.shape(sigma)) + " do not fit (D,) and (D, D)");
        }
        mu = Float64.cast(mu);
        sigma = Float64.cast(sigma);
    }

    /** ADM's {@code compute_statistics} of activations (N, D). */
    public static FidStatistics of(Tensor activations) {
        Tensor x = Float64.cast(activations);                                        // (N, D)
        long n = x.size(0);
        if (n < 2) {
            throw new IllegalArgumentException("a covariance needs at least 2 feature vectors, got " + n);
        }
        Tensor mu = x.mean(new long[]{0}, false, new ScalarTypeOptional());          // (D,)
        Tensor c = x.sub(mu);                                                        // (N, D)
        return new FidStatistics(mu, c.t().matmul(c).div(new Scalar(n - 1)));        // (D, D)
    }

    public long dim() {
        return mu.size(0);
    }

    /** ADM's {@code frechet_distance} to {@code other} ({@link FrechetDistanceAdm}). */
    public double frechetDistance(FidStatistics other) {
        return FrechetDistanceAdm.between(this, other);
    }

    static Tensor eye(long d) {
        return torch.eye(d, new TensorOptions(torch.ScalarType.Double));
    }
}
