package ldm4j.eval;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** Mean and covariance of a feature set (N, D), in float64. */
public record FeatureStatistics(Tensor mean, Tensor covariance, long count) {

    /** Unbiased covariance (N - 1 in the denominator), as numpy.cov / the usual FID code. */
    public static FeatureStatistics of(Tensor features) {
        Tensor x = features.to(torch.ScalarType.Double);                     // (N, D)
        long n = x.size(0);
        if (n < 2) {
            throw new IllegalArgumentException("need at least 2 feature vectors for a covariance, got " + n);
        }
        Tensor mu = x.mean(new long[]{0}, false, new ScalarTypeOptional());   // (D,)
        Tensor centred = x.sub(mu);
        Tensor cov = centred.t().matmul(centred).div(new Scalar(n - 1));      // (D, D)
        return new FeatureStatistics(mu, cov, n);
    }
}
