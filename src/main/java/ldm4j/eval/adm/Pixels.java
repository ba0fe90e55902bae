package ldm4j.eval.adm;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** Images in [-1, 1] to uint8 exactly as ldm4j's PNGs and .npz batches store them ({@code ImageGrid.toByte}). */
public final class Pixels {
    private Pixels() {
    }

    /** (N, 3, H, W) float in [-1, 1] -> uint8 floor((x + 1) * 127.5 + 0.5) clamped to 0..255, in float32 steps. */
    public static Tensor toUint8(Tensor x) {
        Tensor u = x.to(torch.ScalarType.Float).add(new Scalar(1.0f)).mul(new Scalar(127.5f)).add(new Scalar(0.5f));
        return u.clamp(new ScalarOptional(new Scalar(0.0)), new ScalarOptional(new Scalar(255.0))).floor()
                .to(torch.ScalarType.Byte);
    }
}
