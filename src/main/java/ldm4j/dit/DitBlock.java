package ldm4j.dit;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * A DiT block with adaLN-Zero conditioning (Peebles &amp; Xie 2023, Fig. 3): from c, six vectors
 * {@code shift, scale, gate} for the attention and for the MLP;
 * <pre>
 *   x = x + gate_msa * attn(modulate(norm1(x), shift_msa, scale_msa))
 *   x = x + gate_mlp * mlp(modulate(norm2(x), shift_mlp, scale_mlp))
 * </pre>
 * norm1 and norm2 are LayerNorms without affine parameters (eps 1e-6). State-dict names {@code attn.*},
 * {@code mlp.fc1/fc2.*} and {@code adaLN_modulation.1.*}, as in DiT's models.py.
 */
final class DitBlock extends Module {
    private final DitAttention attn;
    private final DitMlp mlp;
    private final Modulation adaLN;

    DitBlock(long hidden, long heads, long mlpHidden, boolean qkNorm) {
        attn = register_module("attn", new DitAttention(hidden, heads, qkNorm));
        mlp = register_module("mlp", new DitMlp(hidden, mlpHidden));
        adaLN = register_module("adaLN_modulation", new Modulation(hidden, 6));
    }

    /** x (B, T, D), c (B, D) -> (B, T, D); plain arithmetic, run by {@link Dit} in a memory scope. */
    Tensor forward(Tensor x, Tensor c) {
        TensorVector m = adaLN.forward(c); // shift_msa, scale_msa, gate_msa, shift_mlp, scale_mlp, gate_mlp: (B, D)
        Tensor h = attn.forward(Modulation.modulate(Dit.layerNorm(x), m.get(0), m.get(1)));              // (B, T, D)
        Tensor x1 = x.add(m.get(2).unsqueeze(1).mul(h));                                                   // (B, T, D)
        Tensor g = mlp.forward(Modulation.modulate(Dit.layerNorm(x1), m.get(3), m.get(4)));             // (B, T, D)
        return x1.add(m.get(5).unsqueeze(1).mul(g));                                                       // (B, T, D)
    }

    Modulation modulation() {
        return adaLN;
    }
}
