package ldm4j.nn;

import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.Conv2dOptions;
import org.bytedeco.pytorch.GroupNormImpl;
import org.bytedeco.pytorch.GroupNormOptions;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.LinearOptions;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Factories for libtorch layers with the option plumbing done right: kernel, stride and padding are
 * written with {@code LongPointer.put(long[])} (a bare {@code put(i, v)} sets one index, silently
 * building the wrong layer).
 */
public final class Layers {
    private Layers() {
    }

    /** Square conv: {@code kernel x kernel}, given stride and zero padding, with bias. */
    public static Conv2dImpl conv2d(long in, long out, long kernel, long stride, long padding) {
        Conv2dOptions o = new Conv2dOptions(in, out, new LongPointer(kernel, kernel));
        o.stride().put(new long[]{stride, stride});
        o.padding().put(new LongPointer(padding, padding));
        o.bias().put(true);
        return new Conv2dImpl(o);
    }

    /** 3x3 conv with padding 1 (same size). */
    public static Conv2dImpl conv3x3(long in, long out) {
        return conv2d(in, out, 3, 1, 1);
    }

    /** 1x1 conv. */
    public static Conv2dImpl conv1x1(long in, long out) {
        return conv2d(in, out, 1, 1, 0);
    }

    /** {@code silu(norm(x))}. */
    public static Tensor normSilu(GroupNormImpl norm, Tensor x) {
        return torch.silu(norm.forward(x)); // (B, C, H, W)
    }

    /** The output head of the autoencoder and the UNet, {@code conv(silu(norm(h)))}. */
    public static Tensor normSiluConv(GroupNormImpl norm, Conv2dImpl conv, Tensor h) {
        return conv.forward(normSilu(norm, h)); // (B, C_out, H, W)
    }

    /** Zeroes weight and bias (ADM's {@code zero_module}): the layer's output starts at exactly 0. */
    public static Conv2dImpl zeroInit(Conv2dImpl conv) {
        try (NoGradGuard g = new NoGradGuard()) {
            conv.weight().zero_();
            conv.bias().zero_();
        }
        return conv;
    }

    public static GroupNormImpl groupNorm(long groups, long channels) {
        GroupNormOptions o = new GroupNormOptions(groups, channels);
        o.eps().put(1e-6);
        return new GroupNormImpl(o);
    }

    public static LinearImpl linear(long in, long out) {
        return new LinearImpl(new LinearOptions(in, out));
    }
}
