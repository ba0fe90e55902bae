package ldm4j.nn;

import java.util.List;
import java.util.function.UnaryOperator;

import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.GroupNormImpl;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Pre-activation residual block (He et al. 2016) in the form of DDPM (Ho et al. 2020, App. B) and
 * CompVis latent diffusion's {@code ResnetBlock} (Rombach et al. 2022), one class for the autoencoder
 * and the UNet, the time embedding optional:
 * <pre>
 *   h = conv1(silu(norm1(x)))
 *   h = h + emb_proj(silu(emb))[:, :, None, None]    only with an embedding (the UNet)
 *   h = conv2(dropout(silu(norm2(h))))               conv2 zero-initialised in the UNet (ADM): the block starts as identity
 *   return skip(x) + h                               skip = 1x1 conv when in != out, else identity
 * </pre>
 * State-dict names: {@code norm1, conv1, emb_proj} (with an embedding), {@code norm2, conv2} and
 * {@code skip} (only when {@code in != out}), registered in that order. GroupNorm eps is 1e-6
 * ({@link Layers#groupNorm}); dropout is active only in train mode. Like every module, create it outside
 * a {@link ldm4j.torch.StepScope}: its weights are native memory owned by the enclosing scope. The forward
 * pass is plain arithmetic; its caller runs it in a memory scope ({@link ldm4j.torch.BlockScope}), which
 * frees the intermediates when the block ends.
 */
public final class ResBlock extends Module {
    private final GroupNormImpl norm1;
    private final Conv2dImpl conv1;
    private final LinearImpl embProj; // null without a time embedding
    private final GroupNormImpl norm2;
    private final Conv2dImpl conv2;
    private final Conv2dImpl skip; // null when in == out
    private final double dropout;
    private DropoutNoise dropoutNoise; // set by the trainer for each step; null: libtorch's dropout

    /** The autoencoder's block: no time embedding, default initialisation. */
    public ResBlock(long in, long out, long groups, double dropout) {
        this(in, out, 0, groups, dropout, false);
    }

    /** The UNet's block (ADM): the embedding of size {@code embDim} projected in, conv2 zero-initialised. */
    public static ResBlock timeConditioned(long in, long out, long embDim, long groups, double dropout) {
        return new ResBlock(in, out, embDim, groups, dropout, true);
    }

    private ResBlock(long in, long out, long embDim, long groups, double dropout, boolean zeroOut) {
        if (dropout < 0 || dropout >= 1) {
            throw new IllegalArgumentException("ResBlock dropout must be in [0, 1), got " + dropout);
        }
        this.norm1 = register_module("norm1", Layers.groupNorm(groups, in));
        this.conv1 = register_module("conv1", Layers.conv3x3(in, out));
        this.embProj = embDim > 0 ? register_module("emb_proj", Layers.linear(embDim, out)) : null;
        this.norm2 = register_module("norm2", Layers.groupNorm(groups, out));
        Conv2dImpl c2 = Layers.conv3x3(out, out);
        this.conv2 = register_module("conv2", zeroOut ? Layers.zeroInit(c2) : c2);
        this.skip = in != out ? register_module("skip", Layers.conv1x1(in, out)) : null;
        this.dropout = dropout;
    }

    /** (B, in, H, W) -> (B, out, H, W), for a block without time embedding. */
    public Tensor forward(Tensor x) {
        return forward(x, null);
    }

    /**
     * @param x   (B, in, H, W)
     * @param emb (B, E) conditioning vector, or null for a block without time embedding
     * @return (B, out, H, W)
     */
    public Tensor forward(Tensor x, Tensor emb) {
        requireEmbedding(emb);
        return outLayers(inLayers(x, emb), x);
    }

    private void requireEmbedding(Tensor emb) {
        if ((emb == null) != (embProj == null)) {
            throw new IllegalArgumentException(embProj == null ? "this ResBlock has no time embedding; pass none"
                    : "this ResBlock is time-conditioned and needs the embedding (B, E)");
        }
    }

    /**
     * The block as two stages for {@link ldm4j.torch.BlockScope#sequence}, whose input is {@code x}: each stage's
     * intermediates are freed when it ends, so at most one stage's are held at a time (inference holds about
     * what Python's reference counting would).
     */
    public List<UnaryOperator<Tensor>> stages(Tensor x, Tensor emb) {
        requireEmbedding(emb);
        return List.of(in -> inLayers(in, emb), h -> outLayers(h, x));
    }

    /** ADM's {@code in_layers} and the embedding: (B, in, H, W) -> h (B, out, H, W). */
    Tensor inLayers(Tensor x, Tensor emb) {
        Tensor h = conv1.forward(Layers.normSilu(norm1, x));                            // (B, out, H, W)
        if (embProj != null) {
            h = h.add(embProj.forward(torch.silu(emb)).unsqueeze(2).unsqueeze(3));      // + (B, out, 1, 1)
        }
        return h;
    }

    /** ADM's {@code out_layers} and the skip connection: h (B, out, H, W) and x (B, in, H, W) -> (B, out, H, W). */
    Tensor outLayers(Tensor h, Tensor x) {
        Tensor out = conv2.forward(dropout(torch.silu(norm2.forward(h))));              // (B, out, H, W)
        return out.add_(skip == null ? x : skip.forward(x)); // in place on conv2's output
    }

    private Tensor dropout(Tensor h) {
        if (dropout == 0 || !is_training()) {
            return h;
        }
        return dropoutNoise != null ? dropoutNoise.apply(h, dropout) : torch.dropout(h, dropout, true);
    }

    /** The masks of the next forward passes in train mode (a training step's own random stream). */
    public void dropoutNoise(DropoutNoise noise) {
        this.dropoutNoise = noise;
    }
}
