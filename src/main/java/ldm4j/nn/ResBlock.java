package ldm4j.nn;

import ldm4j.torch.BlockScope;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.GroupNormImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Pre-activation residual block (He et al. 2016, "Identity Mappings in Deep Residual Networks"), in
 * the form used by DDPM and the LDM autoencoder (Rombach et al. 2022):
 * {@code h = conv1(silu(norm1(x))); h = conv2(dropout(silu(norm2(h)))); return skip(x) + h}.
 *
 * <p>State-dict names: {@code norm1, conv1, norm2, conv2} and {@code skip} (a 1x1 conv) only when
 * {@code in != out}. Like every module, create it outside a {@link ldm4j.torch.StepScope}: its
 * weights are native memory owned by the enclosing scope.
 */
public class ResBlock extends Module {
    private final GroupNormImpl norm1;
    private final Conv2dImpl conv1;
    private final GroupNormImpl norm2;
    private final Conv2dImpl conv2;
    private final Conv2dImpl skip; // null when in == out
    private final double dropout;

    public ResBlock(long in, long out, long groups, double dropout) {
        if (dropout < 0 || dropout >= 1) {
            throw new IllegalArgumentException("ResBlock dropout must be in [0, 1), got " + dropout);
        }
        this.norm1 = register_module("norm1", Layers.groupNorm(groups, in));
        this.conv1 = register_module("conv1", Layers.conv3x3(in, out));
        this.norm2 = register_module("norm2", Layers.groupNorm(groups, out));
        this.conv2 = register_module("conv2", Layers.conv3x3(out, out));
        this.skip = in != out ? register_module("skip", Layers.conv1x1(in, out)) : null;
        this.dropout = dropout;
    }

    /** (B, in, H, W) -> (B, out, H, W). */
    public Tensor forward(Tensor x) {
        return BlockScope.call(() -> body(x)); // intermediates freed at the block's end
    }

    private Tensor body(Tensor x) {
        // each intermediate is freed as soon as the next exists: at most x and two activations at once
        Tensor h = BlockScope.call(() -> conv1.forward(Layers.normSilu(norm1, x))); // (B, out, H, W)
        h = BlockScope.chain(h, this::conditioning, norm2::forward, torch::silu, this::dropout, conv2::forward);
        return h.add_(skip != null ? skip.forward(x) : x);      // (B, out, H, W), in place on conv2's output
    }

    private Tensor dropout(Tensor h) {
        return dropout > 0 ? torch.dropout(h, dropout, is_training()) : h;
    }

    /**
     * Hook between conv1 and norm2 where a diffusion UNet adds its projected time embedding (DDPM,
     * Ho et al. 2020). The autoencoder has no conditioning: identity. A time-conditioned subclass
     * will override this; it is deliberately not implemented here.
     */
    protected Tensor conditioning(Tensor h) {
        return h;
    }
}
