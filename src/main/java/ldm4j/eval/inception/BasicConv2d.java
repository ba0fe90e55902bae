package ldm4j.eval.inception;

import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.BatchNorm2dImpl;
import org.bytedeco.pytorch.BatchNormOptions;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.Conv2dOptions;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Inception-v3's unit {@code relu(bn(conv(x)))}: a bias-free conv of kernel {@code kh x kw}, BatchNorm
 * with eps 0.001 (TensorFlow's), ReLU. State-dict names {@code conv.weight},
 * {@code bn.{weight, bias, running_mean, running_var}} as in pytorch-fid / torch-fidelity.
 */
final class BasicConv2d extends Module {
    static final double BN_EPS = 1e-3;
    private final Conv2dImpl conv;
    private final BatchNorm2dImpl bn;

    BasicConv2d(long in, long out, long kh, long kw, long stride, long ph, long pw) {
        Conv2dOptions o = new Conv2dOptions(in, out, new LongPointer(kh, kw));
        o.stride().put(new long[]{stride, stride});
        o.padding().put(new LongPointer(ph, pw));
        o.bias().put(false);
        conv = register_module("conv", new Conv2dImpl(o));
        BatchNormOptions b = new BatchNormOptions(out);
        b.eps().put(BN_EPS);
        bn = register_module("bn", new BatchNorm2dImpl(b));
    }

    /** Square kernel, stride 1, no padding. */
    static BasicConv2d of(long in, long out, long k) {
        return new BasicConv2d(in, out, k, k, 1, 0, 0);
    }

    /** (B, in, H, W) -> (B, out, H', W'). */
    Tensor forward(Tensor x) {
        return torch.relu(bn.forward(conv.forward(x)));
    }
}
