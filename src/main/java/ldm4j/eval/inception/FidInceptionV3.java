package ldm4j.eval.inception;

import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.LinearOptions;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import ldm4j.torch.Tensors;

/**
 * The FID variant of Inception-v3 (TensorFlow's 2015-12-05 graph as ported by pytorch-fid and
 * torch-fidelity: FIDInceptionA/C/E blocks, BatchNorm eps 0.001, 1008 classes) with torch-fidelity's
 * preprocessing: uint8 images of any size, {@link Tf1Resize} to 299 x 299, {@code (x - 128) / 128}.
 * Outputs the 2,048 pool features (FID, precision/recall), the 1,008 logits without bias (Inception
 * Score, as ADM's softmax graph) and ADM's spatial features: TensorFlow's {@code mixed_6/conv} (the
 * 1x1 branch of Mixed_6d after its ReLU, in torch-fidelity's weight conversion table), first 7 channels,
 * flattened in TensorFlow's (H, W, C) order: 17 x 17 x 7 = 2,023 values (sFID).
 *
 * <p>State-dict names are torch-fidelity's / pytorch-fid's ({@code Conv2d_1a_3x3.conv.weight},
 * {@code Mixed_6d.branch1x1.bn.running_var}, {@code fc.weight}, ...), so their weights file loads as is
 * once converted to safetensors ({@link InceptionWeights}).
 */
public final class FidInceptionV3 extends Module {
    public static final int INPUT = 299;
    public static final int POOL_DIM = 2048;
    public static final int LOGITS = 1008;
    public static final int SPATIAL_CHANNELS = 7;
    public static final int SPATIAL_DIM = 17 * 17 * SPATIAL_CHANNELS;

    private final BasicConv2d conv1a = register_module("Conv2d_1a_3x3", new BasicConv2d(3, 32, 3, 3, 2, 0, 0));
    private final BasicConv2d conv2a = register_module("Conv2d_2a_3x3", BasicConv2d.of(32, 32, 3));
    private final BasicConv2d conv2b = register_module("Conv2d_2b_3x3", new BasicConv2d(32, 64, 3, 3, 1, 1, 1));
    private final BasicConv2d conv3b = register_module("Conv2d_3b_1x1", BasicConv2d.of(64, 80, 1));
    private final BasicConv2d conv4a = register_module("Conv2d_4a_3x3", BasicConv2d.of(80, 192, 3));
    private final InceptionA mixed5b = register_module("Mixed_5b", new InceptionA(192, 32));
    private final InceptionA mixed5c = register_module("Mixed_5c", new InceptionA(256, 64));
    private final InceptionA mixed5d = register_module("Mixed_5d", new InceptionA(288, 64));
    private final InceptionB mixed6a = register_module("Mixed_6a", new InceptionB(288));
    private final InceptionC mixed6b = register_module("Mixed_6b", new InceptionC(768, 128));
    private final InceptionC mixed6c = register_module("Mixed_6c", new InceptionC(768, 160));
    private final InceptionC mixed6d = register_module("Mixed_6d", new InceptionC(768, 160));
    private final InceptionC mixed6e = register_module("Mixed_6e", new InceptionC(768, 192));
    private final InceptionD mixed7a = register_module("Mixed_7a", new InceptionD(768));
    private final InceptionE mixed7b = register_module("Mixed_7b", new InceptionE(1280, false));
    private final InceptionE mixed7c = register_module("Mixed_7c", new InceptionE(2048, true));
    private final LinearImpl fc = register_module("fc", new LinearImpl(new LinearOptions(2048, LOGITS)));

    public FidInceptionV3() {
        train(false);
    }

    /** Pool features (B, 2048), logits without bias (B, 1008), spatial features (B, 2023); float32. */
    public record Features(Tensor pool, Tensor logits, Tensor spatial) {
    }

    /** torch-fidelity's preprocessing: uint8 (B, 3, H, W) -> float32 (B, 3, 299, 299) in [-1, 1]. */
    public static Tensor preprocess(Tensor uint8) {
        if (!Tensors.same(uint8.scalar_type(), torch.ScalarType.Byte) || uint8.dim() != 4 || uint8.size(1) != 3) {
            throw new IllegalArgumentException("expected uint8 images (B, 3, H, W)");
        }
        Tensor x = Tf1Resize.resize(uint8.to(torch.ScalarType.Float), INPUT, INPUT);   // (B, 3, 299, 299)
        return x.sub(new Scalar(128.0)).div(new Scalar(128.0));
    }

    /** uint8 (B, 3, H, W) images -> features. Call in inference mode. */
    public Features features(Tensor uint8) {
        Tensor x = preprocess(uint8);
        x = conv2b.forward(conv2a.forward(conv1a.forward(x)));                          // (B, 64, 147, 147)
        x = Pools.max3(x, 2, 0);                                                        // (B, 64, 73, 73)
        x = conv4a.forward(conv3b.forward(x));                                          // (B, 192, 71, 71)
        x = Pools.max3(x, 2, 0);                                                        // (B, 192, 35, 35)
        x = mixed5d.forward(mixed5c.forward(mixed5b.forward(x)));                       // (B, 288, 35, 35)
        x = mixed6c.forward(mixed6b.forward(mixed6a.forward(x)));                       // (B, 768, 17, 17)
        Tensor mixed6Conv = mixed6d.branch1x1(x);                                       // (B, 192, 17, 17)
        Tensor spatial = mixed6Conv.narrow(1, 0, SPATIAL_CHANNELS).permute(0, 2, 3, 1)
                .contiguous().reshape(x.size(0), -1);                                   // (B, 17 * 17 * 7), HWC order
        x = mixed6e.forward(mixed6d.forward(x, mixed6Conv));                            // (B, 768, 17, 17)
        x = mixed7c.forward(mixed7b.forward(mixed7a.forward(x)));                       // (B, 2048, 8, 8)
        Tensor pool = x.mean(new long[]{2, 3}, false, new ScalarTypeOptional());   // (B, 2048)
        Tensor logits = pool.matmul(fc.weight().t());                                   // (B, 1008), no bias
        return new Features(pool, logits, spatial);
    }
}
