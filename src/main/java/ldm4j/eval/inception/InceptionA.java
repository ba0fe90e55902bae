package ldm4j.eval.inception;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/** pytorch-fid's FIDInceptionA (Mixed_5b..d): 1x1 | 1x1-5x5 | 1x1-3x3-3x3 | avg-pool(no pad count)-1x1, concatenated. */
final class InceptionA extends Module {
    private final BasicConv2d branch1x1;
    private final BasicConv2d branch5x5_1;
    private final BasicConv2d branch5x5_2;
    private final BasicConv2d branch3x3dbl_1;
    private final BasicConv2d branch3x3dbl_2;
    private final BasicConv2d branch3x3dbl_3;
    private final BasicConv2d branchPool;

    InceptionA(long in, long poolFeatures) {
        branch1x1 = register_module("branch1x1", BasicConv2d.of(in, 64, 1));
        branch5x5_1 = register_module("branch5x5_1", BasicConv2d.of(in, 48, 1));
        branch5x5_2 = register_module("branch5x5_2", new BasicConv2d(48, 64, 5, 5, 1, 2, 2));
        branch3x3dbl_1 = register_module("branch3x3dbl_1", BasicConv2d.of(in, 64, 1));
        branch3x3dbl_2 = register_module("branch3x3dbl_2", new BasicConv2d(64, 96, 3, 3, 1, 1, 1));
        branch3x3dbl_3 = register_module("branch3x3dbl_3", new BasicConv2d(96, 96, 3, 3, 1, 1, 1));
        branchPool = register_module("branch_pool", BasicConv2d.of(in, poolFeatures, 1));
    }

    /** (B, in, H, W) -> (B, 224 + poolFeatures, H, W). */
    Tensor forward(Tensor x) {
        return torch.cat(new TensorVector(branch1x1.forward(x), branch5x5_2.forward(branch5x5_1.forward(x)),
                branch3x3dbl_3.forward(branch3x3dbl_2.forward(branch3x3dbl_1.forward(x))),
                branchPool.forward(Pools.avg3(x))), 1);
    }
}
