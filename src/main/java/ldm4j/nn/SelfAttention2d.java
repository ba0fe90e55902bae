package ldm4j.nn;

import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.GroupNormImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Residual multi-head self-attention over the {@code H*W} positions of a feature map (Vaswani et al.
 * 2017), as in the middle of the LDM autoencoder (Rombach et al. 2022, one head) and the UNet:
 * {@code x + proj(attention(qkv(norm(x))))} with scaled dot-product attention, scale 1/sqrt(C/heads).
 *
 * <p>State-dict names: {@code norm} (GroupNorm), {@code qkv} (1x1 conv C -> 3C, channel blocks q, k, v)
 * and {@code proj} (1x1 conv C -> C).
 */
public class SelfAttention2d extends Module {
    private final GroupNormImpl norm;
    private final Conv2dImpl qkv;
    private final Conv2dImpl proj;
    private final long heads;

    public SelfAttention2d(long channels, long groups, long heads) {
        if (heads < 1 || channels % heads != 0) {
            throw new IllegalArgumentException("attention heads = " + heads + " must be >= 1 and divide the "
                    + channels + " channels");
        }
        this.norm = register_module("norm", Layers.groupNorm(groups, channels));
        this.qkv = register_module("qkv", Layers.conv1x1(channels, 3 * channels));
        this.proj = register_module("proj", Layers.conv1x1(channels, channels));
        this.heads = heads;
    }

    /** (B, C, H, W) -> (B, C, H, W). */
    public Tensor forward(Tensor x) {
        return ldm4j.torch.BlockScope.call(() -> body(x)); // intermediates freed at the block's end
    }

    private Tensor body(Tensor x) {
        long[] s = x.sizes().vec().get();
        long b = s[0], c = s[1], h = s[2], w = s[3];
        TensorVector parts = qkv.forward(norm.forward(x)).chunk(3, 1); // 3 x (B, C, H, W)
        Tensor q = toHeads(parts.get(0), b, c, h, w);                   // (B, heads, HW, C/heads)
        Tensor k = toHeads(parts.get(1), b, c, h, w);
        Tensor v = toHeads(parts.get(2), b, c, h, w);
        Tensor o = torch.scaled_dot_product_attention(q, k, v);         // (B, heads, HW, C/heads)
        o = o.transpose(-1, -2).reshape(b, c, h, w);                    // (B, C, H, W)
        return x.add(proj.forward(o));
    }

    private Tensor toHeads(Tensor t, long b, long c, long h, long w) {
        return t.reshape(b, heads, c / heads, h * w).transpose(-1, -2); // (B, heads, HW, C/heads)
    }
}
