package ldm4j.autoencoder;

import ldm4j.torch.Tensors;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * Instance noise for the discriminator (Sonderby et al. 2017; Arjovsky &amp; Bottou 2017): Gaussian
 * noise of standard deviation {@code sigma} added to real and reconstructed images alike before the
 * discriminator sees them. Pure functions; the noise comes from the caller's generator.
 */
public final class InstanceNoise {
    private InstanceNoise() {
    }

    /**
     * {@code sigma * N(0, 1)} shaped like {@code like} (B, C, H, W), on its device, or {@code null} when
     * sigma is 0 (no noise, and no draw from the generator).
     */
    public static Tensor draw(Tensor like, double sigma, Generator generator) {
        if (sigma < 0 || !Double.isFinite(sigma)) {
            throw new IllegalArgumentException("instance noise sigma must be finite and >= 0, got " + sigma);
        }
        if (sigma == 0) {
            return null;
        }
        Tensor eps = torch.randn(Tensors.shape(like), new GeneratorOptional(generator),
                new TensorOptions(torch.ScalarType.Float));                   // drawn on the CPU: the same on every device
        return scaled(eps, sigma, like);
    }

    /** {@code sigma * eps} for standard normal {@code eps} drawn by the caller, on {@code like}'s device. */
    public static Tensor scaled(Tensor eps, double sigma, Tensor like) {
        return eps.mul(new Scalar(sigma)).to(like.device(), like.scalar_type()); // (B, C, H, W)
    }

    /** {@code images + noise}, or {@code images} itself when {@code noise} is null. */
    public static Tensor add(Tensor images, Tensor noise) {
        return noise == null ? images : images.add(noise);
    }
}
