package ldm4j.unet;

import ldm4j.nn.Layers;
import ldm4j.torch.Tensors;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** Nearest-neighbour 2x upsampling followed by a 3x3 conv ({@code conv}), as in ADM's Upsample. */
public final class Upsample extends Module {
    private final Conv2dImpl conv;

    public Upsample(int channels) {
        conv = register_module("conv", Layers.conv3x3(channels, channels));
    }

    /** @param x (B, C, H, W); @return (B, C, 2H, 2W) */
    public Tensor forward(Tensor x) {
        long[] s = Tensors.shape(x);
        Tensor up = torch.upsample_nearest2d(x, 2 * s[2], 2 * s[3]); // (B, C, 2H, 2W)
        return conv.forward(up); // (B, C, 2H, 2W)
    }
}
