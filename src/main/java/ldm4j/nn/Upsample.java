package ldm4j.nn;

import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * 2x nearest-neighbour upsampling followed by a 3x3 conv of the same width (avoids the checkerboard
 * artefacts of transposed convs; Odena et al. 2016). State-dict name: {@code conv}.
 */
public class Upsample extends Module {
    private final Conv2dImpl conv;

    public Upsample(long channels) {
        this.conv = register_module("conv", Layers.conv3x3(channels, channels));
    }

    /** (B, C, H, W) -> (B, C, 2H, 2W). */
    public Tensor forward(Tensor x) {
        long[] s = x.sizes().vec().get();
        Tensor up = torch.upsample_nearest2d(x, new long[]{2 * s[2], 2 * s[3]},
                new DoubleOptional(), new DoubleOptional()); // (B, C, 2H, 2W)
        return conv.forward(up);
    }
}
