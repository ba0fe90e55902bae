package ldm4j.eval.adm;

import ldm4j.LdmException;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.T_TensorTensor_T;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * ADM's {@code FIDStatistics.frechet_distance} (after TTUR's fid.py), in float64:
 * {@code |mu1 - mu2|^2 + Tr(S1) + Tr(S2) - 2 Tr(sqrtm(S1 S2))}, with its safeguards: when the square
 * root of the (possibly almost singular) product is not finite, {@code eps} = 1e-6 is added to both
 * diagonals and it is taken again; a complex root whose diagonal has an imaginary part above 1e-3 is
 * an error; otherwise the real part is used.
 *
 * <p>scipy's {@code sqrtm} (Schur method) is replaced by the eigendecomposition of the product,
 * {@code S1 S2 = V diag(l) V^-1}, whose principal root is {@code V diag(sqrt(l)) V^-1}: its trace is
 * {@code sum sqrt(l)} (real part), and its diagonal, for the imaginary-part check, is
 * {@code sum_j V_ij sqrt(l_j) (V^-1)_ji}. Both methods give the same principal root of a
 * diagonalisable matrix; the committed fixtures bound the difference on full-rank and rank-deficient
 * covariances (scripts/fixtures/make_adm_metric_fixtures.py).
 */
public final class FrechetDistanceAdm {
    static final double EPS = 1e-6;
    static final double IMAGINARY_TOLERANCE = 1e-3;

    private FrechetDistanceAdm() {
    }

    public static double between(FidStatistics a, FidStatistics b) {
        if (a.dim() != b.dim()) {
            throw new LdmException("the two feature statistics have different dimensions (" + a.dim() + " and " + b.dim()
                    + "): compare features of the same extractor and layer");
        }
        Tensor diff = a.mu().sub(b.mu());
        double meanTerm = diff.dot(diff).item_double();
        Tensor s1 = a.sigma();
        Tensor s2 = b.sigma();
        double[] root = traceSqrtm(s1.matmul(s2));                                   // {Re tr, max |Im diag|, finite}
        if (root[2] == 0) {
            Tensor offset = FidStatistics.eye(a.dim()).mul(new Scalar(EPS));
            root = traceSqrtm(s1.add(offset).matmul(s2.add(offset)));
        }
        if (root[1] > IMAGINARY_TOLERANCE) {
            throw new LdmException("the Frechet distance's matrix square root has an imaginary component " + root[1]
                    + " (ADM's check): the covariances are too degenerate; use more samples than feature dimensions");
        }
        return meanTerm + s1.trace().item_double() + s2.trace().item_double() - 2 * root[0];
    }

    /**
     * For a square float64 matrix A: {real part of tr sqrtm(A), largest |imaginary part| on the diagonal
     * of sqrtm(A), 1 if sqrtm(A) is finite else 0}.
     */
    static double[] traceSqrtm(Tensor a) {
        T_TensorTensor_T e = torch.linalg_eig(a);
        Tensor lambda = e.get0();                                                    // (D,) complex128
        Tensor v = e.get1();                                                         // (D, D) complex128
        Tensor s = lambda.sqrt();                                                    // principal branch
        Tensor vInv = torch.linalg_inv(v);                                           // (D, D)
        Tensor diag = v.mul(s.unsqueeze(0)).mul(vInv.t()).sum(new long[]{1});       // (D,): diag(V diag(s) V^-1)
        boolean finite = torch.isfinite(torch.view_as_real(diag)).all().item_bool()
                && torch.isfinite(torch.view_as_real(s)).all().item_bool();
        double trace = torch.real(s).sum().item_double();
        double imag = torch.imag(diag).abs().max().item_double();
        return new double[]{trace, imag, finite ? 1 : 0};
    }
}
