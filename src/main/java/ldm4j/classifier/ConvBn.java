package ldm4j.classifier;

import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.BatchNorm2dImpl;
import org.bytedeco.pytorch.BatchNormOptions;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.Conv2dOptions;
import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * {@code relu(bn(conv3x3(x)))}, the unit of ResNet-9; the conv has no bias (BatchNorm's shift
 * replaces it). State-dict names: {@code conv.weight}, {@code bn.{weight, bias, running_mean,
 * running_var, num_batches_tracked}} as in PyTorch.
 */
final class ConvBn extends Module {
    static final double BN_EPS = 1e-5;
    static final double BN_MOMENTUM = 0.1;

    private final Conv2dImpl conv;
    private final BatchNorm2dImpl bn;

    ConvBn(long in, long out) {
        Conv2dOptions o = new Conv2dOptions(in, out, new LongPointer(3L, 3L));
        o.padding().put(new LongPointer(1L, 1L));
        o.bias().put(false);
        conv = register_module("conv", new Conv2dImpl(o));
        BatchNormOptions b = new BatchNormOptions(out);
        b.eps().put(BN_EPS);
        b.momentum().put(BN_MOMENTUM);
        bn = register_module("bn", new BatchNorm2dImpl(b));
    }

    /** (B, in, H, W) -> (B, out, H, W). */
    Tensor forward(Tensor x) {
        return torch.relu(bn.forward(conv.forward(x)));
    }
}
