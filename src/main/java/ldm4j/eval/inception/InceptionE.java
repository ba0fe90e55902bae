package ldm4j.eval.inception;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * pytorch-fid's FIDInceptionE_1 (Mixed_7b: average pool without pad count) and FIDInceptionE_2
 * (Mixed_7c: max pool, as in TensorFlow's graph): 1x1 | 1x1-(1x3, 3x1) | 1x1-3x3-(1x3, 3x1) | pool-1x1,
 * concatenated to 2048 channels.
 */
final class InceptionE extends Module {
    private final boolean maxPool;
    private final BasicConv2d branch1x1;
    private final BasicConv2d branch3x3_1;
    private final BasicConv2d branch3x3_2a;
    private final BasicConv2d branch3x3_2b;
    private final BasicConv2d branch3x3dbl_1;
    private final BasicConv2d branch3x3dbl_2;
    private final BasicConv2d branch3x3dbl_3a;
    private final BasicConv2d branch3x3dbl_3b;
    private final BasicConv2d branchPool;

    InceptionE(long in, boolean maxPool) {
        this.maxPool = maxPool;
        branch1x1 = register_module("branch1x1", BasicConv2d.of(in, 320, 1));
        branch3x3_1 = register_module("branch3x3_1", BasicConv2d.of(in, 384, 1));
        branch3x3_2a = register_module("branch3x3_2a", new BasicConv2d(384, 384, 1, 3, 1, 0, 1));
        branch3x3_2b = register_module("branch3x3_2b", new BasicConv2d(384, 384, 3, 1, 1, 1, 0));
        branch3x3dbl_1 = register_module("branch3x3dbl_1", BasicConv2d.of(in, 448, 1));
        branch3x3dbl_2 = register_module("branch3x3dbl_2", new BasicConv2d(448, 384, 3, 3, 1, 1, 1));
        branch3x3dbl_3a = register_module("branch3x3dbl_3a", new BasicConv2d(384, 384, 1, 3, 1, 0, 1));
        branch3x3dbl_3b = register_module("branch3x3dbl_3b", new BasicConv2d(384, 384, 3, 1, 1, 1, 0));
        branchPool = register_module("branch_pool", BasicConv2d.of(in, 192, 1));
    }

    /** (B, in, H, W) -> (B, 2048, H, W). */
    Tensor forward(Tensor x) {
        Tensor t = branch3x3_1.forward(x);
        Tensor b3 = torch.cat(new TensorVector(branch3x3_2a.forward(t), branch3x3_2b.forward(t)), 1);
        Tensor d = branch3x3dbl_2.forward(branch3x3dbl_1.forward(x));
        Tensor bd = torch.cat(new TensorVector(branch3x3dbl_3a.forward(d), branch3x3dbl_3b.forward(d)), 1);
        Tensor pool = maxPool ? Pools.max3(x, 1, 1) : Pools.avg3(x);
        return torch.cat(new TensorVector(branch1x1.forward(x), b3, bd, branchPool.forward(pool)), 1);
    }
}
