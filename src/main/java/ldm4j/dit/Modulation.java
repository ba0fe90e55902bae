package ldm4j.dit;

import ldm4j.nn.Layers;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * adaLN modulation: {@code Linear(SiLU(c))} from the conditioning (B, D) to {@code chunks} vectors of size D
 * (shift, scale, gate, ...). State-dict name {@code 1.*}, as DiT's {@code nn.Sequential(nn.SiLU(), nn.Linear)}.
 */
final class Modulation extends Module {
    private final LinearImpl linear;
    private final int chunks;

    Modulation(long hidden, int chunks) {
        this.linear = register_module("1", Layers.linear(hidden, chunks * hidden));
        this.chunks = chunks;
    }

    /** c (B, D) to {@code chunks} tensors (B, D). */
    TensorVector forward(Tensor c) {
        return linear.forward(torch.silu(c)).chunk(chunks, 1); // chunks x (B, D)
    }

    /** adaLN-Zero: the modulation starts at zero, so every block starts as the identity. */
    void zeroInit() {
        try (NoGradGuard g = new NoGradGuard()) {
            linear.weight().zero_();
            linear.bias().zero_();
        }
    }

    /** {@code x (1 + scale) + shift} over the tokens: x (B, T, D), shift and scale (B, D). */
    static Tensor modulate(Tensor x, Tensor shift, Tensor scale) {
        return x.mul(scale.unsqueeze(1).add(new Scalar(1.0))).add(shift.unsqueeze(1)); // (B, T, D)
    }
}
