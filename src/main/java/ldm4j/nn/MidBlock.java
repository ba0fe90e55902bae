package ldm4j.nn;

import java.util.function.UnaryOperator;

import ldm4j.torch.BlockScope;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * The middle of the LDM encoder and decoder and of the UNet, at the lowest resolution (Rombach et al.
 * 2022; ADM): {@code res1}, {@code attn} (optional in the autoencoder), {@code res2}, all at the same
 * width, each in its own memory scope (only block outputs are held; the input is left alone).
 */
public final class MidBlock extends Module {
    private final ResBlock res1;
    private final SelfAttention2d attn; // null without attention
    private final ResBlock res2;

    /** Registers the three as {@code res1, attn, res2}; {@code attn} may be null (no attention). */
    public MidBlock(ResBlock res1, SelfAttention2d attn, ResBlock res2) {
        this.res1 = register_module("res1", res1);
        this.attn = attn != null ? register_module("attn", attn) : null;
        this.res2 = register_module("res2", res2);
    }

    /** (B, C, h, w) -> (B, C, h, w), without time embedding. */
    public Tensor forward(Tensor h) {
        return forward(h, null);
    }

    /** (B, C, h, w) and the (B, E) embedding (null without) -> (B, C, h, w). */
    public Tensor forward(Tensor h, Tensor emb) {
        UnaryOperator<Tensor> first = x -> BlockScope.sequence(x, res1.stages(x, emb)); // (B, C, h, w)
        UnaryOperator<Tensor> last = x -> BlockScope.sequence(x, res2.stages(x, emb));  // (B, C, h, w)
        return attn != null ? BlockScope.sequence(h, first, attn::forward, last) // (B, C, h, w)
                : BlockScope.sequence(h, first, last);
    }
}
