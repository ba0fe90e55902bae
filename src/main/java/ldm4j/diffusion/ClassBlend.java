package ldm4j.diffusion;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * Interpolates between two classes: {@code v = (1 - w) v(x, t, y) + w v(x, t, yB)} with a weight per
 * image ({@code w} of shape (B, 1, 1, 1)). The mixed quantity is the (guided) prediction, so with
 * the initial noise slerped by the same weight a sequence of frames moves from class y to class yB.
 * w = 0 returns the first prediction exactly (and w = 1 the second), up to float rounding.
 */
public record ClassBlend(Denoiser model, Tensor yB, Tensor w) implements Denoiser {
    @Override
    public Tensor v(Tensor x, double t, Tensor y) {
        Tensor a = model.v(x, t, y);                                         // (B, C, H, W)
        Tensor b = model.v(x, t, yB);                                        // (B, C, H, W)
        return a.mul(w.neg().add(new Scalar(1.0))).add(b.mul(w)); // (B, C, H, W)
    }
}
