package ldm4j.autoencoder;

import ldm4j.nn.ResBlock;
import ldm4j.nn.SelfAttention2d;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * The middle of the LDM encoder and decoder at the lowest resolution (Rombach et al. 2022):
 * {@code res1}, single-head {@code attn} (optional), {@code res2}, all at the same width.
 */
final class MidBlock extends Module {
    private final ResBlock res1;
    private final SelfAttention2d attn; // null without attention
    private final ResBlock res2;

    MidBlock(long channels, long groups, boolean attention) {
        res1 = register_module("res1", new ResBlock(channels, channels, groups, 0.0));
        attn = attention ? register_module("attn", new SelfAttention2d(channels, groups, 1)) : null;
        res2 = register_module("res2", new ResBlock(channels, channels, groups, 0.0));
    }

    /** (B, C, h, w) -> (B, C, h, w). */
    Tensor forward(Tensor h) {
        h = res1.forward(h);
        if (attn != null) {
            h = attn.forward(h);
        }
        return res2.forward(h);
    }
}
