package ldm4j.eval.inception;

import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** The pooling branches of the FID Inception blocks. */
final class Pools {
    private Pools() {
    }

    /** 3x3 average, stride 1, padding 1, border windows averaged over their valid pixels only (TensorFlow's). */
    static Tensor avg3(Tensor x) {
        return torch.avg_pool2d(x, new long[]{3, 3}, new long[]{1, 1}, new long[]{1, 1}, false, false, new LongOptional());
    }

    /** 3x3 max with {@code stride} and {@code padding}. */
    static Tensor max3(Tensor x, long stride, long padding) {
        return torch.max_pool2d(x, new long[]{3, 3}, new long[]{stride, stride}, new long[]{padding, padding},
                new long[]{1, 1}, false);
    }
}
