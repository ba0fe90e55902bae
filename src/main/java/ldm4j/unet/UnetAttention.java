package ldm4j.unet;

import ldm4j.nn.Layers;
import ldm4j.torch.Tensors;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.GroupNormImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Multi-head self-attention over the H*W positions of a feature map, with a residual connection
 * (ADM's AttentionBlock, Dhariwal &amp; Nichol 2021; Vaswani et al. 2017):
 * {@code x + proj(attention(qkv(norm(x))))}. The 3C channels of {@code qkv} are ordered
 * {@code [q | k | v]}, each {@code [head 0 | head 1 | ...]} of {@code headChannels} (ADM's
 * QKVAttention, not the legacy order). Softmax scale 1/sqrt(headChannels). {@code proj} is
 * zero-initialised, so the block starts as identity.
 */
public final class UnetAttention extends Module {
    private final int heads;
    private final GroupNormImpl norm;
    private final Conv2dImpl qkv;
    private final Conv2dImpl proj;

    public UnetAttention(int channels, int heads, int groups) {
        if (heads < 1 || channels % heads != 0) {
            throw new IllegalArgumentException(heads + " attention heads do not divide " + channels + " channels");
        }
        this.heads = heads;
        norm = register_module("norm", Layers.groupNorm(groups, channels));
        qkv = register_module("qkv", Layers.conv1x1(channels, 3L * channels));
        proj = register_module("proj", TimestepResBlock.zeroInit(Layers.conv1x1(channels, channels)));
    }

    /** @param x (B, C, H, W); @return (B, C, H, W) */
    public Tensor forward(Tensor x) {
        return ldm4j.torch.BlockScope.call(() -> body(x)); // intermediates freed at the block's end
    }

    private Tensor body(Tensor x) {
        long[] s = Tensors.shape(x);
        long b = s[0], c = s[1], h = s[2], w = s[3];
        Tensor q3 = qkv.forward(norm.forward(x)); // (B, 3C, H, W)
        q3 = q3.reshape(b, 3, heads, c / heads, h * w).permute(1, 0, 2, 4, 3); // (3, B, heads, T, hc)
        Tensor out = torch.scaled_dot_product_attention(q3.select(0, 0), q3.select(0, 1), q3.select(0, 2)); // (B, heads, T, hc)
        out = out.permute(0, 1, 3, 2).reshape(b, c, h, w); // (B, C, H, W)
        return x.add(proj.forward(out)); // (B, C, H, W)
    }
}
