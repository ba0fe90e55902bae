package ldm4j.eval.inception;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/** Inception-v3's grid reduction Mixed_7a: 1x1-3x3/2 | 1x1-1x7-7x1-3x3/2 | max-pool/2, concatenated. */
final class InceptionD extends Module {
    private final BasicConv2d branch3x3_1;
    private final BasicConv2d branch3x3_2;
    private final BasicConv2d branch7x7x3_1;
    private final BasicConv2d branch7x7x3_2;
    private final BasicConv2d branch7x7x3_3;
    private final BasicConv2d branch7x7x3_4;

    InceptionD(long in) {
        branch3x3_1 = register_module("branch3x3_1", BasicConv2d.of(in, 192, 1));
        branch3x3_2 = register_module("branch3x3_2", new BasicConv2d(192, 320, 3, 3, 2, 0, 0));
        branch7x7x3_1 = register_module("branch7x7x3_1", BasicConv2d.of(in, 192, 1));
        branch7x7x3_2 = register_module("branch7x7x3_2", new BasicConv2d(192, 192, 1, 7, 1, 0, 3));
        branch7x7x3_3 = register_module("branch7x7x3_3", new BasicConv2d(192, 192, 7, 1, 1, 3, 0));
        branch7x7x3_4 = register_module("branch7x7x3_4", new BasicConv2d(192, 192, 3, 3, 2, 0, 0));
    }

    /** (B, in, H, W) -> (B, 512 + in, (H-3)/2+1, (W-3)/2+1). */
    Tensor forward(Tensor x) {
        Tensor b7 = branch7x7x3_4.forward(branch7x7x3_3.forward(branch7x7x3_2.forward(branch7x7x3_1.forward(x))));
        return torch.cat(new TensorVector(branch3x3_2.forward(branch3x3_1.forward(x)), b7, Pools.max3(x, 2, 0)), 1);
    }
}
