package ldm4j.classifier;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * One ResNet-9 stage: {@link ConvBn} then 2x2 max-pool, followed, when residual, by
 * {@code h + res2(res1(h))}. State-dict names: {@code conv}, {@code res1}, {@code res2}.
 */
final class Stage extends Module {
    private final ConvBn conv;
    private final ConvBn res1; // null without the residual pair
    private final ConvBn res2;

    Stage(long in, long out, boolean residual) {
        conv = register_module("conv", new ConvBn(in, out));
        res1 = residual ? register_module("res1", new ConvBn(out, out)) : null;
        res2 = residual ? register_module("res2", new ConvBn(out, out)) : null;
    }

    /** (B, in, H, W) -> (B, out, H/2, W/2). */
    Tensor forward(Tensor x) {
        Tensor h = torch.max_pool2d(conv.forward(x), 2L, 2L); // (B, out, H/2, W/2)
        return res1 == null ? h : h.add(res2.forward(res1.forward(h)));
    }
}
