package ldm4j.nn;

import ldm4j.torch.Tensors;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * 2x nearest-neighbour upsampling followed by a 3x3 conv of the same width, as in ADM and the LDM
 * decoder (avoids the checkerboard artefacts of transposed convs; Odena et al. 2016). State-dict name:
 * {@code conv}.
 */
public final class Upsample extends Module {
    private final Conv2dImpl conv;

    public Upsample(long channels) {
        this.conv = register_module("conv", Layers.conv3x3(channels, channels));
    }

    /** (B, C, H, W) -> (B, C, 2H, 2W). */
    public Tensor forward(Tensor x) {
        long[] s = Tensors.shape(x);
        Tensor up = torch.upsample_nearest2d(x, 2 * s[2], 2 * s[3]); // (B, C, 2H, 2W)
        return conv.forward(up);                                     // (B, C, 2H, 2W)
    }
}
