package ldm4j.dit;

import ldm4j.nn.Layers;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** The transformer MLP (timm's {@code Mlp}): {@code fc2(gelu_tanh(fc1(x)))}, D -> ratio D -> D. */
final class DitMlp extends Module {
    private final LinearImpl fc1;
    private final LinearImpl fc2;

    DitMlp(long hidden, long inner) {
        fc1 = register_module("fc1", Layers.linear(hidden, inner));
        fc2 = register_module("fc2", Layers.linear(inner, hidden));
    }

    /** (B, T, D) -> (B, T, D). */
    Tensor forward(Tensor x) {
        return fc2.forward(torch.gelu(fc1.forward(x), "tanh")); // (B, T, D)
    }
}
