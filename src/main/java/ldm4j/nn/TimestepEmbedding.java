package ldm4j.nn;

import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Embedding of the continuous diffusion time t in [0, 1]: sinusoidal features of {@code 1000 t} (the
 * DDPM step range; Ho et al. 2020, Sec. 4 / Vaswani et al. 2017) followed by an MLP, as in ADM
 * (Dhariwal &amp; Nichol 2021): {@code Linear(channels, E) -> SiLU -> Linear(E, E)}. Parameter names
 * {@code 0.*} and {@code 2.*} match PyTorch's {@code nn.Sequential(Linear, SiLU, Linear)}.
 */
public final class TimestepEmbedding extends Module {
    /** Period of the lowest frequency, in units of 1000 t. */
    public static final double MAX_PERIOD = 10000.0;
    /** Continuous t in [0, 1] is embedded as {@code TIME_SCALE * t}. */
    public static final double TIME_SCALE = 1000.0;

    private final int channels;
    private final boolean float64;
    private final LinearImpl fc1;
    private final LinearImpl fc2;

    /** @param channels sinusoidal feature size (the UNet's base width); @param dim output size E */
    public TimestepEmbedding(int channels, int dim) {
        this(channels, dim, false);
    }

    /**
     * @param channels sinusoidal feature size (the UNet's base width, DiT's 256)
     * @param dim      output size E
     * @param float64  features computed in float64, then rounded to float32 ({@link #sinusoidal64}; the DiT's)
     */
    public TimestepEmbedding(int channels, int dim, boolean float64) {
        this.channels = channels;
        this.float64 = float64;
        fc1 = register_module("0", Layers.linear(channels, dim));
        fc2 = register_module("2", Layers.linear(dim, dim));
    }

    /** (B,) times in [0, 1] to (B, E). */
    public Tensor forward(Tensor t) {
        Tensor h = torch.silu(fc1.forward(float64 ? sinusoidal64(t, channels) : sinusoidal(t, channels))); // (B, E)
        return fc2.forward(h); // (B, E)
    }

    /**
     * ADM's {@code timestep_embedding} of {@code s = 1000 t}: with {@code half = dim / 2} and
     * {@code f_k = exp(-ln(10000) * k / half)} for k in [0, half), the features are
     * {@code [cos(s f_0) .. cos(s f_{half-1}), sin(s f_0) .. sin(s f_{half-1})]} (cos first); an odd
     * dim gets a trailing zero. Computed in float32 in the same operation order as the Python reference.
     *
     * @param t (B,) floating times in [0, 1]
     * @return (B, dim) float32
     */
    public static Tensor sinusoidal(Tensor t, int dim) {
        return sinusoidal(t, dim, ScalarType.Float);
    }

    private static Tensor sinusoidal(Tensor t, int dim, ScalarType type) {
        long half = dim / 2;
        Tensor k = torch.arange(new Scalar(half), new TensorOptions(type)).to(t.device(), type); // (half,)
        Tensor freqs = torch.exp(k.mul(new Scalar(-Math.log(MAX_PERIOD))).div(new Scalar((double) half))); // (half,)
        Tensor s = t.to(type).mul(new Scalar(TIME_SCALE)); // (B,)
        Tensor args = s.unsqueeze(1).mul(freqs.unsqueeze(0)); // (B, half)
        Tensor emb = torch.cat(new TensorVector(torch.cos(args), torch.sin(args)), 1); // (B, 2 half)
        if (dim % 2 == 1) {
            emb = torch.cat(new TensorVector(emb, torch.zeros_like(args.narrow(1, 0, 1))), 1); // (B, dim)
        }
        return emb;
    }

    /**
     * {@link #sinusoidal} computed in float64 and rounded to float32 at the end. In float32 a frequency one
     * ulp off (libtorch builds differ in {@code exp}) moves {@code 1000 t f_k} by up to 5e-5 and the feature
     * by as much; in float64 the features are exact to float32 rounding, so two implementations agree.
     *
     * @param t (B,) floating times in [0, 1]
     * @return (B, dim) float32
     */
    public static Tensor sinusoidal64(Tensor t, int dim) {
        return sinusoidal(t.to(ScalarType.Double), dim, ScalarType.Double).to(ScalarType.Float);
    }
}
