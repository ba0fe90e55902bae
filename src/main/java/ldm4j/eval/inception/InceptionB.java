package ldm4j.eval.inception;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/** Inception-v3's grid reduction Mixed_6a: 3x3/2 | 1x1-3x3-3x3/2 | max-pool/2, concatenated. */
final class InceptionB extends Module {
    private final BasicConv2d branch3x3;
    private final BasicConv2d branch3x3dbl_1;
    private final BasicConv2d branch3x3dbl_2;
    private final BasicConv2d branch3x3dbl_3;

    InceptionB(long in) {
        branch3x3 = register_module("branch3x3", new BasicConv2d(in, 384, 3, 3, 2, 0, 0));
        branch3x3dbl_1 = register_module("branch3x3dbl_1", BasicConv2d.of(in, 64, 1));
        branch3x3dbl_2 = register_module("branch3x3dbl_2", new BasicConv2d(64, 96, 3, 3, 1, 1, 1));
        branch3x3dbl_3 = register_module("branch3x3dbl_3", new BasicConv2d(96, 96, 3, 3, 2, 0, 0));
    }

    /** (B, in, H, W) -> (B, 480 + in, (H-3)/2+1, (W-3)/2+1). */
    Tensor forward(Tensor x) {
        return torch.cat(new TensorVector(branch3x3.forward(x),
                branch3x3dbl_3.forward(branch3x3dbl_2.forward(branch3x3dbl_1.forward(x))), Pools.max3(x, 2, 0)), 1);
    }
}
