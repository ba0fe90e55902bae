package ldm4j.unet;

import ldm4j.nn.Layers;
import ldm4j.torch.BlockScope;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.GroupNormImpl;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Residual block conditioned on the time/class embedding (Ho et al. 2020, App. B; ADM's ResBlock
 * without scale-shift norm, Dhariwal &amp; Nichol 2021):
 * <pre>
 *   h = conv1(silu(norm1(x)))
 *   h = h + emb_proj(silu(emb))[:, :, None, None]
 *   h = conv2(dropout(silu(norm2(h))))        conv2 zero-initialised: the block starts as identity
 *   return skip(x) + h                        skip = 1x1 conv when in != out, else identity
 * </pre>
 * GroupNorm eps is 1e-6 (as in the VAE, {@link Layers#groupNorm}). Dropout is active only in train mode.
 */
public final class TimestepResBlock extends Module {
    private final GroupNormImpl norm1;
    private final Conv2dImpl conv1;
    private final LinearImpl embProj;
    private final GroupNormImpl norm2;
    private final Conv2dImpl conv2;
    private final Conv2dImpl skip; // null when in == out
    private final double dropout;

    public TimestepResBlock(int in, int out, int embDim, int groups, double dropout) {
        this.dropout = dropout;
        norm1 = register_module("norm1", Layers.groupNorm(groups, in));
        conv1 = register_module("conv1", Layers.conv3x3(in, out));
        embProj = register_module("emb_proj", Layers.linear(embDim, out));
        norm2 = register_module("norm2", Layers.groupNorm(groups, out));
        conv2 = register_module("conv2", zeroInit(Layers.conv3x3(out, out)));
        skip = in != out ? register_module("skip", Layers.conv1x1(in, out)) : null;
    }

    /** @param x (B, in, H, W); @param emb (B, E); @return (B, out, H, W) */
    public Tensor forward(Tensor x, Tensor emb) {
        return BlockScope.call(() -> body(x, emb)); // intermediates freed at the block's end
    }

    private Tensor body(Tensor x, Tensor emb) {
        // each intermediate is freed as soon as the next exists: at most x and two activations at once
        Tensor h = BlockScope.call(() -> conv1.forward(Layers.normSilu(norm1, x))); // (B, out, H, W)
        Tensor e = BlockScope.call(() -> embProj.forward(torch.silu(emb)).unsqueeze(2).unsqueeze(3)); // (B, out, 1, 1)
        h = BlockScope.chain(h, v -> v.add(e), norm2::forward, torch::silu, this::dropout, conv2::forward); // (B, out, H, W)
        return h.add_(skip == null ? x : skip.forward(x)); // (B, out, H, W), in place on conv2's output
    }

    private Tensor dropout(Tensor h) {
        return dropout > 0 ? torch.dropout(h, dropout, is_training()) : h;
    }

    /** Zeroes weight and bias (ADM's zero_module): the layer's output starts at exactly 0. */
    static Conv2dImpl zeroInit(Conv2dImpl conv) {
        try (NoGradGuard g = new NoGradGuard()) {
            conv.weight().zero_();
            conv.bias().zero_();
        }
        return conv;
    }
}
