package ldm4j.eval;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.T_TensorTensor_T;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Frechet distance between two Gaussians fitted to feature sets (Heusel et al. 2017, the "FID"
 * formula, here in whatever feature space the caller chose):
 * {@code |mu1 - mu2|^2 + Tr(S1) + Tr(S2) - 2 Tr((S1^1/2 S2 S1^1/2)^1/2)}.
 * The matrix square roots use symmetric eigendecompositions in float64 with negative eigenvalues
 * (round-off of singular covariances) clipped to 0, which stays finite for ill-conditioned inputs
 * where scipy's sqrtm needs an epsilon fix.
 */
public final class FrechetDistance {
    private FrechetDistance() {
    }

    public static double between(FeatureStatistics a, FeatureStatistics b) {
        return between(a.mean(), a.covariance(), b.mean(), b.covariance());
    }

    public static double between(Tensor mu1, Tensor cov1, Tensor mu2, Tensor cov2) {
        Tensor m1 = mu1.to(torch.ScalarType.Double);
        Tensor m2 = mu2.to(torch.ScalarType.Double);
        Tensor s1 = symmetric(cov1.to(torch.ScalarType.Double));
        Tensor s2 = symmetric(cov2.to(torch.ScalarType.Double));
        double meanTerm = m1.sub(m2).pow(new Scalar(2)).sum().item_double();
        Tensor root1 = sqrtPsd(s1);                                             // S1^1/2
        Tensor inner = symmetric(root1.matmul(s2).matmul(root1));               // S1^1/2 S2 S1^1/2 (PSD)
        double traceRoot = eigenvalues(inner).clamp_min(new Scalar(0)).sqrt().sum().item_double();
        double d = meanTerm + s1.trace().item_double() + s2.trace().item_double() - 2 * traceRoot;
        return Math.max(d, 0.0); // tiny negative values are round-off
    }

    static Tensor symmetric(Tensor m) {
        return m.add(m.t()).mul(new Scalar(0.5));
    }

    static Tensor eigenvalues(Tensor sym) {
        T_TensorTensor_T e = torch.linalg_eigh(sym);
        return e.get0();
    }

    /** Square root of a symmetric PSD matrix via V diag(sqrt(max(l, 0))) V^T. */
    static Tensor sqrtPsd(Tensor sym) {
        T_TensorTensor_T e = torch.linalg_eigh(sym);
        Tensor l = e.get0().clamp_min(new Scalar(0)).sqrt();                    // (D,)
        Tensor v = e.get1();                                                    // (D, D)
        return v.mul(l.unsqueeze(0)).matmul(v.t());
    }
}
