package ldm4j.diffusion;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * Spherical linear interpolation (Shoemake 1985) between two noise tensors: keeps the norm of a
 * Gaussian sample where a straight line would shrink it towards the middle (a blurry, washed-out
 * image). {@code w = 0} returns {@code a}, {@code w = 1} returns {@code b}, exactly.
 */
public final class Slerp {
    private Slerp() {
    }

    /** The angle between a and b, from their cosine. */
    public static double angle(Tensor a, Tensor b) {
        double dot = a.flatten().dot(b.flatten()).item_double();
        double na = a.norm().item_double();
        double nb = b.norm().item_double();
        return Math.acos(Math.max(-1, Math.min(1, dot / (na * nb))));
    }

    public static Tensor of(Tensor a, Tensor b, double w) {
        if (w == 0) {
            return a.clone();
        }
        if (w == 1) {
            return b.clone();
        }
        double theta = angle(a, b);
        if (theta < 1e-6) {                                              // parallel: linear is exact enough
            return a.mul(new Scalar(1 - w)).add(b.mul(new Scalar(w)));
        }
        double sin = Math.sin(theta);
        return a.mul(new Scalar(Math.sin((1 - w) * theta) / sin)).add(b.mul(new Scalar(Math.sin(w * theta) / sin)));
    }
}
