package ldm4j.eval.inception;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * pytorch-fid's FIDInceptionC (Mixed_6b..e): 1x1 | 1x1-1x7-7x1 | 1x1-7x1-1x7-7x1-1x7 | avg-pool(no pad
 * count)-1x1, concatenated to 768 channels. Mixed_6d's {@code branch1x1} output is TensorFlow's
 * {@code mixed_6/conv}, whose first 7 channels are ADM's spatial features for sFID.
 */
final class InceptionC extends Module {
    private final BasicConv2d branch1x1;
    private final BasicConv2d branch7x7_1;
    private final BasicConv2d branch7x7_2;
    private final BasicConv2d branch7x7_3;
    private final BasicConv2d branch7x7dbl_1;
    private final BasicConv2d branch7x7dbl_2;
    private final BasicConv2d branch7x7dbl_3;
    private final BasicConv2d branch7x7dbl_4;
    private final BasicConv2d branch7x7dbl_5;
    private final BasicConv2d branchPool;

    InceptionC(long in, long c7) {
        branch1x1 = register_module("branch1x1", BasicConv2d.of(in, 192, 1));
        branch7x7_1 = register_module("branch7x7_1", BasicConv2d.of(in, c7, 1));
        branch7x7_2 = register_module("branch7x7_2", new BasicConv2d(c7, c7, 1, 7, 1, 0, 3));
        branch7x7_3 = register_module("branch7x7_3", new BasicConv2d(c7, 192, 7, 1, 1, 3, 0));
        branch7x7dbl_1 = register_module("branch7x7dbl_1", BasicConv2d.of(in, c7, 1));
        branch7x7dbl_2 = register_module("branch7x7dbl_2", new BasicConv2d(c7, c7, 7, 1, 1, 3, 0));
        branch7x7dbl_3 = register_module("branch7x7dbl_3", new BasicConv2d(c7, c7, 1, 7, 1, 0, 3));
        branch7x7dbl_4 = register_module("branch7x7dbl_4", new BasicConv2d(c7, c7, 7, 1, 1, 3, 0));
        branch7x7dbl_5 = register_module("branch7x7dbl_5", new BasicConv2d(c7, 192, 1, 7, 1, 0, 3));
        branchPool = register_module("branch_pool", BasicConv2d.of(in, 192, 1));
    }

    /** The 1x1 branch alone (B, 192, H, W): for Mixed_6d, TensorFlow's {@code mixed_6/conv}. */
    Tensor branch1x1(Tensor x) {
        return branch1x1.forward(x);
    }

    /** (B, in, H, W) -> (B, 768, H, W), with the 1x1 branch already computed. */
    Tensor forward(Tensor x, Tensor b1x1) {
        Tensor b7 = branch7x7_3.forward(branch7x7_2.forward(branch7x7_1.forward(x)));
        Tensor d = branch7x7dbl_3.forward(branch7x7dbl_2.forward(branch7x7dbl_1.forward(x)));
        d = branch7x7dbl_5.forward(branch7x7dbl_4.forward(d));
        return torch.cat(new TensorVector(b1x1, b7, d, branchPool.forward(Pools.avg3(x))), 1);
    }

    Tensor forward(Tensor x) {
        return forward(x, branch1x1(x));
    }
}
