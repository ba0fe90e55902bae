package ldm4j.diffusion;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * The v-parametrisation (Salimans &amp; Ho 2022, eq. 9 onwards) for a VP schedule:
 * {@code v = alpha eps - sigma x0}, hence {@code x0 = alpha x_t - sigma v} and
 * {@code eps = sigma x_t + alpha v}. Pure functions; alpha and sigma are doubles so the schedule
 * math stays in double precision whatever the tensors' dtype.
 */
public final class VPrediction {
    private VPrediction() {
    }

    /** Training target {@code v = alpha eps - sigma x0}, per-sample alpha/sigma of shape (B, 1, 1, 1). */
    public static Tensor target(Tensor x0, Tensor eps, Tensor alpha, Tensor sigma) {
        return alpha.mul(eps).sub(sigma.mul(x0));
    }

    /** Noised sample {@code x_t = alpha x0 + sigma eps}. */
    public static Tensor noised(Tensor x0, Tensor eps, Tensor alpha, Tensor sigma) {
        return alpha.mul(x0).add(sigma.mul(eps));
    }

    public static Tensor x0(Tensor xt, Tensor v, double alpha, double sigma) {
        return xt.mul(new Scalar(alpha)).sub(v.mul(new Scalar(sigma)));
    }

    public static Tensor eps(Tensor xt, Tensor v, double alpha, double sigma) {
        return xt.mul(new Scalar(sigma)).add(v.mul(new Scalar(alpha)));
    }

    /** v from an x0 prediction (for analytic denoisers). */
    public static Tensor vFromX0(Tensor xt, Tensor x0, double alpha, double sigma) {
        // eps = (x_t - alpha x0) / sigma ; v = alpha eps - sigma x0
        Tensor eps = xt.sub(x0.mul(new Scalar(alpha))).div(new Scalar(sigma));
        return eps.mul(new Scalar(alpha)).sub(x0.mul(new Scalar(sigma)));
    }
}
