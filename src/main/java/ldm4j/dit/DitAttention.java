package ldm4j.dit;

import ldm4j.nn.Layers;
import ldm4j.nn.SelfAttention2d;
import ldm4j.torch.Tensors;
import org.bytedeco.pytorch.LayerNormImpl;
import org.bytedeco.pytorch.LayerNormOptions;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.LongVector;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * Multi-head self-attention over tokens (timm's {@code Attention}, as DiT uses it): {@code qkv} (D -> 3D, with
 * bias), the 3D features ordered {@code [q | k | v]}, each {@code [head 0 | head 1 | ...]}; optional LayerNorm
 * of each head's queries and keys ({@code q_norm}, {@code k_norm}: QK-normalisation, Dehghani et al. 2023);
 * scaled dot-product attention by {@link SelfAttention2d#attention} (written out on the CPU, SDPA on CUDA);
 * {@code proj} (D -> D).
 */
final class DitAttention extends Module {
    private final LinearImpl qkv;
    private final LinearImpl proj;
    private final LayerNormImpl qNorm;
    private final LayerNormImpl kNorm;
    private final long heads;

    DitAttention(long hidden, long heads, boolean qkNorm) {
        this.heads = heads;
        this.qkv = register_module("qkv", Layers.linear(hidden, 3 * hidden));
        if (qkNorm) {
            qNorm = register_module("q_norm", layerNorm(hidden / heads));
            kNorm = register_module("k_norm", layerNorm(hidden / heads));
        } else {
            qNorm = null;
            kNorm = null;
        }
        this.proj = register_module("proj", Layers.linear(hidden, hidden));
    }

    private static LayerNormImpl layerNorm(long dim) {
        // the elements: LongVector(long n) would be n zeros
        LayerNormOptions o = new LayerNormOptions(new LongVector(new long[]{dim}));
        o.eps().put(1e-5); // timm's default for q_norm and k_norm
        return new LayerNormImpl(o);
    }

    /** (B, T, D) -> (B, T, D). */
    Tensor forward(Tensor x) {
        long[] s = Tensors.shape(x);
        long b = s[0], t = s[1], d = s[2];
        Tensor qkvs = qkv.forward(x).reshape(b, t, 3, heads, d / heads).permute(2, 0, 3, 1, 4); // (3, B, heads, T, D/heads)
        Tensor q = qkvs.select(0, 0);
        Tensor k = qkvs.select(0, 1);
        if (qNorm != null) {
            q = qNorm.forward(q);
            k = kNorm.forward(k);
        }
        Tensor o = SelfAttention2d.attention(q, k, qkvs.select(0, 2));                          // (B, heads, T, D/heads)
        return proj.forward(o.transpose(1, 2).reshape(b, t, d));                                // (B, T, D)
    }
}
