package ldm4j.nn;

import ldm4j.torch.Tensors;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.GroupNormImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Residual multi-head self-attention over the {@code H*W} positions of a feature map (Vaswani et al.
 * 2017; ADM's AttentionBlock, Dhariwal &amp; Nichol 2021), for the middle of the LDM autoencoder (one head)
 * and the UNet: {@code x + proj(attention(qkv(norm(x))))}, scaled dot-product attention with scale
 * 1/sqrt(C/heads). The 3C channels of {@code qkv} are ordered {@code [q | k | v]}, each
 * {@code [head 0 | head 1 | ...]} (ADM's QKVAttention, not the legacy order).
 *
 * <p>State-dict names: {@code norm} (GroupNorm), {@code qkv} (1x1 conv C -> 3C) and {@code proj} (1x1 conv
 * C -> C), zero-initialised in the UNet so the block starts as identity.
 */
public final class SelfAttention2d extends Module {
    private final GroupNormImpl norm;
    private final Conv2dImpl qkv;
    private final Conv2dImpl proj;
    private final long heads;

    /** The autoencoder's attention: default initialisation. */
    public SelfAttention2d(long channels, long groups, long heads) {
        this(channels, groups, heads, false);
    }

    /** The UNet's attention (ADM): {@code proj} zero-initialised. */
    public static SelfAttention2d zeroProjected(long channels, long groups, long heads) {
        return new SelfAttention2d(channels, groups, heads, true);
    }

    private SelfAttention2d(long channels, long groups, long heads, boolean zeroProj) {
        if (heads < 1 || channels % heads != 0) {
            throw new IllegalArgumentException("attention heads = " + heads + " must be >= 1 and divide the "
                    + channels + " channels");
        }
        this.norm = register_module("norm", Layers.groupNorm(groups, channels));
        this.qkv = register_module("qkv", Layers.conv1x1(channels, 3 * channels));
        Conv2dImpl p = Layers.conv1x1(channels, channels);
        this.proj = register_module("proj", zeroProj ? Layers.zeroInit(p) : p);
        this.heads = heads;
    }

    /** (B, C, H, W) -> (B, C, H, W); plain arithmetic, run by its caller in a memory scope. */
    public Tensor forward(Tensor x) {
        long[] s = Tensors.shape(x);
        long b = s[0], c = s[1], h = s[2], w = s[3];
        Tensor qkvs = qkv.forward(norm.forward(x));                                        // (B, 3C, H, W)
        qkvs = qkvs.reshape(b, 3, heads, c / heads, h * w).permute(1, 0, 2, 4, 3);        // (3, B, heads, HW, C/heads)
        Tensor o = attention(qkvs.select(0, 0), qkvs.select(0, 1), qkvs.select(0, 2));     // (B, heads, HW, C/heads)
        o = o.permute(0, 1, 3, 2).reshape(b, c, h, w);                                    // (B, C, H, W)
        return x.add(proj.forward(o));                                                    // (B, C, H, W)
    }

    /**
     * {@code softmax(q k^T / sqrt(d)) v} for q, k, v of shape (B, heads, T, d), written out: under bf16
     * autocast the two products run in bf16 through oneDNN on every thread, and the softmax turns bf16
     * logits into bf16 weights, accumulating in fp32 (the product with v would round them to bf16 anyway).
     * {@code scaled_dot_product_attention} would run its math path in fp32 here (its fused CPU kernel needs
     * a contiguous last dimension and measured 1.5x slower in the UNet step): fp32 batched products on
     * OpenBLAS's single thread, 15% of a bf16 UNet step. q and k are each scaled by d^-1/4, as that math path
     * does, so fp32 results keep its rounding. On CUDA it is {@code scaled_dot_product_attention}: its fused
     * kernels never hold the (T, T) weights, which matters at ImageNet's token counts.
     */
    public static Tensor attention(Tensor q, Tensor k, Tensor v) {
        if (q.is_cuda()) {
            return torch.scaled_dot_product_attention(q, k, v);                           // (B, heads, T, d)
        }
        Scalar s = new Scalar(Math.pow(q.size(-1), -0.25));
        Tensor scores = torch.matmul(q.mul(s), k.transpose(-2, -1).mul(s));                // (B, heads, T, T)
        return torch.matmul(torch.softmax(scores, -1), v);                                // (B, heads, T, d)
    }
}
