package ldm4j.autoencoder;

import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The encoder's posterior q(z|x) = N(mean, diag(exp(logvar))) (Kingma &amp; Welling 2014, "Auto-Encoding
 * Variational Bayes"), as in the LDM autoencoder (Rombach et al. 2022). All tensors have the latent's
 * shape (B, C, h, w).
 *
 * <p>logvar is clamped to [-30, 20]: {@code exp(-30) ~ 1e-13} keeps std and {@code exp(logvar)} from
 * underflowing to 0 in float32/bf16 (whose log or division would give -inf/NaN gradients), and
 * {@code exp(20) ~ 5e8} keeps them from overflowing to inf early in training when the encoder's
 * output is still arbitrary. The clamp is where gradients stop, which only matters at the extremes.
 */
public final class DiagonalGaussian {
    public static final double LOGVAR_MIN = -30.0;
    public static final double LOGVAR_MAX = 20.0;

    private final Tensor mean;
    private final Tensor logvar;
    private final Tensor std;

    public DiagonalGaussian(Tensor mean, Tensor logvar) {
        this.mean = mean;
        this.logvar = logvar.clamp(new ScalarOptional(new Scalar(LOGVAR_MIN)),
                new ScalarOptional(new Scalar(LOGVAR_MAX)));           // (B, C, h, w)
        this.std = this.logvar.mul(new Scalar(0.5)).exp();              // (B, C, h, w)
    }

    /** (B, C, h, w). */
    public Tensor mean() {
        return mean;
    }

    /** The clamped log-variance, (B, C, h, w). */
    public Tensor logvar() {
        return logvar;
    }

    /** exp(logvar / 2), (B, C, h, w). */
    public Tensor std() {
        return std;
    }

    /**
     * A reparametrised sample {@code mean + std * eps}, eps ~ N(0, I) drawn from {@code generator}
     * (a CPU generator, e.g. {@code torch.createCPUGenerator(seed)}), so the same generator state
     * gives the same sample on any device. Gradients flow to mean and logvar.
     */
    public Tensor sample(Generator generator) {
        long[] shape = mean.sizes().vec().get();
        Tensor eps = torch.randn(shape, new GeneratorOptional(generator), new TensorOptions(ScalarType.Float)); // (B, C, h, w)
        return sampleWith(eps.to(mean.device(), mean.scalar_type()));
    }

    /** {@code mean + std * eps} with the given noise of the latent's shape (for tests and fixed noise). */
    public Tensor sampleWith(Tensor eps) {
        return mean.add(std.mul(eps)); // (B, C, h, w)
    }

    /** The distribution's mode, the mean (deterministic encoding). */
    public Tensor mode() {
        return mean;
    }

    /**
     * KL(q || N(0, I)) per latent element, {@code 0.5 * (mean^2 + exp(logvar) - 1 - logvar)}
     * (Kingma &amp; Welling 2014, appendix B), shape (B, C, h, w).
     */
    public Tensor klPerElement() {
        return mean.square().add(logvar.exp()).sub(new Scalar(1.0)).sub(logvar).mul(new Scalar(0.5));
    }

    /** Mean of {@link #klPerElement()} over all elements, a scalar. */
    public Tensor kl() {
        return klPerElement().mean();
    }
}
