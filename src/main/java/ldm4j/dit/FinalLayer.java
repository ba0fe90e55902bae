package ldm4j.dit;

import ldm4j.nn.Layers;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * DiT's final layer: {@code linear(modulate(norm_final(x), shift, scale))} with shift and scale from c,
 * D -> p^2 C per token. State-dict names {@code linear.*} and {@code adaLN_modulation.1.*}.
 */
final class FinalLayer extends Module {
    private final LinearImpl linear;
    private final Modulation adaLN;

    FinalLayer(long hidden, long patch, long outChannels) {
        linear = register_module("linear", Layers.linear(hidden, patch * patch * outChannels));
        adaLN = register_module("adaLN_modulation", new Modulation(hidden, 2));
    }

    /** x (B, T, D), c (B, D) -> (B, T, p^2 C). */
    Tensor forward(Tensor x, Tensor c) {
        TensorVector m = adaLN.forward(c); // shift, scale: (B, D)
        return linear.forward(Modulation.modulate(Dit.layerNorm(x), m.get(0), m.get(1))); // (B, T, p^2 C)
    }

    /** The output starts at exactly zero: modulation and linear zeroed. */
    void zeroInit() {
        adaLN.zeroInit();
        try (NoGradGuard g = new NoGradGuard()) {
            linear.weight().zero_();
            linear.bias().zero_();
        }
    }
}
